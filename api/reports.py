"""Reports (issue 17, docs/reports.md): the handling report per unit and procedure for a period,
as of a day, as JSON, XLSX (form 06a), CSV or PDF, the dossiers behind each figure, and the
satisfaction report. The public statistics are in `api.public_statistics`, the applicant's
rating in `api.ratings`."""

from __future__ import annotations

import io
from typing import Any

import marshmallow as ma
from flask import Response, request, send_file
from flask.views import MethodView

from api.base import Blueprint, Schema, page_schema
from api.context import actor, engine
from engine.event_types import SATISFACTION_CRITERIA
from engine.queries.handling_report import (
    LATE_ACKNOWLEDGEMENTS,
    HandlingQuery,
    HandlingReport,
    as_plain_data,
)
from engine.queries.report_figures import FIGURES
from engine.queries.report_files import report_csv, report_pdf, report_xlsx
from engine.services.reports import (
    read_handling_dossiers,
    read_handling_report,
    read_satisfaction_report,
)

blp = Blueprint(
    "reports",
    __name__,
    url_prefix="/api/v1/reports",
    description="Reports on the handling of dossiers, as of any day (leaders, auditors)",
)
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_FORBIDDEN = "Not a leader of the unit, an auditor or an administrator"
_INVALID = (
    422,
    "A parameter is not valid (named in `errors`): period reversed or over ten years, `as_of` "
    "before `from` or after today, an unknown format or figure",
)
_UNKNOWN = (404, "No such unit, unit group or procedure")


class HandlingQuerySchema(Schema):
    unit = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(min=1, max=40),
        metadata={"description": "a unit's code; a leader's report is their unit's"},
    )
    unit_group = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(min=1, max=40),
        metadata={
            "description": "roll up the units whose code ends in this level-1 segment "
            "(e.g. H29 for 000.00.07.H29); neither unit nor unit_group: every unit"
        },
    )
    procedure = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=100))
    start = ma.fields.Date(data_key="from", required=True)
    end = ma.fields.Date(data_key="to", required=True)
    as_of = ma.fields.Date(
        load_default=None,
        metadata={"description": "count the events recorded up to the end of this day (today)"},
    )


class HandlingReportQuery(HandlingQuerySchema):
    format = ma.fields.String(
        load_default="json", validate=ma.validate.OneOf(["json", "xlsx", "csv", "pdf"])
    )


class DrillDownQuery(HandlingQuerySchema):
    cell = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf(FIGURES),
        metadata={"description": "the figure (column) of the report"},
    )
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=1_000_000))
    page_size = ma.fields.Integer(load_default=100, validate=ma.validate.Range(min=1, max=1000))


class FigureDrillDownQuery(DrillDownQuery):
    """The first name of the drill-down: `figure` for `cell`."""

    cell = ma.fields.String(data_key="figure", required=True, validate=ma.validate.OneOf(FIGURES))


_FIGURES_SCHEMA: dict[str, ma.fields.Field[Any]] = {
    name: ma.fields.Integer(required=True) for name in FIGURES
}
_LATE_ACKNOWLEDGEMENTS = ma.fields.Integer(
    required=True,
    metadata={
        "description": "online dossiers of the period whose acknowledgement was flagged late "
        "(R-2.4) by the end of the as_of day; not a 06a figure (no drill-down)"
    },
)
#: A row's or the total's counts: the 06a figures and the late acknowledgements.
CountsSchema = Schema.from_dict(
    {**_FIGURES_SCHEMA, LATE_ACKNOWLEDGEMENTS: _LATE_ACKNOWLEDGEMENTS},
    name="ReportCountsSchema",
)


class ReportRowSchema(Schema):
    unit = ma.fields.String(required=True)
    unit_name = ma.fields.String(required=True)
    procedure = ma.fields.String(required=True)
    procedure_name = ma.fields.String(required=True)
    figures = ma.fields.Nested(CountsSchema, required=True)


class _PeriodScopeSchema(Schema):
    """What every report says it covers: the period, the day it is as of, the scope."""

    start = ma.fields.Date(data_key="from", required=True)
    end = ma.fields.Date(data_key="to", required=True)
    as_of = ma.fields.Date(required=True)
    unit = ma.fields.String(allow_none=True)
    unit_group = ma.fields.String(allow_none=True)
    procedure = ma.fields.String(allow_none=True)


class HandlingReportSchema(_PeriodScopeSchema):
    scope_name = ma.fields.String(required=True)
    rows = ma.fields.List(ma.fields.Nested(ReportRowSchema), required=True)
    total = ma.fields.Nested(CountsSchema, required=True)

    @ma.pre_dump
    def _plain(self, report: HandlingReport, **_: Any) -> dict[str, Any]:
        return as_plain_data(report)


class DrilledDossierSchema(Schema):
    code = ma.fields.String(required=True)
    unit = ma.fields.String(required=True)
    procedure = ma.fields.String(required=True)


