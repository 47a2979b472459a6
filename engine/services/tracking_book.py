"""Mẫu 07, the unit's tracking book (sổ theo dõi hồ sơ) of the dossiers received in a period,
for the unit's officers and auditors (issue 14). Reading it is logged on the system chain.

A busy unit's book has no row limit:

- as **XLSX** the whole period is one workbook, written row by row (openpyxl's write-only
  mode) from the dossiers read 500 at a time: memory stays flat however long the book;
- as a **signed PDF** it comes in volumes (phần) of `VOLUME_ROWS` dossiers, each rendered alone
  (`volume=1, 2, …`): a render holds the process's one Typst compiler for about a second, not
  for minutes, and the officer gets the whole book volume by volume. Each volume prints which
  part of the book it is and numbers its rows on from the volume before.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from engine import events
from engine.context import EngineContext
from engine.errors import FieldError, NotFoundError, PermissionDeniedError, ValidationFailedError
from engine.event_types import EventType
from engine.issuing.data import PLACE, fit
from engine.security.authz import Actor, Role
from engine.statuses import DossierStatus
from engine.system_event_types import TrackingBookRead
from engine.transactions import conflicts_as_errors
from storage.records import BookEntry
from storage.uow import UnitOfWork

MAX_BOOK_DAYS = 366
#: The years a book may cover: a period outside them holds no dossier of this system, and the
#: calendar's ends (year 1, year 9999) overflow when turned into UTC instants.
BOOK_YEARS = range(2000, 3000)
#: Dossiers per PDF volume: ~27 landscape pages, about a second of rendering (docs/documents.md).
VOLUME_ROWS = 500
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")  # how the workbook prints times
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")  # what openpyxl refuses to write


@dataclass(frozen=True, slots=True)
class TrackingBook:
    content: bytes
    #: The PDF's volume and how many the period fills (an XLSX book is volume 1 of 1).
    volume: int
    volumes: int
    #: Dossiers in the whole period.
    total: int


def tracking_book(
    ctx: EngineContext,
    actor: Actor,
    unit_code: str,
    start: date,
    end: date,
    *,
    xlsx: bool,
    volume: int = 1,
) -> TrackingBook:
    """Mẫu 07 of the dossiers the unit received from `start` to `end` (inclusive): an XLSX
    workbook of the whole period, or volume `volume` of the signed PDF."""
    if not (actor.has(Role.AUDITOR) or (actor.is_officer and actor.unit_code == unit_code)):
        raise PermissionDeniedError("the tracking book is for the unit's officers and auditors")
    _check_period(start, end)
    with ctx.uow(write=False) as uow:
        unit = uow.units.get(unit_code)
        if unit is None:
            raise NotFoundError(f"no unit {unit_code}")
        first = datetime.combine(start, time.min, ctx.tz).astimezone(UTC)
        last = datetime.combine(end + timedelta(days=1), time.min, ctx.tz).astimezone(UTC)
        total = uow.documents.count_received_between(unit_code, first, last)
        volumes = max(1, math.ceil(total / VOLUME_ROWS))
        if not xlsx and not 1 <= volume <= volumes:
            raise ValidationFailedError(
                "the book has no such volume",
                [FieldError("volume", f"the period fills {volumes} volume(s) of the PDF")],
            )
        names = _ProcedureNames(uow)
        if xlsx:
            entries = uow.documents.received_between(unit_code, first, last)
            # No `fit` here: a workbook holds any text (`_cell` drops what XML cannot).
            rows = (_book_row(e, names(e), unit.name) for e in entries)
            content = _workbook(rows, unit.name, start, end)
        else:
            skip = (volume - 1) * VOLUME_ROWS
            entries = uow.documents.received_between(
                unit_code, first, last, skip=skip, take=VOLUME_ROWS
            )
            page_rows = [fit(_book_row(e, names(e), unit.name)) for e in entries]
            content = b""
        unit_name = unit.name
    now = ctx.clock.now()
    _log_read(ctx, actor, unit_code, start, end, now, None if xlsx else volume)
    if xlsx:
        return TrackingBook(content, 1, 1, total)
    from engine.documents import render_pdf, sign

    data: dict[str, Any] = {
        "unit_name": unit_name,
        "unit_code": unit_code,
        "place": PLACE,
        "issued_at": now.astimezone(ctx.tz).date().isoformat(),
        "number": f"{start.year}",
        "period_from": start.isoformat(),
        "period_to": end.isoformat(),
        "first_row": (volume - 1) * VOLUME_ROWS + 1,
        "rows": page_rows,
    }
    if volumes > 1:
        shown = f"{data['first_row']:,} đến {data['first_row'] + len(page_rows) - 1:,}"
        data["volume_note"] = (
            f"Phần {volume}/{volumes}: hồ sơ thứ {shown} trong {total:,} hồ sơ của kỳ"
        ).replace(",", ".")
    signer = ctx.signers.signer_for(unit_code, unit_name, now)
    return TrackingBook(sign(render_pdf("mau_07", data), signer), volume, volumes, total)


def _check_period(start: date, end: date) -> None:
    for field, day in (("from", start), ("to", end)):
        if day.year not in BOOK_YEARS:
            raise ValidationFailedError(
                "the period is not valid",
                [
                    FieldError(
                        field, f"must be a date from {BOOK_YEARS.start} to {BOOK_YEARS.stop - 1}"
                    )
                ],
            )
    if end < start:
        raise _bad_period("must not be before 'from'")
    if (end - start).days >= MAX_BOOK_DAYS:
        raise _bad_period(f"a book covers at most {MAX_BOOK_DAYS} days")


def _bad_period(message: str) -> ValidationFailedError:
    return ValidationFailedError("the period is not valid", [FieldError("to", message)])


def _log_read(
    ctx: EngineContext,
    actor: Actor,
    unit_code: str,
    start: date,
    end: date,
    now: datetime,
    volume: int | None,
) -> None:
    read: TrackingBookRead = {"unit": unit_code, "from": start.isoformat(), "to": end.isoformat()}
    if volume is not None and volume > 1:
        read["volume"] = volume
    with conflicts_as_errors(), ctx.uow() as uow:
        events.record_system(uow, EventType.TRACKING_BOOK_READ, actor=actor, now=now, payload=read)
        uow.commit()


class _ProcedureNames:
    """Each definition's procedure name, read once per book."""

    def __init__(self, uow: UnitOfWork) -> None:
        self.uow = uow
        self.names: dict[int, str] = {}

    def __call__(self, entry: BookEntry) -> str:
        name = self.names.get(entry.definition_id)
        if name is None:
            definition = self.uow.definitions.get(entry.definition_id)
            name = definition.name if definition is not None and definition.name else ""
            self.names[entry.definition_id] = name
        return name or entry.procedure_key


