"""Mẫu 07 for a busy unit (issue 14): no row limit. The whole period as one XLSX workbook; the
signed PDF in volumes of `VOLUME_ROWS` dossiers, each saying which part of the book it is and
numbering its rows on, with a link to the next."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import insert, select

from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.documents import verify
from engine.services.tracking_book import VOLUME_ROWS
from storage.models import Dossier
from tests.documents_support import flat, squeeze
from tests.http.test_issued_documents import move, raw
from tests.support import ACCEPT, UNIT, HttpApi, at

BOOK = f"/api/v1/units/{UNIT}/tracking-book?from=2026-03-01&to=2026-03-31"


def pdf_text(pdf: bytes) -> str:
    """The PDF's text (pypdf only: these are long documents)."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def busy_unit(http: HttpApi, ctx: EngineContext, clock: FrozenClock, copies: int) -> str:
    """One dossier accepted through the API, then `copies` more received after it (its row
    copied with a new id and code: what the book reads of them is the same)."""
    move(http, clock, at(2))
    code = str(http.submit()["code"])
    http.act(code, "reception", ACCEPT)
    with ctx.db.engine.begin() as conn:
        row = dict(
            conn.execute(select(Dossier.__table__).where(Dossier.code == code)).one()._mapping
        )
        conn.execute(
            insert(Dossier),
            [
                {
                    **row,
                    "id": row["id"] + n,
                    "code": f"{code}-{n:04d}",
                    "received_at": row["received_at"] + timedelta(minutes=n),
                    "applicant": {**row["applicant"], "full_name": f"Người nộp {n}"},
                }
                for n in range(1, copies + 1)
            ],
        )
    move(http, clock, at(31, 17))
    return code


def test_a_busy_period_is_one_workbook_and_a_pdf_in_volumes(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    total = 2 * VOLUME_ROWS + 200  # past the old 1,000-row limit
    code = busy_unit(http, ctx, clock, total - 1)
    xlsx = raw(http, BOOK + "&format=xlsx", "auditor")
    assert xlsx.status_code == 200 and xlsx.headers["Book-Dossiers"] == str(total)
    sheet = load_workbook(io.BytesIO(xlsx.data), read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(min_row=4, values_only=True))
    assert len(rows) == total
    assert rows[0][:2] == (1, code) and rows[-1][:2] == (total, f"{code}-{total - 1:04d}")
    assert rows[-1][4] == f"Người nộp {total - 1}"

    first = raw(http, BOOK, "reception")
    assert first.status_code == 200 and first.mimetype == "application/pdf"
    assert first.headers["Book-Volumes"] == "3" and first.headers["Book-Dossiers"] == str(total)
    assert first.headers["Link"] == (
        f'</api/v1/units/{UNIT}/tracking-book?from=2026-03-01&to=2026-03-31&volume=2>; rel="next"'
    )
    assert verify(first.data, ctx.signers.trust_roots()).valid
    second = raw(http, BOOK + "&volume=2", "reception")
    assert second.status_code == 200
    second_text = pdf_text(second.data)
    text = flat(second_text)
    shown = f"{VOLUME_ROWS + 1:,} đến {2 * VOLUME_ROWS:,}".replace(",", ".")
    assert f"Phần 2/3: hồ sơ thứ {shown} trong {total:,} hồ sơ của kỳ".replace(",", ".") in text
    squeezed = squeeze(second_text)
    assert f"{VOLUME_ROWS + 1}{code}-{VOLUME_ROWS:04d}" in squeezed  # rows numbered on
    assert f"{code}-{VOLUME_ROWS - 1:04d}" not in squeezed  # in volume 1
    last = raw(http, BOOK + "&volume=3", "reception")
    assert last.status_code == 200 and "Link" not in last.headers
    assert f"{code}-{total - 1:04d}" in squeeze(pdf_text(last.data))
    beyond = raw(http, BOOK + "&volume=4", "reception")
    assert beyond.status_code == 422
    assert [e["field"] for e in beyond.get_json()["errors"]] == ["volume"]
    assert raw(http, BOOK + "&volume=0", "reception").status_code == 422


def test_a_quiet_period_is_one_volume_that_says_nothing_of_volumes(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    code = busy_unit(http, ctx, clock, 2)
    book: Any = raw(http, BOOK, "reception")
    assert book.headers["Book-Volumes"] == "1" and "Link" not in book.headers
    text = flat(pdf_text(book.data))
    assert "Phần" not in text and code in squeeze(pdf_text(book.data))
