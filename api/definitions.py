"""Procedure definitions: deploy and validate diagram bundles, read versions, sources, diffs
and pictures (process analysts; auditors read)."""

from __future__ import annotations

from pathlib import PurePath
from typing import Any

import marshmallow as ma
from flask import Response, request, url_for
from flask.views import MethodView

from api.base import Blueprint, LocalDateTime, Schema
from api.context import actor, engine
from engine.definitions.results import VersionDetail
from engine.errors import DefinitionProblem, InvalidDefinitionError
from engine.queries import definitions as definition_queries
from engine.services import definitions

blp = Blueprint(
    "definitions",
    __name__,
    url_prefix="/api/v1/definitions",
    description="Procedure definitions: BPMN diagrams, DMN tables and JSON Schema forms",
)

#: A bundle holds at most 50 files, diagrams of at most 2 MiB and forms of 256 KiB each.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_FILENAME_CHARS = 200
SVG_TYPE = "image/svg+xml"


class UploadBody(Schema):
    file = ma.fields.List(
        ma.fields.Raw(metadata={"type": "string", "format": "binary"}),
        required=True,
        metadata={"description": "the bundle, one `file` part per .bpmn, .dmn or form .json"},
    )


class ProblemItemSchema(Schema):
    severity = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    file = ma.fields.String(allow_none=True)
    line = ma.fields.Integer(allow_none=True)
    element_id = ma.fields.String(allow_none=True)


class DeployedSchema(Schema):
    key = ma.fields.String(required=True)
    version = ma.fields.Integer(required=True)
    hash = ma.fields.String(required=True, metadata={"description": "SHA-256 of the bundle"})
    created = ma.fields.Boolean(required=True)
    warnings = ma.fields.List(ma.fields.Nested(ProblemItemSchema), required=True)


class ValidationSchema(Schema):
    valid = ma.fields.Boolean(required=True)
    key = ma.fields.String(required=True)
    hash = ma.fields.String(required=True)
    warnings = ma.fields.List(ma.fields.Nested(ProblemItemSchema), required=True)


class DefinitionSummarySchema(Schema):
    key = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    latest_version = ma.fields.Integer(required=True)
    deployed_at = LocalDateTime(required=True)
    deployed_by = ma.fields.String(required=True)


class DefinitionListSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(DefinitionSummarySchema), required=True)
    total = ma.fields.Integer(required=True)


class VersionSchema(Schema):
    key = ma.fields.String(required=True)
    version = ma.fields.Integer(required=True)
    name = ma.fields.String(required=True)
    hash = ma.fields.String(required=True)
    deployed_at = LocalDateTime(required=True)
    deployed_by = ma.fields.String(required=True)


class VersionListSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(VersionSchema), required=True)
    total = ma.fields.Integer(required=True)


class VersionDetailSchema(VersionSchema):
    files = ma.fields.Dict(
        keys=ma.fields.String(),
        values=ma.fields.String(),
        required=True,
        metadata={"description": "diagram sources by file name"},
    )
    forms = ma.fields.Dict(required=True, metadata={"description": "JSON Schemas by form key"})
    model = ma.fields.Dict(required=True, metadata={"description": "what the office reads"})


class StepChangeSchema(Schema):
    bpmn_id = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    attributes = ma.fields.List(ma.fields.String(), required=True)


class DiffSchema(Schema):
    key = ma.fields.String(required=True)
    from_version = ma.fields.Integer(required=True)
    to_version = ma.fields.Integer(required=True)
    added = ma.fields.List(ma.fields.Nested(StepChangeSchema), required=True)
    removed = ma.fields.List(ma.fields.Nested(StepChangeSchema), required=True)
    changed = ma.fields.List(ma.fields.Nested(StepChangeSchema), required=True)
    forms_added = ma.fields.List(ma.fields.String(), required=True)
    forms_removed = ma.fields.List(ma.fields.String(), required=True)
    forms_changed = ma.fields.List(ma.fields.String(), required=True)


class DiffQuery(Schema):
    from_version = ma.fields.Integer(
        data_key="from", required=True, validate=ma.validate.Range(min=1)
    )
    to_version = ma.fields.Integer(data_key="to", required=True, validate=ma.validate.Range(min=1))


@blp.before_request
def _allow_bundle_uploads() -> None:
    # Diagrams may be larger than the API's 1 MiB limit for JSON bodies.
    if request.method == "POST":
        request.max_content_length = MAX_UPLOAD_BYTES


_INVALID = (422, "The bundle is invalid: `errors` lists severity, message, file, line, element_id")
_TOO_LARGE = (413, f"The upload is larger than {MAX_UPLOAD_BYTES} bytes")


