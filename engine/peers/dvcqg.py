"""The National Public Service Portal (Cổng Dịch vụ công quốc gia, DVCQG): status
synchronisation (docs/domain.md §7, docs/integration.md).

No official specification is public: the field names are those observed in public clients
(MaHoSo, MaTTHC, KenhThucHien, ChuHoSo, NgayTiepNhan, NgayHenTra, NgayKetThucXuLy, NgayTra,
TrangThaiHoSo, DonViXuLy) and the tables below are the one place they are mapped, so that the
real specification, once published, is an edit here (or another `Peer`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from engine.peers.base import MappingError, Outbound
from engine.peers.http import HttpClient
from engine.settings import PeerSettings

DVCQG = "dvcqg"
#: Dates as the portal's clients write them: local time, yyyyMMddHHmmss.
DATE_FORMAT = "%Y%m%d%H%M%S"
PORTAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

#: motcua's dossier status -> TrangThaiHoSo. The codes are the portal's own (engine.statuses),
#: spelled out so that a change on either side is a visible edit, not a silent shift.
STATUS_CODES: Mapping[int, int] = {
    1: 1,  # Mới đăng ký
    2: 2,  # Được tiếp nhận
    3: 3,  # Không được tiếp nhận
    4: 4,  # Đang xử lý
    5: 5,  # Yêu cầu bổ sung giấy tờ
    6: 6,  # Yêu cầu thực hiện nghĩa vụ tài chính
    7: 7,  # Công dân yêu cầu rút hồ sơ
    8: 8,  # Dừng xử lý
    9: 9,  # Đã xử lý xong
    10: 10,  # Đã trả kết quả
}
#: motcua's channel (engine.records.CHANNEL_NAMES) -> KenhThucHien.
CHANNEL_CODES: Mapping[int, int] = {
    1: 1,  # trực tiếp (direct)
    2: 2,  # trực tuyến (online)
    3: 3,  # qua dịch vụ bưu chính (postal)
}
RETURNED = 10


def status_payload(message: Outbound, procedure_codes: Mapping[str, str]) -> dict[str, Any]:
    """The portal's status synchronisation body for `message`; MappingError if it cannot be."""
    payload = message.payload
    dossier = payload.get("dossier")
    if not isinstance(dossier, Mapping):
        raise MappingError("the message has no dossier snapshot")
    code = _required(dossier, "code", "MaHoSo")
    procedure = dossier.get("procedure_code") or procedure_codes.get(
        str(dossier.get("procedure_key"))
    )
    if not procedure:
        raise MappingError(
            f"procedure {dossier.get('procedure_key')} has no national code (MaTTHC): set "
            "procedure_code in its diagram or MOTCUA_DVCQG_PROCEDURE_CODES"
        )
    status = STATUS_CODES.get(_int(dossier.get("status")))
    if status is None:
        raise MappingError(f"status {dossier.get('status')!r} has no TrangThaiHoSo")
    channel = CHANNEL_CODES.get(_int(dossier.get("channel")))
    if channel is None:
        raise MappingError(f"channel {dossier.get('channel')!r} has no KenhThucHien")
    files: list[dict[str, Any]] = [
        {"TenTep": name, "MaHash": sha256} for name, sha256 in message.files
    ]
    document = payload.get("document")
    if isinstance(document, Mapping) and document.get("sha256"):
        files.append(
            {
                "TenTep": str(document.get("title") or document.get("form")),
                "SoHieu": document.get("number"),
                "MaHash": document.get("sha256"),
            }
        )
    return {
        "MaHoSo": code,
        "MaTTHC": str(procedure),
        "KenhThucHien": channel,
        "ChuHoSo": _required(dossier, "applicant_name", "ChuHoSo"),
        "NgayTiepNhan": _date(dossier.get("received_at") or dossier.get("submitted_at")),
        "NgayHenTra": _date(dossier.get("due_at")),
        "NgayKetThucXuLy": _date(dossier.get("resolved_at")),
        "NgayTra": _date(dossier.get("finished_at")) if status == RETURNED else None,
        "TrangThaiHoSo": status,
        "DonViXuLy": _required(dossier, "unit_code", "DonViXuLy"),
        "TepDinhKem": files,
        "MaSuKien": message.key,
    }


class DvcqgPeer:
    """Delivers status synchronisations to the portal at `settings.url`."""

    name = DVCQG

    def __init__(self, settings: PeerSettings) -> None:
        self.settings = settings
        self.client = HttpClient()

    def deliver(self, message: Outbound) -> None:
        body = status_payload(message, self.settings.procedure_codes)
        headers = {"Idempotency-Key": message.key}
        if self.settings.token:
            headers["Authorization"] = f"Bearer {self.settings.token}"
        self.client.post_json(
            self.settings.url, body, headers=headers, timeout=self.settings.timeout_seconds
        )

    def close(self) -> None:
        self.client.close()


def _required(dossier: Mapping[str, Any], field: str, name: str) -> str:
    value = dossier.get(field)
    if not isinstance(value, str) or not value.strip():
        raise MappingError(f"{name} is empty (dossier field {field})")
    return value


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def _date(value: Any) -> str | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise MappingError(f"{value!r} is not a time") from None
    if moment.tzinfo is None:
        raise MappingError(f"{value!r} has no time zone")
    return moment.astimezone(PORTAL_TZ).strftime(DATE_FORMAT)
