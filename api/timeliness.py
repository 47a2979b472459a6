"""Timeliness per step (issue 17, docs/reports.md): the data of the analysts' heatmap, under
/api/v1/reports beside the handling report, with the same logging of every read."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from api.base import Blueprint, LocalDateTime, Schema
from api.context import actor, engine
from engine.queries.step_timeliness import TimelinessQuery
from engine.services.reports import read_step_timeliness

blp = Blueprint(
    "timeliness",
    __name__,
    url_prefix="/api/v1/reports",
    description="Time spent per step of a procedure (leaders, analysts, auditors)",
)


class TimelinessQuerySchema(Schema):
    procedure = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    start = ma.fields.Date(data_key="from", required=True)
    end = ma.fields.Date(data_key="to", required=True)
    unit = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(min=1, max=40),
        metadata={"description": "a unit's code; a leader's figures are their unit's"},
    )


class StepTimelinessSchema(Schema):
    bpmn_id = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    open_now = ma.fields.Integer(
        required=True, metadata={"description": "dossiers at the step now"}
    )
    overdue_now = ma.fields.Integer(
        required=True, metadata={"description": "of those, past the step's due"}
    )
    completed = ma.fields.Integer(
        required=True, metadata={"description": "steps completed in the period"}
    )
    median_hours = ma.fields.Float(
        allow_none=True,
        metadata={"description": "median time spent (task opened to completed), wall-clock hours"},
    )
    p90_hours = ma.fields.Float(
        allow_none=True, metadata={"description": "90th percentile (nearest rank), hours"}
    )
    with_due = ma.fields.Integer(required=True)
    late = ma.fields.Integer(required=True)
    late_share = ma.fields.Float(
        allow_none=True, metadata={"description": "late / with_due (0..1); null: no step due"}
    )


class TimelinessReportSchema(Schema):
    procedure = ma.fields.String(required=True)
    procedure_name = ma.fields.String(required=True)
    start = ma.fields.Date(data_key="from", required=True)
    end = ma.fields.Date(data_key="to", required=True)
    unit = ma.fields.String(allow_none=True)
    computed_at = LocalDateTime(required=True)
    steps = ma.fields.List(ma.fields.Nested(StepTimelinessSchema), required=True)


@blp.route("/timeliness")
class TimelinessReportResource(MethodView):
    @blp.arguments(TimelinessQuerySchema, location="query")
    @blp.response(200, TimelinessReportSchema)
    @blp.authenticated(
        "Not a leader of the unit, an analyst, an auditor or an administrator",
        (404, "No such procedure or unit"),
        (422, "A parameter is not valid (named in `errors`): period reversed or over 366 days"),
    )
    def get(self, args: dict[str, Any]) -> Any:
        """Per step of a procedure: dossiers there now, median and p90 time spent, share late"""
        query = TimelinessQuery(args["procedure"], args["start"], args["end"], args["unit"])
        return read_step_timeliness(engine(), actor(), query)
