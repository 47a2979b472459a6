"""Notifications to the applicant (docs/integration.md): each kind in Vietnamese from the
development sink (var/mail), Mẫu 01 and Mẫu 04 attached, the channels the applicant chose in
their profile (SMS through a fake gateway, e-mail by SMTP to a local server)."""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.notification_settings import SmtpSettings
from engine.scheduler import TimerScheduler
from engine.settings import Settings
from tests.conftest import make_settings
from tests.outbox.receiver import Receiver, receiver
from tests.outbox.smtp_sink import smtp_sink
from tests.outbox.support import drain
from tests.support import ACCEPT, APPRAISE, LEADER_APPROVE, REFUSE, RETURN, SUPPLEMENT, HttpApi

VN = ZoneInfo("Asia/Ho_Chi_Minh")
SCAN = b"\x89PNG\r\n\x1a\n" + b"\x01" * 64
SMS_TOKEN = "gateway-token-for-tests"


@pytest.fixture
def gateway() -> Iterator[Receiver]:
    with receiver("/sms/send") as fake:
        yield fake


@pytest.fixture
def settings(tmp_path: Path, database_url: str, gateway: Receiver) -> Settings:
    return make_settings(
        tmp_path / "var",
        database_url,
        MOTCUA_MAIL_DIR=str(tmp_path / "mail"),
        MOTCUA_SMS_URL=gateway.url,
        MOTCUA_SMS_TOKEN=SMS_TOKEN,
    )


