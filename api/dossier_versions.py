"""A dossier's definition version: its place drawn on the diagram, and migration to the latest."""

from __future__ import annotations

import marshmallow as ma
from flask import Response
from flask.views import MethodView

from api.base import Blueprint, Schema
from api.context import actor, engine
from api.definitions import SVG_TYPE, DiffSchema
from api.schemas import DossierSchema
from engine.definitions.results import MigrationResult
from engine.queries import definitions as definition_queries
from engine.services import migrations

blp = Blueprint(
    "dossier_versions",
    __name__,
    url_prefix="/api/v1/dossiers",
    description="A dossier's diagram and definition version",
)


class MigrationSchema(Schema):
    dossier = ma.fields.Nested(DossierSchema, required=True)
    from_version = ma.fields.Integer(required=True)
    to_version = ma.fields.Integer(required=True)
    diff = ma.fields.Nested(DiffSchema, required=True)
    timers = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        required=True,
        metadata={"description": "due time (UTC) of each waiting timer, kept as it was"},
    )


@blp.route("/<string:code>/diagram.svg")
class DossierDiagram(MethodView):
    @blp.response(200, description="SVG with completed and current steps", content_type=SVG_TYPE)
    @blp.authenticated("Not an officer of the unit", (404, "No such dossier"))
    def get(self, code: str) -> Response:
        """The dossier's diagram, completed steps in green, current ones in orange"""
        return Response(definition_queries.dossier_svg(engine(), actor(), code), mimetype=SVG_TYPE)


@blp.route("/<string:code>/migrate")
class Migrate(MethodView):
    @blp.response(200, MigrationSchema)
    @blp.authenticated(
        "Administrators only", (404, "No such dossier"), (409, "Not safe; `detail` says why")
    )
    def post(self, code: str) -> MigrationResult:
        """Move the dossier to its procedure's latest version, keeping its deadlines"""
        return migrations.migrate_dossier(engine(), actor(), code)
