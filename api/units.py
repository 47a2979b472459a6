"""GET /units: the BHXH offices that receive dossiers (public), for choosing where to submit."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from api.base import Blueprint, Schema
from api.context import engine
from engine.queries import dossiers as queries

blp = Blueprint(
    "units",
    __name__,
    url_prefix="/api/v1/units",
    description="The units (BHXH offices) that receive dossiers (public)",
)


class PublicUnitSchema(Schema):
    code = ma.fields.String(required=True, metadata={"example": "000.00.07.H29"})
    name = ma.fields.String(required=True)


class PublicUnitListSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(PublicUnitSchema), required=True)
    total = ma.fields.Integer(required=True)


@blp.route("")
class Units(MethodView):
    @blp.response(200, PublicUnitListSchema)
    def get(self) -> dict[str, Any]:
        """List the units; each receives every procedure of the catalogue"""
        items = queries.receiving_units(engine())
        return {"items": items, "total": len(items)}
