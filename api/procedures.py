"""GET /procedures: the public catalogue of deployed procedures."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from api.base import Blueprint, LocalDateTime, ProblemSchema, Schema
from api.context import engine
from api.schemas import SlaSchema
from api.units import PublicUnitSchema
from engine.queries import dossiers as queries
from engine.results import ProcedureDetail

blp = Blueprint(
    "procedures",
    __name__,
    url_prefix="/api/v1/procedures",
    description="The procedure catalogue (public)",
)


class ProcedureSummarySchema(Schema):
    key = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    code = ma.fields.String(
        allow_none=True,
        metadata={"description": "national procedure code (DVCQG); null while it is not known"},
    )
    code_label = ma.fields.String(
        required=True,
        metadata={"description": "the code as shown: the code, or 'chưa xác định' (unknown)"},
    )
    version = ma.fields.Integer(required=True)
    sla = ma.fields.Nested(
        SlaSchema, allow_none=True, metadata={"description": "statutory time limit"}
    )
    applicant = ma.fields.String(
        required=True,
        metadata={
            "description": "who submits: 'person' (a citizen) or 'employer' (applicant.kind "
            "'employer' with tax_code and unit_code in POST /dossiers)"
        },
    )


class ProcedureListSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(ProcedureSummarySchema), required=True)
    total = ma.fields.Integer(required=True)


class StepSchema(Schema):
    bpmn_id = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    role = ma.fields.String(allow_none=True)
    form_key = ma.fields.String(allow_none=True)
    sla = ma.fields.Nested(SlaSchema, allow_none=True)


class ProcedureDetailSchema(ProcedureSummarySchema):
    documentation = ma.fields.String(required=True)
    properties = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String(), required=True)
    submission_form = ma.fields.Dict(
        allow_none=True, metadata={"description": "JSON Schema of `data`"}
    )
    steps = ma.fields.List(ma.fields.Nested(StepSchema), required=True)
    deployed_at = LocalDateTime(required=True)
    units = ma.fields.List(
        ma.fields.Nested(PublicUnitSchema),
        required=True,
        metadata={"description": "the units that receive it: where `POST /dossiers` may go"},
    )


@blp.route("")
class Procedures(MethodView):
    @blp.response(200, ProcedureListSchema)
    def get(self) -> dict[str, Any]:
        """List the procedures citizens can submit"""
        items = queries.list_procedures(engine())
        return {"items": items, "total": len(items)}


@blp.route("/<string:key>")
class Procedure(MethodView):
    @blp.response(200, ProcedureDetailSchema)
    @blp.alt_response(404, schema=ProblemSchema, description="No such procedure")
    def get(self, key: str) -> ProcedureDetail:
        """One procedure, with the JSON Schema of its submission form and its steps"""
        return queries.get_procedure(engine(), key)
