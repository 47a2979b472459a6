"""Notifications to the applicant by e-mail (development sink `MOTCUA_MAIL_DIR`): each status
the applicant is told of arrives once, in Vietnamese, through the same outbox."""

from __future__ import annotations

from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.settings import Settings
from storage.statuses import OutboxState
from tests.conftest import make_settings
from tests.outbox.support import by_state, drain, messages
from tests.support import ACCEPT, APPRAISE, LEADER_APPROVE, RETURN, SUPPLEMENT, HttpApi, applicant


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path / "var", database_url, MOTCUA_MAIL_DIR=str(tmp_path / "mail"))


def _mails(settings: Settings) -> list[EmailMessage]:
    assert settings.mail_dir is not None
    found = []
    for path in sorted(settings.mail_dir.glob("*.eml"), key=lambda p: int(p.stem.rsplit("_")[-1])):
        parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        found.append(parsed)
    return found


def test_the_applicant_is_told_of_each_step_in_vietnamese_once(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock, settings: Settings
) -> None:
    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    http.act(code, "specialist", APPRAISE)
    http.act(code, "leader", LEADER_APPROVE)
    http.act(code, "reception", RETURN)
    drain(ctx, clock)
    drain(ctx, clock)  # delivering again changes nothing
    assert by_state(ctx) == {OutboxState.DELIVERED: len(messages(ctx))}

    mails = _mails(settings)
    subjects = [str(mail["Subject"]) for mail in mails]
    assert subjects == [
        f"Đã nhận hồ sơ {code}",
        f"Hồ sơ {code} đã được tiếp nhận",
        f"Đã có kết quả hồ sơ {code}",
        f"Đã trả kết quả hồ sơ {code}",
    ]
    assert {str(mail["To"]) for mail in mails} == {"an.nguyen@example.vn"}
    body = mails[1].get_body(("plain",))
    assert body is not None
    accepted = body.get_content()
    assert accepted.startswith("Kính gửi Nguyễn Văn An,")
    assert "đã được tiếp nhận lúc 09:00 ngày 10/03/2026" in accepted
    assert "Ngày hẹn trả kết quả: " in accepted and "(chưa có)" not in accepted
    assert f"Hồ sơ {code} (Cấp lại, đổi thẻ bảo hiểm y tế)" in accepted


def test_a_supplement_request_is_told_and_an_applicant_without_e_mail_gets_nothing(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock, settings: Settings
) -> None:
    code = http.submit()["code"]
    http.act(code, "reception", SUPPLEMENT)
    silent = http.submit(applicant=applicant(email=None))["code"]
    drain(ctx, clock)
    assert by_state(ctx) == {OutboxState.DELIVERED: len(messages(ctx))}
    subjects = [str(mail["Subject"]) for mail in _mails(settings)]
    assert subjects == [f"Đã nhận hồ sơ {code}", f"Hồ sơ {code} cần bổ sung, hoàn thiện"]
    assert all(silent not in subject for subject in subjects)
