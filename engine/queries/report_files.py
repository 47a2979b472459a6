"""The handling report as files (docs/reports.md): an XLSX workbook laid out like the periodic
report form 06a of the reporting regime (Circular 01/2020/TT-VPCP; column blocks as in
legal-research §8.1), and a CSV in UTF-8 with a byte order mark so that Excel reads the
Vietnamese headings right."""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import Any

from engine.errors import FieldError, ValidationFailedError
from engine.queries.handling_report import HandlingReport, ReportRow
from engine.queries.report_figures import FIGURES

#: Each figure's heading, in Vietnamese as the form words it.
FIGURE_LABELS = {
    "to_handle": "Số hồ sơ nhận giải quyết: Tổng số",
    "carried_over": "Số kỳ trước chuyển qua",
    "received": "Số mới tiếp nhận",
    "received_online": "Mới tiếp nhận trực tuyến",
    "received_direct": "Mới tiếp nhận trực tiếp",
    "received_postal": "Mới tiếp nhận qua dịch vụ bưu chính",
    "resolved": "Số hồ sơ đã giải quyết: Tổng số",
    "resolved_early": "Trả trước hạn",
    "resolved_on_time": "Trả đúng thời hạn",
    "resolved_late": "Trả quá hạn",
    "refused": "Không được tiếp nhận",
    "withdrawn": "Công dân rút hồ sơ",
    "stopped": "Dừng xử lý",
    "pending": "Số hồ sơ đang giải quyết: Tổng số",
    "pending_within_time": "Chưa đến hạn",
    "pending_overdue": "Quá hạn",
    "waiting_supplement": "Chờ bổ sung hồ sơ",
    "waiting_fee": "Chờ thực hiện nghĩa vụ tài chính",
    "returned": "Đã trả kết quả trong kỳ",
}
assert set(FIGURE_LABELS) == set(FIGURES)

#: The 06a table: (block heading, [(sub-heading, figure or figures summed)]). The form has
#: one column for direct and postal dossiers together; the blocks after "Số hồ sơ đang giải
#: quyết" are this system's additions (statuses 3, 5–8 and 10 of the national portal).
_Column = tuple[str, tuple[str, ...]]
FORM_06A: tuple[tuple[str, tuple[_Column, ...]], ...] = (
    (
        "Số hồ sơ nhận giải quyết",
        (
            ("Tổng số", ("to_handle",)),
            ("Số kỳ trước chuyển qua", ("carried_over",)),
            ("Số mới tiếp nhận trực tuyến", ("received_online",)),
            (
                "Số mới tiếp nhận trực tiếp, dịch vụ bưu chính",
                ("received_direct", "received_postal"),
            ),
        ),
    ),
    (
        "Số hồ sơ đã giải quyết",
        (
            ("Tổng số", ("resolved",)),
            ("Trả trước hạn", ("resolved_early",)),
            ("Trả đúng thời hạn", ("resolved_on_time",)),
            ("Trả quá hạn", ("resolved_late",)),
        ),
    ),
    (
        "Số hồ sơ đang giải quyết",
        (
            ("Tổng số", ("pending",)),
            ("Chưa đến hạn", ("pending_within_time",)),
            ("Quá hạn", ("pending_overdue",)),
            ("Chờ bổ sung hồ sơ", ("waiting_supplement",)),
            ("Chờ thực hiện nghĩa vụ tài chính", ("waiting_fee",)),
        ),
    ),
    (
        "Hồ sơ kết thúc không có kết quả",
        (
            ("Không được tiếp nhận", ("refused",)),
            ("Công dân rút hồ sơ", ("withdrawn",)),
            ("Dừng xử lý", ("stopped",)),
        ),
    ),
    ("Đã trả kết quả", (("Trong kỳ", ("returned",)),)),
)
TITLE = (
    "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT "
    "THỦ TỤC HÀNH CHÍNH"
)
_NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _text(value: str) -> str:
    """Text as a cell holds it: no control characters, never a formula (CSV/XLSX injection)."""
    value = _NOT_IN_XML.sub("?", value)
    return "'" + value if value[:1] in "=+-@\t\r" else value


def _row_name(row: ReportRow) -> str:
    return f"{row.unit_name} ({row.unit}) — {row.procedure_name}"


def _period_line(report: HandlingReport) -> str:
    return (
        f"Kỳ báo cáo: từ ngày {report.start:%d/%m/%Y} đến ngày {report.end:%d/%m/%Y}; "
        f"số liệu tính đến hết ngày {report.as_of:%d/%m/%Y}"
    )