def mails(settings: Settings, code: str) -> list[EmailMessage]:
    """The dossier's e-mails in the development sink, in event order."""
    assert settings.mail_dir is not None
    paths = sorted(
        settings.mail_dir.glob(f"{code}_*.eml"), key=lambda p: int(p.stem.split("_")[-1])
    )
    found = []
    for path in paths:
        parsed = message_from_bytes(path.read_bytes(), policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        found.append(parsed)
    return found


def text(mail: EmailMessage) -> str:
    body = mail.get_body(("plain",))
    assert body is not None
    content: str = body.get_content()
    return content


def attachments(mail: EmailMessage) -> dict[str, bytes]:
    found = {}
    for part in mail.iter_attachments():
        assert isinstance(part, EmailMessage)
        payload = part.get_payload(decode=True)
        assert isinstance(payload, bytes)
        found[str(part.get_filename())] = payload
    return found


def move(http: HttpApi, clock: FrozenClock, when: datetime) -> None:
    clock.set(when)
    http.forget_tokens()


def act_on(http: HttpApi, code: str, user: str, bpmn_id: str, data: dict[str, Any]) -> None:
    [task] = [t for t in http.tasks(user, dossier=code)["items"] if t["bpmn_id"] == bpmn_id]
    http.claim(task["id"], user)
    http.complete(task["id"], user, data)


def test_each_notification_says_what_happened_in_vietnamese(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock, settings: Settings
) -> None:
    code = http.submit()["code"]
    uploaded = http.client.post(
        f"/api/v1/dossiers/{code}/files",
        data={"file": (io.BytesIO(SCAN), "to_khai.png")},
        headers={"Authorization": f"Bearer {http.token('citizen')}"},
    )
    assert uploaded.status_code == 201
    http.act(code, "reception", ACCEPT)
    supplemented = http.submit()["code"]
    http.act(supplemented, "reception", SUPPLEMENT)
    refused = http.submit()["code"]
    http.act(refused, "reception", REFUSE)
    # late: warned one working day before the 19 March appointment, Mẫu 04 moves it to 24
    move(http, clock, datetime(2026, 3, 11, 9, tzinfo=VN))
    http.act(code, "specialist", APPRAISE)
    move(http, clock, datetime(2026, 3, 18, 7, 31, tzinfo=VN))
    TimerScheduler(ctx).run_once()
    act_on(
        http,
        code,
        "leader",
        "reappoint",
        {
            "decision": "reappoint",
            "reason": "Chờ xác minh của BHXH tỉnh",
            "new_due_date": "2026-03-24",
        },
    )
    act_on(http, code, "leader", "approve_result", LEADER_APPROVE)
    http.act(code, "reception", RETURN)
    drain(ctx, clock)

    told = mails(settings, code)
    assert [str(m["Subject"]) for m in told] == [
        f"Đã nhận hồ sơ {code}",
        f"Hồ sơ {code} đã được tiếp nhận",
        f"Xin lỗi về việc chậm giải quyết hồ sơ {code}",
        f"Đã có kết quả hồ sơ {code}",
        f"Đã trả kết quả hồ sơ {code}",
    ]
    acknowledgement, accepted, apology, resolved, returned = told
    assert "Thời điểm nhận (giờ máy chủ): 09:00 ngày 10/03/2026" in text(acknowledgement)
    assert f"- to_khai.png (SHA-256: {hashlib.sha256(SCAN).hexdigest()})" in text(acknowledgement)
    assert "Cấp lại, đổi thẻ bảo hiểm y tế" in text(acknowledgement)
    assert "Ngày hẹn trả kết quả: 17:00 ngày 19/03/2026" in text(accepted) or (
        "Ngày hẹn trả kết quả: " in text(accepted) and "(chưa có)" not in text(accepted)
    )
    [(name, pdf)] = attachments(accepted).items()
    assert name == f"{code}-mau-01.pdf" and pdf.startswith(b"%PDF")
    assert "Lý do: Chờ xác minh của BHXH tỉnh" in text(apology)
    assert "ngày 24/03/2026" in text(apology)
    assert list(attachments(apology)) == [f"{code}-mau-04.pdf"]
    assert "đã được giải quyết xong" in text(resolved)
    assert "đã được trả lúc" in text(returned)

    [acknowledged, asked] = mails(settings, supplemented)
    assert str(asked["Subject"]) == f"Hồ sơ {supplemented} cần bổ sung, hoàn thiện"
    assert "- Bản sao CCCD" in text(asked)
    assert "Lý do: Thiếu bản sao căn cước công dân" in text(asked)

    [_, refusal] = mails(settings, refused)
    assert str(refusal["Subject"]) == f"Hồ sơ {refused} không được tiếp nhận"
    assert "- Không thuộc thẩm quyền giải quyết của đơn vị" in text(refusal)


def test_the_applicant_chooses_sms_instead_of_e_mail(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock, settings: Settings, gateway: Receiver
) -> None:
    assert http.call("GET", "/api/v1/me/notifications", "citizen")["email"] is True
    problem = http.call(
        "PUT",
        "/api/v1/me/notifications",
        "citizen",
        expect=422,
        json={"email": False, "sms": True, "phone": "12345"},
    )
    assert [e["field"] for e in problem["errors"]] == ["phone"]
    chosen = http.call(
        "PUT",
        "/api/v1/me/notifications",
        "citizen",
        json={"email": False, "sms": True, "phone": "0912 345 678"},
    )
    assert (chosen["email"], chosen["sms"], chosen["phone"]) == (False, True, "0912345678")

    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    drain(ctx, clock)

    assert mails(settings, code) == []
    sent = [json.loads(r.body) for r in gateway.received]
    assert [s["to"] for s in sent] == ["0912345678", "0912345678"]
    assert sent[0]["text"] == f"BHXH: đã nhận hồ sơ {code} lúc 09:00 ngày 10/03/2026."
    assert sent[1]["text"].startswith(f"BHXH: hồ sơ {code} đã được tiếp nhận, hẹn trả kết quả")
    assert {r.headers["Authorization"] for r in gateway.received} == {f"Bearer {SMS_TOKEN}"}
    assert [s["id"] for s in sent] == [r.headers["Idempotency-Key"] for r in gateway.received]


def test_e_mail_goes_by_smtp_when_a_server_is_configured(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    with smtp_sink() as server:
        smtp = SmtpSettings("127.0.0.1", server.port, starttls=False)
        ctx.settings = replace(
            ctx.settings,
            notify=replace(ctx.settings.notify, smtp=smtp),
            mail_from="mot-cua@bhxh.example.vn",
        )
        code = http.submit()["code"]
        drain(ctx, clock)
    [(sender, recipients, data)] = server.messages
    assert "mot-cua@bhxh.example.vn" in sender and "an.nguyen@example.vn" in recipients[0]
    mail = message_from_bytes(data, policy=policy.default)
    assert str(mail["Subject"]) == f"Đã nhận hồ sơ {code}"
