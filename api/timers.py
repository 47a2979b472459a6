"""Administrators see the timers the scheduler parked as failed and resume them
(`/api/v1/admin/timers`, docs/deadlines.md "Parked timers")."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView

from api.base import Blueprint, LocalDateTime, Schema
from api.context import actor, engine
from engine.services import timers
from engine.services.timers import ParkedTimer

blp = Blueprint(
    "admin_timers",
    __name__,
    url_prefix="/api/v1/admin/timers",
    description="Timers parked as failed by the scheduler (admin role)",
)


class ParkedTimerSchema(Schema):
    timer_id = ma.fields.String(required=True)
    dossier_code = ma.fields.String(required=True)
    bpmn_id = ma.fields.String(required=True, metadata={"description": "the timer's element"})
    due_at = LocalDateTime(required=True)
    failed_at = LocalDateTime(allow_none=True, metadata={"description": "when it was parked"})
    reason = ma.fields.String(required=True)


class ParkedTimerListSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(ParkedTimerSchema), required=True)


@blp.route("/parked")
class ParkedTimers(MethodView):
    @blp.response(200, ParkedTimerListSchema)
    @blp.authenticated("Not an administrator")
    def get(self) -> dict[str, list[ParkedTimer]]:
        """Timers parked as failed (most recent first): dossier, element, reason, time"""
        return {"items": timers.parked_timers(engine(), actor())}


@blp.route("/<string:timer_id>/resume")
class ResumeTimer(MethodView):
    @blp.response(200, ParkedTimerSchema)
    @blp.authenticated(
        "Not an administrator", (404, "No such timer"), (409, "The timer is not parked")
    )
    def post(self, timer_id: str) -> ParkedTimer:
        """Put a parked timer back to pending: the scheduler's next pass fires it (audited)"""
        return timers.resume_timer(engine(), actor(), timer_id)
