"""/audit: verification, checkpoints, public key, and per dossier timeline, replay and export.

Only auditors and administrators (403 for everyone else, 401 without a token).
"""

from __future__ import annotations

from datetime import UTC
from typing import Any

import marshmallow as ma
from flask import Response
from flask.views import MethodView

from api.base import Blueprint, LocalDateTime, Schema, page_schema
from api.context import actor, engine
from api.schemas import DossierSchema, PageQuery
from engine.audit.results import ReplayResult, VerifyReport
from engine.errors import FieldError, ValidationFailedError
from engine.security.signing import PublicKeyError, VerifyingKey
from engine.services import audit, audit_dossiers
from engine.services.audit import CheckpointResult

blp = Blueprint(
    "audit",
    __name__,
    url_prefix="/api/v1/audit",
    description="Tamper-evident audit log: verify, checkpoints, replay (auditors)",
)


class IntegrityProblemSchema(Schema):
    kind = ma.fields.String(
        required=True,
        metadata={
            "description": "modified | missing | inserted | reordered | truncated | "
            "chain_missing | chain_forged | checkpoint_invalid | replay_mismatch"
        },
    )
    dossier = ma.fields.String(allow_none=True)
    chain = ma.fields.String(required=True)
    seq = ma.fields.Integer(allow_none=True, metadata={"description": "the event number"})
    detail = ma.fields.String(required=True)


class CheckpointSchema(Schema):
    seq = ma.fields.Integer(required=True)
    created_at = LocalDateTime(required=True)
    created_by = ma.fields.String(required=True)
    chains = ma.fields.Integer(required=True, metadata={"description": "heads signed"})
    root = ma.fields.String(required=True, metadata={"description": "Merkle root of the heads"})
    key_id = ma.fields.String(required=True)


class CheckpointResultSchema(Schema):
    created = ma.fields.Boolean(required=True)
    checkpoint = ma.fields.Nested(CheckpointSchema, allow_none=True)
    refused = ma.fields.List(ma.fields.Nested(IntegrityProblemSchema), required=True)


CheckpointListSchema = page_schema(CheckpointSchema, "CheckpointListSchema")


class VerifyBody(Schema):
    dossier = ma.fields.String(
        load_default=None, validate=ma.validate.Length(min=1, max=60), allow_none=True
    )
    replay = ma.fields.Boolean(
        load_default=False, metadata={"description": "also replay every dossier"}
    )
    public_key = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(max=2000),
        metadata={"description": "PEM of the key you trust (default: the server's)"},
    )


class VerifyReportSchema(Schema):
    ok = ma.fields.Boolean(required=True)
    dossier = ma.fields.String(allow_none=True)
    events = ma.fields.Integer(required=True)
    chains = ma.fields.Integer(required=True)
    dossiers = ma.fields.Integer(required=True)
    checkpoints = ma.fields.Integer(required=True)
    replayed = ma.fields.Integer(required=True)
    latest_checkpoint = ma.fields.Nested(CheckpointSchema, allow_none=True)
    problems = ma.fields.List(ma.fields.Nested(IntegrityProblemSchema), required=True)


class PublicKeySchema(Schema):
    algorithm = ma.fields.String(required=True)
    key_id = ma.fields.String(required=True, metadata={"description": "sha256 of the raw key"})
    pem = ma.fields.String(required=True)


class TimelineActorSchema(Schema):
    username = ma.fields.String(required=True)
    role = ma.fields.String(required=True)
    unit = ma.fields.String(allow_none=True)
    user_id = ma.fields.Integer(allow_none=True)


class TimelineEntrySchema(Schema):
    seq = ma.fields.Integer(required=True)
    type = ma.fields.String(required=True)
    time = LocalDateTime(required=True, attribute="occurred_at")
    time_utc = ma.fields.Function(
        lambda entry: entry.occurred_at.astimezone(UTC).isoformat(),
        metadata={"type": "string", "format": "date-time"},
    )
    actor = ma.fields.Nested(TimelineActorSchema, required=True)
    action = ma.fields.String(required=True, metadata={"description": "in Vietnamese"})
    action_en = ma.fields.String(required=True)
    bpmn_id = ma.fields.String(allow_none=True)
    step = ma.fields.String(allow_none=True, metadata={"description": "the step's name"})
    data = ma.fields.Dict(allow_none=True, metadata={"description": "data submitted"})
    payload = ma.fields.Dict(required=True)
    hash = ma.fields.String(required=True)
    intact = ma.fields.Boolean(
        required=True, metadata={"description": "its hash and its link to the previous event hold"}
    )


TimelineSchema = page_schema(TimelineEntrySchema, "TimelineSchema")


class ReplayQuery(Schema):
    until = ma.fields.Integer(
        load_default=None,
        validate=ma.validate.Range(min=1),
        metadata={"description": "replay up to the step holding this event number"},
    )


