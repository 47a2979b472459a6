"""Administrators see the outbox's messages to other systems and retry a dead one
(`/api/v1/admin/outbox`); anyone reads the health check (`/api/v1/health`).
See docs/integration.md."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from api.base import Blueprint, LocalDateTime, Schema, page_schema
from api.context import actor, engine
from api.schemas import PageQuery
from engine.results import Page
from engine.services import health, outbox
from engine.services.outbox import OutboxMessageView
from storage.statuses import OutboxState

blp = Blueprint(
    "admin_outbox",
    __name__,
    url_prefix="/api/v1/admin/outbox",
    description="Messages to other systems (the national portal) and their delivery (admin role)",
)
health_blp = Blueprint(
    "health",
    __name__,
    url_prefix="/api/v1/health",
    description="Health: database, scheduler heartbeat, outbox lag (no login)",
)


class OutboxQuery(PageQuery):
    state = ma.fields.String(
        load_default=None, validate=ma.validate.OneOf([s.value for s in OutboxState])
    )
    # No `example` on a query parameter: the contract fuzzer (tests/http/test_fuzz.py) cannot
    # combine examples with generated requests.
    destination = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(min=1, max=40),
        metadata={"description": "e.g. dvcqg"},
    )
    dossier = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(min=1, max=60),
        metadata={"description": "one dossier's messages, by code"},
    )


class OutboxMessageSchema(Schema):
    id = ma.fields.Integer(required=True)
    destination = ma.fields.String(required=True, metadata={"example": "dvcqg"})
    key = ma.fields.String(
        required=True, metadata={"description": "idempotency key: dossier code + event number"}
    )
    dossier_code = ma.fields.String(required=True)
    kind = ma.fields.String(required=True, metadata={"example": "status_changed"})
    state = ma.fields.String(required=True, metadata={"description": "pending, delivered, dead"})
    attempts = ma.fields.Integer(required=True)
    created_at = LocalDateTime(required=True)
    next_attempt_at = LocalDateTime(required=True)
    last_attempt_at = LocalDateTime(allow_none=True)
    delivered_at = LocalDateTime(allow_none=True)
    last_error = ma.fields.String(
        allow_none=True, metadata={"description": "why the last attempt failed or it was parked"}
    )
    payload = ma.fields.Dict(required=True, metadata={"description": "the change's snapshot"})


OutboxListSchema = page_schema(OutboxMessageSchema, "OutboxListSchema")


class SchedulerHealthSchema(Schema):
    state = ma.fields.String(required=True, metadata={"description": "active, stale, never"})
    last_beat_at = LocalDateTime(allow_none=True)


class OutboxHealthSchema(Schema):
    pending = ma.fields.Integer(required=True)
    dead = ma.fields.Integer(required=True)
    lag_seconds = ma.fields.Float(
        required=True, metadata={"description": "age of the oldest pending message"}
    )


class HealthSchema(Schema):
    status = ma.fields.String(required=True, metadata={"description": "ok, degraded, down"})
    database = ma.fields.Boolean(required=True)
    scheduler = ma.fields.Nested(SchedulerHealthSchema, allow_none=True)
    outbox = ma.fields.Nested(OutboxHealthSchema, allow_none=True)
    late_acknowledgements = ma.fields.Integer(
        allow_none=True,
        metadata={
            "description": "online dossiers submitted in the last 24 hours whose acknowledgement "
            "was not delivered within 2 hours (R-2.4)"
        },
    )


_FORBIDDEN = "Not an administrator"


@blp.route("")
class OutboxMessages(MethodView):
    @blp.arguments(OutboxQuery, location="query")
    @blp.response(200, OutboxListSchema)
    @blp.authenticated(_FORBIDDEN)
    def get(self, query: dict[str, Any]) -> Page[OutboxMessageView]:
        """Outbox messages, newest first (filter by state, destination, dossier)"""
        return outbox.list_messages(
            engine(),
            actor(),
            state=query["state"],
            destination=query["destination"],
            dossier_code=query["dossier"],
            page=query["page"],
            page_size=query["page_size"],
        )


@blp.route("/<int:message_id>/retry")
class RetryOutboxMessage(MethodView):
    @blp.response(200, OutboxMessageSchema)
    @blp.authenticated(
        _FORBIDDEN, (404, "No such message"), (409, "The message was delivered already")
    )
    def post(self, message_id: int) -> OutboxMessageView:
        """Deliver a dead message again at the dispatcher's next pass (its age restarts)"""
        return outbox.retry(engine(), actor(), message_id)


@health_blp.route("")
class Health(MethodView):
    @health_blp.response(200, HealthSchema)
    @health_blp.alt_response(503, schema=HealthSchema, description="The database is unreachable")
    def get(self) -> tuple[health.Health, int]:
        """Database reachable, scheduler heartbeat, outbox counts and lag"""
        found = health.check(engine())
        return found, 503 if found.status == "down" else 200