_FORBIDDEN = "Not allowed"


@blp.route("")
class Definitions(MethodView):
    @blp.arguments(UploadBody, location="files")
    @blp.response(201, DeployedSchema, description="A new version was deployed")
    @blp.alt_response(200, schema=DeployedSchema, description="Identical content already deployed")
    @blp.authenticated(_FORBIDDEN, _INVALID, _TOO_LARGE)
    def post(self, body: dict[str, Any]) -> Any:
        """Deploy a bundle: a new version, or the existing one when nothing changed"""
        result = definitions.deploy(engine(), actor(), _bundle(body["file"]))
        payload = {
            "key": result.key,
            "version": result.version,
            "hash": result.hash,
            "created": result.created,
            "warnings": result.warnings,
        }
        location = url_for(
            "definitions.Version", key=result.key, version=result.version, _external=False
        )
        return payload, 201 if result.created else 200, {"Location": location}

    @blp.response(200, DefinitionListSchema)
    @blp.authenticated(_FORBIDDEN)
    def get(self) -> dict[str, Any]:
        """Deployed procedures with their latest version"""
        items = definition_queries.list_definitions(engine(), actor())
        return {"items": items, "total": len(items)}


@blp.route("/validate")
class Validate(MethodView):
    @blp.arguments(UploadBody, location="files")
    @blp.response(200, ValidationSchema)
    @blp.authenticated(_FORBIDDEN, _INVALID, _TOO_LARGE)
    def post(self, body: dict[str, Any]) -> dict[str, Any]:
        """Run every deploy check on a bundle without deploying it"""
        report = definition_queries.validate_upload(actor(), _bundle(body["file"]))
        return {"valid": True, "key": report.key, "hash": report.hash, "warnings": report.warnings}


@blp.route("/<string:key>/versions")
class Versions(MethodView):
    @blp.response(200, VersionListSchema)
    @blp.authenticated(_FORBIDDEN, (404, "No such procedure"))
    def get(self, key: str) -> dict[str, Any]:
        """All versions of a procedure, oldest first"""
        items = definition_queries.list_versions(engine(), actor(), key)
        return {"items": items, "total": len(items)}


@blp.route("/<string:key>/versions/<int:version>")
class Version(MethodView):
    @blp.response(200, VersionDetailSchema)
    @blp.authenticated(_FORBIDDEN, (404, "No such version"))
    def get(self, key: str, version: int) -> dict[str, Any]:
        """One version with its diagram sources and forms"""
        detail: VersionDetail = definition_queries.get_version(engine(), actor(), key, version)
        summary = detail.summary
        return {
            **{name: getattr(summary, name) for name in summary.__slots__},
            "files": detail.files,
            "forms": detail.forms,
            "model": detail.model,
        }


@blp.route("/<string:key>/versions/<int:version>/diagram.svg")
class VersionDiagram(MethodView):
    @blp.response(200, description="SVG drawn from the diagram's BPMN DI", content_type=SVG_TYPE)
    @blp.authenticated(_FORBIDDEN, (404, "No such version"))
    def get(self, key: str, version: int) -> Response:
        """The version's diagram as an SVG picture"""
        svg = definition_queries.definition_svg(engine(), actor(), key, version)
        return Response(svg, mimetype=SVG_TYPE)


@blp.route("/<string:key>/diff")
class Diff(MethodView):
    @blp.arguments(DiffQuery, location="query")
    @blp.response(200, DiffSchema)
    @blp.authenticated(_FORBIDDEN, (404, "No such version"))
    def get(self, query: dict[str, int], key: str) -> Any:
        """What changed between two versions: steps added, removed, changed; forms"""
        return definition_queries.diff_versions(
            engine(), actor(), key, query["from_version"], query["to_version"]
        )


def _bundle(uploads: list[Any]) -> dict[str, bytes]:
    """File name -> content; names are reduced to their last part and must be distinct."""
    files: dict[str, bytes] = {}
    problems: list[DefinitionProblem] = []
    for upload in uploads:
        name = PurePath((getattr(upload, "filename", None) or "").replace("\\", "/")).name
        if not name or len(name) > MAX_FILENAME_CHARS:
            problems.append(DefinitionProblem("error", "every file needs a name", name or None))
            continue
        if name in files:
            problems.append(DefinitionProblem("error", "two files have this name", name))
            continue
        files[name] = upload.read()
    if not files and not problems:
        problems.append(DefinitionProblem("error", "upload at least one file"))
    if problems:
        raise InvalidDefinitionError("the upload cannot be read as a bundle", problems)
    return files