class MismatchSchema(Schema):
    field = ma.fields.String(required=True)
    replayed = ma.fields.Raw(allow_none=True)
    stored = ma.fields.Raw(allow_none=True)


class ReplayedDossierSchema(DossierSchema):
    """A dossier as replay rebuilds it (the storage `version` counter is not part of history)."""

    class Meta(Schema.Meta):
        exclude = ("version",)


class ReplaySchema(Schema):
    code = ma.fields.String(required=True)
    until = ma.fields.Integer(allow_none=True)
    at_seq = ma.fields.Integer(required=True, metadata={"description": "last event applied"})
    events = ma.fields.Integer(required=True)
    complete = ma.fields.Boolean(required=True)
    matches_stored = ma.fields.Boolean(allow_none=True)
    dossier = ma.fields.Nested(ReplayedDossierSchema, allow_none=True)
    data = ma.fields.Dict(required=True, metadata={"description": "the process data"})
    mismatches = ma.fields.List(ma.fields.Nested(MismatchSchema), required=True)
    problems = ma.fields.List(ma.fields.Nested(IntegrityProblemSchema), required=True)


_FORBIDDEN = "Not an auditor"


@blp.route("/verify")
class Verify(MethodView):
    @blp.arguments(VerifyBody)
    @blp.response(200, VerifyReportSchema)
    @blp.authenticated(_FORBIDDEN, (404, "No such dossier"), (422, "Bad public key or body"))
    def post(self, body: dict[str, Any]) -> VerifyReport:
        """Verify every chain and checkpoint (or one dossier's); `ok` tells the result"""
        keys = []
        if body["public_key"]:
            try:
                keys.append(VerifyingKey.from_pem(body["public_key"]))
            except PublicKeyError as exc:
                raise ValidationFailedError(
                    "the public key is not usable", [FieldError("public_key", str(exc))]
                ) from exc
        return audit.verify_audit_log(
            engine(), actor(), dossier=body["dossier"], public_keys=keys, replay=body["replay"]
        )


@blp.route("/checkpoints")
class Checkpoints(MethodView):
    @blp.response(201, CheckpointResultSchema, description="A new checkpoint was signed")
    @blp.alt_response(
        200, schema=CheckpointResultSchema, description="Nothing changed since the last one"
    )
    @blp.authenticated(_FORBIDDEN)
    def post(self) -> tuple[CheckpointResult, int]:
        """Sign a checkpoint of the chain heads now"""
        result = audit.create_checkpoint(engine(), actor())
        return result, 201 if result.created else 200

    @blp.arguments(PageQuery, location="query")
    @blp.response(200, CheckpointListSchema)
    @blp.authenticated(_FORBIDDEN)
    def get(self, query: dict[str, int]) -> Any:
        """Signed checkpoints, newest first"""
        return audit.list_checkpoints(engine(), actor(), query["page"], query["page_size"])


@blp.route("/public-key")
class PublicKey(MethodView):
    @blp.response(200, PublicKeySchema)
    @blp.authenticated(_FORBIDDEN)
    def get(self) -> Any:
        """The Ed25519 public key that verifies checkpoints and bundles"""
        return audit.public_key(engine(), actor())


@blp.route("/dossiers/<string:code>/events")
class Timeline(MethodView):
    @blp.arguments(PageQuery, location="query")
    @blp.response(200, TimelineSchema)
    @blp.authenticated(_FORBIDDEN, (404, "No such dossier"))
    def get(self, query: dict[str, int], code: str) -> Any:
        """The dossier's events in words, local and UTC times, with data submitted (read logged)"""
        return audit_dossiers.dossier_timeline(
            engine(), actor(), code, query["page"], query["page_size"]
        )


@blp.route("/dossiers/<string:code>/replay")
class Replay(MethodView):
    @blp.arguments(ReplayQuery, location="query")
    @blp.response(200, ReplaySchema)
    @blp.authenticated(
        _FORBIDDEN, (404, "No such dossier"), (422, "`until` names no event of the dossier")
    )
    def get(self, query: dict[str, Any], code: str) -> ReplayResult:
        """The dossier rebuilt from its definition and events, as of event `until` (read logged)"""
        return audit_dossiers.replay_dossier(engine(), actor(), code, query["until"])


@blp.route("/dossiers/<string:code>/bundle")
class Bundle(MethodView):
    @blp.response(
        200,
        description="The signed bundle (`motcua audit verify-bundle FILE` checks it offline)",
        content_type="application/json",
    )
    @blp.authenticated(_FORBIDDEN, (404, "No such dossier"))
    def get(self, code: str) -> Response:
        """Export the dossier's signed audit bundle (logged)"""
        bundle = audit_dossiers.export_dossier(engine(), actor(), code)
        return Response(
            bundle,
            mimetype="application/json",
            headers={"Content-Disposition": f'attachment; filename="{_filename(code)}.json"'},
        )


def _filename(code: str) -> str:
    return "".join(ch if ch.isalnum() or ch in ".-" else "_" for ch in code)
