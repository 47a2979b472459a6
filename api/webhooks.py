"""Administrators register webhooks for other systems and see their deliveries
(`/api/v1/admin/webhooks`, docs/integration.md)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from api.base import Blueprint, LocalDateTime, Schema, page_schema
from api.context import actor, engine
from api.schemas import PageQuery
from engine.results import Page
from engine.services import webhooks
from engine.services.webhooks import EVENTS, CreatedWebhook, DeliveryView, WebhookView

blp = Blueprint(
    "admin_webhooks",
    __name__,
    url_prefix="/api/v1/admin/webhooks",
    description="Webhooks: signed notices of dossier events to other systems (admin role)",
)
_FORBIDDEN = "Not an administrator"


class WebhookSchema(Schema):
    id = ma.fields.Integer(required=True)
    url = ma.fields.String(required=True, metadata={"example": "https://hr.example.vn/motcua"})
    events = ma.fields.List(ma.fields.String(), required=True)
    statuses = ma.fields.List(
        ma.fields.Integer(), required=True, metadata={"description": "empty: every status"}
    )
    description = ma.fields.String(required=True)
    active = ma.fields.Boolean(required=True)
    created_at = LocalDateTime(required=True)
    created_by = ma.fields.String(required=True)
    disabled_at = LocalDateTime(allow_none=True)


class NewWebhookBody(Schema):
    url = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=500),
        metadata={
            "description": "https:// (http:// only in development); in production its host must "
            "resolve to public addresses only"
        },
    )
    events = ma.fields.List(
        ma.fields.String(validate=ma.validate.OneOf(EVENTS)),
        required=True,
        validate=ma.validate.Length(min=1, max=len(EVENTS)),
    )
    statuses = ma.fields.List(
        ma.fields.Integer(validate=ma.validate.Range(min=1, max=10)),
        load_default=list,
        validate=ma.validate.Length(max=10),
        metadata={"description": "only these statuses of status_changed (default: all)"},
    )
    description = ma.fields.String(load_default="", validate=ma.validate.Length(max=200))


class CreatedWebhookSchema(Schema):
    webhook = ma.fields.Nested(WebhookSchema, required=True)
    secret = ma.fields.String(
        required=True,
        metadata={"description": "the signing secret: shown this once, keep it with the receiver"},
    )


class DeliverySchema(Schema):
    id = ma.fields.Integer(required=True)
    key = ma.fields.String(required=True, metadata={"description": "X-Motcua-Delivery"})
    kind = ma.fields.String(required=True)
    dossier_code = ma.fields.String(required=True)
    state = ma.fields.String(required=True, metadata={"description": "pending, delivered, dead"})
    attempts = ma.fields.Integer(required=True)
    created_at = LocalDateTime(required=True)
    last_attempt_at = LocalDateTime(allow_none=True)
    delivered_at = LocalDateTime(allow_none=True)
    next_attempt_at = LocalDateTime(required=True)
    last_error = ma.fields.String(allow_none=True)


class WebhookListSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(WebhookSchema), required=True)


DeliveryListSchema = page_schema(DeliverySchema, "WebhookDeliveryListSchema")


@blp.route("")
class Webhooks(MethodView):
    @blp.response(200, WebhookListSchema)
    @blp.authenticated(_FORBIDDEN)
    def get(self) -> dict[str, list[WebhookView]]:
        """Registered webhooks"""
        return {"items": webhooks.list_webhooks(engine(), actor())}

    @blp.arguments(NewWebhookBody)
    @blp.response(201, CreatedWebhookSchema)
    @blp.authenticated(_FORBIDDEN)
    def post(self, body: dict[str, Any]) -> CreatedWebhook:
        """Register a webhook; the answer holds its signing secret, shown this once"""
        return webhooks.create(
            engine(),
            actor(),
            url=body["url"],
            events=body["events"],
            statuses=body["statuses"],
            description=body["description"],
        )


@blp.route("/<int:webhook_id>")
class OneWebhook(MethodView):
    @blp.response(204)
    @blp.authenticated(_FORBIDDEN, (404, "No such webhook"))
    def delete(self, webhook_id: int) -> None:
        """Delete a webhook with its deliveries"""
        webhooks.delete(engine(), actor(), webhook_id)


@blp.route("/<int:webhook_id>/disable")
class DisableWebhook(MethodView):
    @blp.response(200, WebhookSchema)
    @blp.authenticated(_FORBIDDEN, (404, "No such webhook"), (409, "Disabled already"))
    def post(self, webhook_id: int) -> WebhookView:
        """Stop telling it: no new messages, the undelivered ones parked"""
        return webhooks.disable(engine(), actor(), webhook_id)


@blp.route("/<int:webhook_id>/deliveries")
class WebhookDeliveries(MethodView):
    @blp.arguments(PageQuery, location="query")
    @blp.response(200, DeliveryListSchema)
    @blp.authenticated(_FORBIDDEN, (404, "No such webhook"))
    def get(self, query: dict[str, Any], webhook_id: int) -> Page[DeliveryView]:
        """Its deliveries with their outcome, newest first"""
        return webhooks.deliveries(
            engine(), actor(), webhook_id, page=query["page"], page_size=query["page_size"]
        )
