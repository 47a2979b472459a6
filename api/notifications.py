"""An account's notification channels (`/api/v1/me/notifications`, docs/integration.md)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from api.base import Blueprint, LocalDateTime, Schema
from api.context import actor, engine
from engine.services import notifications
from engine.services.notifications import ChannelChoice

blp = Blueprint(
    "notifications",
    __name__,
    url_prefix="/api/v1/me/notifications",
    description="How the signed-in applicant is told of their dossiers: e-mail, SMS",
)


class ChannelsSchema(Schema):
    email = ma.fields.Boolean(required=True, metadata={"description": "by e-mail"})
    sms = ma.fields.Boolean(required=True, metadata={"description": "by SMS"})
    email_address = ma.fields.String(
        allow_none=True,
        load_default=None,
        validate=ma.validate.Length(max=200),
        metadata={"description": "None: the address given in each dossier"},
    )
    phone = ma.fields.String(
        allow_none=True,
        load_default=None,
        validate=ma.validate.Length(max=20),
        metadata={"description": "None: the number given in each dossier"},
    )
    updated_at = LocalDateTime(dump_only=True, allow_none=True)


@blp.route("")
class Channels(MethodView):
    @blp.response(200, ChannelsSchema)
    @blp.authenticated(None)
    def get(self) -> ChannelChoice:
        """The channels chosen (default: e-mail, no SMS)"""
        return notifications.get_choice(engine(), actor())

    @blp.arguments(ChannelsSchema)
    @blp.response(200, ChannelsSchema)
    @blp.authenticated(None)
    def put(self, body: dict[str, Any]) -> ChannelChoice:
        """Choose the channels"""
        return notifications.put_choice(
            engine(),
            actor(),
            email=body["email"],
            sms=body["sms"],
            email_address=body["email_address"],
            phone=body["phone"],
        )
