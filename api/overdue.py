"""`GET /api/v1/reports/overdue` (issue 17, docs/reports.md): the dossiers that are late or will
be late within N working days, with the steps open on them and the officers holding them."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from api.base import Blueprint, LocalDateTime, Schema
from api.context import actor, engine
from engine.queries.overdue import MAX_WITHIN, OverdueQuery
from engine.services.reports import read_overdue_report

blp = Blueprint(
    "overdue",
    __name__,
    url_prefix="/api/v1/reports",
    description="What is late or will be late, with the open step and its officer",
)


class OverdueQuerySchema(Schema):
    unit = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(min=1, max=40),
        metadata={"description": "a unit's code; a leader's list is their unit's"},
    )
    procedure = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=100))
    within = ma.fields.Integer(
        load_default=0,
        validate=ma.validate.Range(min=0, max=MAX_WITHIN),
        metadata={
            "description": "0: what is late now; N: also what will be late by the end of the "
            "N-th working day after today (the working calendar in force)"
        },
    )
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=1_000_000))
    page_size = ma.fields.Integer(load_default=100, validate=ma.validate.Range(min=1, max=1000))


class OpenStepSchema(Schema):
    name = ma.fields.String(required=True)
    bpmn_id = ma.fields.String(required=True)
    role = ma.fields.String(required=True)
    due_at = LocalDateTime(allow_none=True)
    officer = ma.fields.String(
        allow_none=True, metadata={"description": "who holds the step; null: unclaimed"}
    )
    officer_name = ma.fields.String(allow_none=True)
    claimed_at = LocalDateTime(allow_none=True)


class OverdueDossierSchema(Schema):
    code = ma.fields.String(required=True)
    unit = ma.fields.String(required=True)
    procedure = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    received_at = LocalDateTime(allow_none=True)
    due_at = LocalDateTime(
        required=True, metadata={"description": "the statutory due date (R-2.5)"}
    )
    appointment_at = LocalDateTime(
        allow_none=True, metadata={"description": "the appointment (a Mẫu 04's new one if any)"}
    )
    late = ma.fields.Boolean(
        required=True, metadata={"description": "past its statutory due date now"}
    )
    steps = ma.fields.List(ma.fields.Nested(OpenStepSchema), required=True)


class OverdueReportSchema(Schema):
    now = LocalDateTime(required=True)
    within = ma.fields.Integer(required=True)
    horizon = LocalDateTime(
        required=True, metadata={"description": "listed: statutory due date at or before this"}
    )
    unit = ma.fields.String(allow_none=True)
    procedure = ma.fields.String(allow_none=True)
    total = ma.fields.Integer(required=True)
    page = ma.fields.Integer(required=True)
    page_size = ma.fields.Integer(required=True)
    items = ma.fields.List(ma.fields.Nested(OverdueDossierSchema), required=True)


@blp.route("/overdue")
class OverdueReportResource(MethodView):
    @blp.arguments(OverdueQuerySchema, location="query")
    @blp.response(200, OverdueReportSchema)
    @blp.authenticated(
        "Not a leader of the unit, an auditor or an administrator",
        (404, "No such unit or procedure"),
        (422, "A parameter is not valid (named in `errors`)"),
    )
    def get(self, args: dict[str, Any]) -> Any:
        """Dossiers late or due within N working days, the earliest due first"""
        query = OverdueQuery(
            unit=args["unit"],
            procedure=args["procedure"],
            within=args["within"],
            page=args["page"],
            page_size=args["page_size"],
        )
        return read_overdue_report(engine(), actor(), query)