def _book_row(entry: BookEntry, procedure: str, unit_name: str) -> dict[str, Any]:
    applicant = entry.applicant if isinstance(entry.applicant, dict) else {}
    contact = ", ".join(str(applicant[k]) for k in ("address", "phone") if applicant.get(k))
    received = entry.received_at or entry.submitted_at
    row: dict[str, Any] = {
        "dossier_code": entry.code,
        "procedure": procedure[:300],
        "sets": 1,
        "applicant": str(applicant.get("full_name") or "(không rõ)")[:200],
        "handling_unit": unit_name,
        "received_at": events.format_time(received),
        "appointment_at": events.format_time(entry.due_at or received),
    }
    if contact:
        row["address_phone"] = contact[:300]
    if entry.resolved_at is not None:
        row["result_at"] = events.format_time(entry.resolved_at)
    if entry.finished_at is not None and entry.status == DossierStatus.RETURNED:
        row["returned_at"] = events.format_time(entry.finished_at)
    return row


BOOK_COLUMNS = (
    ("dossier_code", "Mã hồ sơ"),
    ("procedure", "Tên thủ tục hành chính"),
    ("sets", "Số lượng hồ sơ (bộ)"),
    ("applicant", "Tên cá nhân, tổ chức"),
    ("address_phone", "Địa chỉ, số điện thoại"),
    ("handling_unit", "Cơ quan chủ trì giải quyết"),
    ("received_at", "Nhận hồ sơ"),
    ("appointment_at", "Hẹn trả kết quả"),
    ("transferred_at", "Chuyển hồ sơ đến cơ quan giải quyết"),
    ("result_at", "Nhận kết quả giải quyết"),
    ("returned_at", "Trả kết quả cho cá nhân, tổ chức"),
    ("note", "Ghi chú"),
)


def _workbook(rows: Iterable[dict[str, Any]], unit_name: str, start: date, end: date) -> bytes:
    """The book as an XLSX workbook, written row by row (write-only: no row is kept)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Sổ theo dõi hồ sơ")
    sheet.append([f"SỔ THEO DÕI HỒ SƠ — {unit_name}"])
    sheet.append([f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}"])
    sheet.append(["TT", *(title for _, title in BOOK_COLUMNS)])
    for index, row in enumerate(rows, start=1):
        sheet.append([index, *(_cell(key, row.get(key)) for key, _ in BOOK_COLUMNS)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _cell(key: str, value: Any) -> Any:
    if value is None:
        return None
    if key.endswith("_at"):
        return datetime.fromisoformat(str(value)).astimezone(VIETNAM).strftime("%H:%M %d/%m/%Y")
    if isinstance(value, str):
        value = _NOT_IN_XML.sub("?", value)  # control characters: not in XML
        if value[:1] in "=+-@":
            return "'" + value  # never a formula (CSV/XLSX injection)
    return value