def _query(args: dict[str, Any]) -> HandlingQuery:
    return HandlingQuery(
        start=args["start"],
        end=args["end"],
        as_of=args["as_of"],
        unit=args["unit"],
        unit_group=args["unit_group"],
        procedure=args["procedure"],
    )


def renders_on_demand() -> bool:
    """A PDF of the report is rendered (Typst): it counts against the user's render budget."""
    return (
        request.endpoint == "reports.HandlingReportResource" and request.args.get("format") == "pdf"
    )


def _download(content: bytes, media_type: str, name: str) -> Response:
    return send_file(
        io.BytesIO(content), mimetype=media_type, as_attachment=True, download_name=name
    )


def _file_name(report: HandlingReport) -> str:
    scope = report.unit or report.unit_group or "toan-quoc"
    return f"bao-cao-06a-{scope}-{report.start:%Y%m%d}-{report.end:%Y%m%d}-{report.as_of:%Y%m%d}"


@blp.route("/handling")
class HandlingReportResource(MethodView):
    @blp.arguments(HandlingReportQuery, location="query")
    @blp.response(200, HandlingReportSchema)
    @blp.doc(
        responses={
            "200": {
                "description": "The report: JSON, or the 06a workbook (format=xlsx), CSV "
                "(format=csv, UTF-8 with BOM) or the 06a table as a PDF (format=pdf, "
                "rate-limited with the other renders)",
                "content": {
                    "application/json": {"schema": HandlingReportSchema},
                    XLSX: _BINARY,
                    "text/csv": _BINARY,
                    PDF: _BINARY,
                },
            }
        }
    )
    @blp.authenticated(
        _FORBIDDEN,
        _UNKNOWN,
        _INVALID,
        (429, "Too many renders by this user (MOTCUA_RATELIMIT_RENDER); see Retry-After"),
    )
    def get(self, args: dict[str, Any]) -> Any:
        """The handling report for a period, per unit and procedure, as of a day (R-6.1)"""
        report = read_handling_report(engine(), actor(), _query(args), args["format"])
        if args["format"] == "xlsx":
            return _download(report_xlsx(report), XLSX, _file_name(report) + ".xlsx")
        if args["format"] == "csv":
            return _download(report_csv(report), CSV, _file_name(report) + ".csv")
        if args["format"] == "pdf":
            ctx = engine()
            today = ctx.clock.now().astimezone(ctx.tz).date()
            return _download(report_pdf(report, today), PDF, _file_name(report) + ".pdf")
        return report


def _drilled(args: dict[str, Any]) -> dict[str, Any]:
    found = read_handling_dossiers(engine(), actor(), _query(args), args["cell"])
    page, size = args["page"], args["page_size"]
    items = found[(page - 1) * size : page * size]
    return {"items": items, "total": len(found), "page": page, "page_size": size}


_DRILLED = page_schema(DrilledDossierSchema, "DrilledDossierListSchema")


@blp.route("/handling/drilldown")
class HandlingDrillDown(MethodView):
    @blp.arguments(DrillDownQuery, location="query")
    @blp.response(200, _DRILLED)
    @blp.authenticated(_FORBIDDEN, _UNKNOWN, _INVALID)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The dossiers behind one cell (figure) of the handling report, in code order"""
        return _drilled(args)


@blp.route("/handling/dossiers")
class HandlingDossiersByFigure(MethodView):
    @blp.arguments(FigureDrillDownQuery, location="query")
    @blp.response(200, _DRILLED)
    @blp.doc(deprecated=True)
    @blp.authenticated(_FORBIDDEN, _UNKNOWN, _INVALID)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The drill-down under its first name: `figure=` for `cell=` (kept for old clients)"""
        return _drilled(args)


_TALLY: dict[str, ma.fields.Field[Any]] = {
    name: ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True)
    for name in SATISFACTION_CRITERIA
}
TallySchema = Schema.from_dict(_TALLY, name="SatisfactionTallySchema")


class SatisfactionRowSchema(Schema):
    unit = ma.fields.String(allow_none=True)
    procedure = ma.fields.String(allow_none=True)
    officer = ma.fields.String(allow_none=True)
    dossiers = ma.fields.Integer(required=True)
    tally = ma.fields.Nested(TallySchema, required=True)


class SatisfactionReportSchema(_PeriodScopeSchema):
    by_unit_procedure = ma.fields.List(ma.fields.Nested(SatisfactionRowSchema), required=True)
    by_officer = ma.fields.List(ma.fields.Nested(SatisfactionRowSchema), required=True)
    total = ma.fields.Nested(SatisfactionRowSchema, required=True)


@blp.route("/satisfaction")
class SatisfactionReportResource(MethodView):
    @blp.arguments(HandlingQuerySchema, location="query")
    @blp.response(200, SatisfactionReportSchema)
    @blp.authenticated(_FORBIDDEN, _UNKNOWN, _INVALID)
    def get(self, args: dict[str, Any]) -> Any:
        """Satisfaction ratings recorded in a period, per unit and procedure and per officer"""
        return read_satisfaction_report(engine(), actor(), _query(args))
