"""The national portal's status synchronisation payload (docs/domain.md §7): the mapping table,
and a message that cannot be mapped is parked with its reason, never a failure of the change."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.dispatcher import OutboxDispatcher
from engine.peers.base import MappingError, Outbound
from engine.peers.dvcqg import CHANNEL_CODES, STATUS_CODES, status_payload
from engine.peers.fake_dvcqg import FakeDvcqg
from engine.settings import Settings, SettingsError
from engine.statuses import DossierStatus
from storage.statuses import OutboxState
from tests.conftest import make_settings
from tests.outbox.support import messages
from tests.support import HttpApi

CODES = {"cap_lai_the_bhyt": "1.000000.000.00.00.H29"}
#: A secret production accepts (a throwaway, random).
RANDOM_SECRET = "tkXbj0ih9caLaLrMM4f2PskkNAtTqR7Pw_NTvsif_1FuEchfoNlswdb5JnGkFZcM"


def _message(**dossier: Any) -> Outbound:
    snapshot = {
        "code": "000.00.07.H29-260310-0001",
        "procedure_key": "cap_lai_the_bhyt",
        "procedure_code": None,
        "unit_code": "000.00.07.H29",
        "channel": 2,
        "applicant_name": "Nguyễn Văn An",
        "status": 10,
        "submitted_at": "2026-03-10T01:55:00.000000+00:00",
        "received_at": "2026-03-10T02:00:00.000000+00:00",
        "due_at": "2026-03-19T09:30:00.000000+00:00",
        "resolved_at": "2026-03-18T03:00:00.000000+00:00",
        "finished_at": "2026-03-19T02:15:30.000000+00:00",
        **dossier,
    }
    return Outbound(
        id=1,
        key="000.00.07.H29-260310-0001:27",
        kind="status_changed",
        payload={"kind": "status_changed", "event": 27, "dossier": snapshot},
        files=(("to_khai.pdf", "ab" * 32),),
    )


def test_every_status_and_channel_has_its_portal_code() -> None:
    assert set(STATUS_CODES) == {int(status) for status in DossierStatus}
    assert sorted(STATUS_CODES.values()) == list(range(1, 11))
    assert dict(CHANNEL_CODES) == {1: 1, 2: 2, 3: 3}  # trực tiếp, trực tuyến, bưu chính


def test_the_payload_names_the_fields_the_portal_reads_in_its_formats() -> None:
    body = status_payload(_message(), CODES)
    assert body == {
        "MaHoSo": "000.00.07.H29-260310-0001",
        "MaTTHC": "1.000000.000.00.00.H29",
        "KenhThucHien": 2,
        "ChuHoSo": "Nguyễn Văn An",
        "NgayTiepNhan": "20260310090000",  # Hanoi time
        "NgayHenTra": "20260319163000",
        "NgayKetThucXuLy": "20260318100000",
        "NgayTra": "20260319091530",
        "TrangThaiHoSo": 10,
        "DonViXuLy": "000.00.07.H29",
        "TepDinhKem": [{"TenTep": "to_khai.pdf", "MaHash": "ab" * 32}],
        "MaSuKien": "000.00.07.H29-260310-0001:27",
    }


def test_a_dossier_not_yet_returned_has_no_return_date_and_the_diagrams_code_wins() -> None:
    body = status_payload(_message(status=9, procedure_code="2.000001"), CODES)
    assert body["NgayTra"] is None and body["TrangThaiHoSo"] == 9
    assert body["MaTTHC"] == "2.000001"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"procedure_key": "unknown"}, "MaTTHC"),
        ({"status": 11}, "TrangThaiHoSo"),
        ({"status": "2"}, "TrangThaiHoSo"),
        ({"channel": 9}, "KenhThucHien"),
        ({"applicant_name": ""}, "ChuHoSo"),
        ({"received_at": "hôm qua"}, "not a time"),
        ({"due_at": "2026-03-19T09:30:00"}, "no time zone"),
    ],
)
def test_what_cannot_be_mapped_says_why(change: dict[str, Any], reason: str) -> None:
    with pytest.raises(MappingError, match=reason):
        status_payload(_message(**change), CODES)


@pytest.fixture
def settings(tmp_path: Path, database_url: str, peer: FakeDvcqg) -> Settings:
    """The portal configured, but no national code for the procedure the tests submit to."""
    return make_settings(tmp_path / "var", database_url, MOTCUA_DVCQG_URL=peer.url)


def test_a_message_that_cannot_be_mapped_is_parked_with_its_reason(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock, peer: FakeDvcqg
) -> None:
    code = http.submit()["code"]  # the submission itself is not affected
    dispatcher = OutboxDispatcher(ctx)
    dispatcher.drain()
    dispatcher.close()
    [message] = messages(ctx)
    assert (message.state, message.dossier_code, message.attempts) == (OutboxState.DEAD, code, 1)
    assert "MaTTHC" in (message.last_error or "") and "MOTCUA_DVCQG_PROCEDURE_CODES" in (
        message.last_error or ""
    )
    assert peer.snapshot()["received"] == 0
    listed = http.call(
        "GET", "/api/v1/admin/outbox", "admin", query={"state": "dead", "destination": "dvcqg"}
    )
    assert [item["key"] for item in listed["items"]] == [message.key]
    assert "MaTTHC" in listed["items"][0]["last_error"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"MOTCUA_DVCQG_URL": "ftp://dvcqg.gov.vn/x"}, "http(s) URL"),
        ({"MOTCUA_DVCQG_URL": "file:///etc/passwd"}, "http(s) URL"),
        (
            {"MOTCUA_DVCQG_URL": "http://dvcqg.gov.vn/x", "MOTCUA_ENV": "production"},
            "https:// in production",
        ),
        (
            {"MOTCUA_DVCQG_URL": "https://x/y", "MOTCUA_DVCQG_PROCEDURE_CODES": "cap_lai"},
            "procedure_key=MaTTHC",
        ),
        ({"MOTCUA_DVCQG_URL": "https://x/y", "MOTCUA_DVCQG_TIMEOUT_SECONDS": "0"}, "positive"),
        ({"MOTCUA_OUTBOX_BACKOFF_SECONDS": "nan"}, "positive"),
    ],
)
def test_settings_that_cannot_work_are_refused_at_start_up(
    env: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError, match=re.escape(message)):
        Settings.from_env({"MOTCUA_SECRET_KEY": RANDOM_SECRET, "MOTCUA_VAR_DIR": "/none", **env})