def report_xlsx(report: HandlingReport) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "06a"
    columns = [c for _, block in FORM_06A for c in block]
    width = 2 + len(columns)
    bold = Font(bold=True)
    centred = Alignment(horizontal="center", vertical="center", wrap_text=True)
    sheet.append([TITLE])
    sheet.merge_cells(start_row=1, start_column=1, end_row=1, end_column=width)
    sheet.append([_period_line(report)])
    sheet.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    sheet.append([f"Đơn vị báo cáo: {_text(report.scope_name)}"])
    sheet.append(["Đơn vị tính: Số hồ sơ thủ tục hành chính"])
    header_row = 5
    blocks: list[Any] = ["STT", "Lĩnh vực, công việc giải quyết theo cấp"]
    subs: list[Any] = [None, None]
    for heading, block in FORM_06A:
        blocks += [heading] + [None] * (len(block) - 1)
        subs += [title for title, _ in block]
    numbers = [f"({n})" for n in range(1, width + 1)]
    sheet.append(blocks)
    sheet.append(subs)
    sheet.append(numbers)
    for column in (1, 2):
        sheet.merge_cells(
            start_row=header_row, start_column=column, end_row=header_row + 1, end_column=column
        )
    column = 3
    for _, block in FORM_06A:
        if len(block) > 1:
            sheet.merge_cells(
                start_row=header_row,
                start_column=column,
                end_row=header_row,
                end_column=column + len(block) - 1,
            )
        column += len(block)
    for row in sheet.iter_rows(min_row=header_row, max_row=header_row + 2):
        for cell in row:
            cell.font, cell.alignment = bold, centred
    for index, report_row in enumerate(report.rows, start=1):
        sheet.append([index, _text(_row_name(report_row)), *_values(report_row.figures, columns)])
    sheet.append([None, "Tổng cộng", *_values(report.total, columns)])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    sheet.column_dimensions["B"].width = 60
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _values(figures: dict[str, int], columns: list[_Column]) -> list[int]:
    return [sum(figures[name] for name in names) for _, names in columns]


def report_csv(report: HandlingReport) -> bytes:
    """One line per unit and procedure, then the total; a heading line in Vietnamese with each
    figure's key in brackets (what the JSON and the drill-down call it)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "Mã đơn vị (unit)",
            "Tên đơn vị",
            "Mã thủ tục (procedure)",
            "Tên thủ tục",
            *(f"{FIGURE_LABELS[name]} ({name})" for name in FIGURES),
        ]
    )
    for row in report.rows:
        writer.writerow(
            [
                _text(row.unit),
                _text(row.unit_name),
                _text(row.procedure),
                _text(row.procedure_name),
                *(row.figures[name] for name in FIGURES),
            ]
        )
    writer.writerow(["", "Tổng cộng", "", "", *(report.total[name] for name in FIGURES)])
    return "\ufeff".encode() + out.getvalue().encode("utf-8")


#: Rows one PDF holds (the catalogue's limit for a table, the total included).
PDF_ROWS = 1000
#: 06a's columns in the PDF template, each the sum of these figures.
_PDF_COLUMNS: dict[str, tuple[str, ...]] = {
    "received_direct_postal": ("received_direct", "received_postal"),
    **{
        name: (name,)
        for name in FIGURES
        if name not in ("received", "received_direct", "received_postal")
    },
}


def report_pdf(report: HandlingReport, issued_on: date) -> bytes:
    """The 06a table as a PDF (the documents renderer, unsigned: a report, not a document of
    record). 422 naming `format` when it has more rows than one render holds."""
    if len(report.rows) + 1 > PDF_ROWS:
        raise ValidationFailedError(
            "too many rows for a PDF",
            [
                FieldError(
                    "format",
                    f"{len(report.rows):,} rows: a PDF holds {PDF_ROWS - 1:,}; "
                    "ask for format=xlsx or a narrower scope",
                )
            ],
        )
    from engine.documents import render_pdf
    from engine.issuing.data import PLACE

    def row(name: str, figures: dict[str, int], index: str | None) -> dict[str, Any]:
        values: dict[str, Any] = {
            key: sum(figures[n] for n in names) for key, names in _PDF_COLUMNS.items()
        }
        values["name"] = _NOT_IN_XML.sub("?", name)[:500]
        if index is not None:
            values["index"] = index
        return values

    rows = [row(_row_name(r), r.figures, str(i)) for i, r in enumerate(report.rows, start=1)]
    rows.append(row("Tổng cộng", report.total, None))
    data: dict[str, Any] = {
        "unit_name": report.scope_name[:160],
        "place": PLACE,
        "issued_at": issued_on.isoformat(),
        "number": f"{report.as_of:%Y}",
        "period_from": report.start.isoformat(),
        "period_to": report.end.isoformat(),
        "as_of": report.as_of.isoformat(),
        "scope_name": report.scope_name[:300],
        "rows": rows,
    }
    return render_pdf("bao_cao_06a", data)
