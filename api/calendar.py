"""The working calendar: holidays and office hours (public), overrides (administrators)."""

from __future__ import annotations

from datetime import date
from typing import Any

import marshmallow as ma
from flask.views import MethodView

from api.base import Blueprint, LocalDateTime, ProblemSchema, Schema
from api.context import actor, engine
from engine.calendar.working_days import DayKind
from engine.errors import FieldError, ValidationFailedError
from engine.results import CalendarYearView, OverrideView
from engine.services import calendar as calendar_service

blp = Blueprint(
    "calendar",
    __name__,
    url_prefix="/api/v1/calendar",
    description=(
        "Working days: the official calendar kept as versioned data (announced or estimated "
        "years), plus the administrators' overrides"
    ),
)


class YearQuery(Schema):
    year = ma.fields.Integer(
        required=True,
        validate=ma.validate.Range(min=calendar_service.MIN_YEAR, max=calendar_service.MAX_YEAR),
    )
    version = ma.fields.Integer(
        load_default=None,
        validate=ma.validate.Range(min=1, max=2**31 - 1),
        metadata={"description": "a registered calendar data version (default: the one in force)"},
    )


class OfficialNoticeSchema(Schema):
    number = ma.fields.String(required=True, metadata={"description": "e.g. 12729/VPCP-KGVX"})
    date = ma.fields.Date(required=True)
    issuer = ma.fields.String(required=True)
    subject = ma.fields.String(required=True)


class CalendarDaySchema(Schema):
    day = ma.fields.Date(required=True)
    working = ma.fields.Boolean(required=True)
    reason = ma.fields.String(required=True, metadata={"description": "holiday name, note, ..."})
    overridden = ma.fields.Boolean(required=True)
    source = ma.fields.String(
        required=True,
        metadata={
            "description": "announced (data of an announced year), estimated, or override",
            "enum": ["announced", "estimated", "override"],
        },
    )
    origin = ma.fields.String(
        required=True,
        metadata={"description": "data file (vn/2026.json) or package; for an override, who"},
    )
    basis = ma.fields.String(required=True, metadata={"description": "legal basis, or note"})
    notice = ma.fields.Nested(OfficialNoticeSchema, allow_none=True, required=True)


class CalendarVersionSchema(Schema):
    version = ma.fields.Integer(required=True)
    content_hash = ma.fields.String(required=True, metadata={"description": "SHA-256"})
    registered_at = LocalDateTime(required=True)
    registered_by = ma.fields.String(required=True)


class CalendarVersionListSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(CalendarVersionSchema), required=True)


class CalendarYearSchema(Schema):
    year = ma.fields.Integer(required=True)
    status = ma.fields.String(
        required=True,
        metadata={"description": "announced (an official notice exists) or estimated"},
    )
    origin = ma.fields.String(required=True, metadata={"description": "data file or package"})
    notices = ma.fields.List(ma.fields.Nested(OfficialNoticeSchema), required=True)
    calendar_version = ma.fields.Nested(
        CalendarVersionSchema,
        allow_none=True,
        required=True,
        metadata={"description": "the registered calendar data shown (null: none registered)"},
    )
    office_hours = ma.fields.List(ma.fields.String(), required=True)
    days = ma.fields.List(
        ma.fields.Nested(CalendarDaySchema),
        required=True,
        metadata={"description": "every day that is not an ordinary weekday or weekend"},
    )


class OverrideBody(Schema):
    kind = ma.fields.String(required=True, validate=ma.validate.OneOf([k.value for k in DayKind]))
    note = ma.fields.String(
        load_default="", validate=ma.validate.Length(max=calendar_service.MAX_NOTE)
    )


class OverrideSchema(Schema):
    day = ma.fields.Date(required=True)
    kind = ma.fields.String(required=True, metadata={"description": "workday | day_off"})
    note = ma.fields.String(required=True)
    updated_by = ma.fields.String(required=True)


class OverrideListSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(OverrideSchema), required=True)


@blp.route("")
class CalendarYear(MethodView):
    @blp.arguments(YearQuery, location="query")
    @blp.response(200, CalendarYearSchema)
    @blp.alt_response(404, schema=ProblemSchema, description="No such calendar data version")
    @blp.alt_response(422, schema=ProblemSchema, description="No such year")
    def get(self, query: dict[str, Any]) -> CalendarYearView:
        """Holidays, swapped working days and overrides of a year, each with its source, and
        the office hours"""
        return calendar_service.calendar_year(engine(), query["year"], query["version"])


@blp.route("/versions")
class CalendarVersions(MethodView):
    @blp.response(200, CalendarVersionListSchema)
    def get(self) -> dict[str, Any]:
        """The registered versions of the calendar data, oldest first (a dossier pins one)"""
        return {"items": calendar_service.list_versions(engine())}


@blp.route("/overrides")
class Overrides(MethodView):
    @blp.response(200, OverrideListSchema)
    def get(self) -> dict[str, Any]:
        """Every override an administrator has set"""
        return {"items": calendar_service.list_overrides(engine())}


@blp.route("/overrides/<string:day>")
class Override(MethodView):
    @blp.arguments(OverrideBody)
    @blp.response(200, OverrideSchema)
    @blp.authenticated("Not an administrator", (422, "Bad day, kind or note"))
    def put(self, body: dict[str, str], day: str) -> OverrideView:
        """Make a day a working day (`workday`) or a day off (`day_off`)"""
        return calendar_service.set_override(
            engine(), actor(), _day(day), body["kind"], body["note"]
        )

    @blp.response(204)
    @blp.authenticated("Not an administrator", (404, "The day has no override"))
    def delete(self, day: str) -> None:
        """Remove a day's override"""
        calendar_service.remove_override(engine(), actor(), _day(day))


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise ValidationFailedError(
            "not a date", [FieldError("day", "a date like 2026-03-14 (YYYY-MM-DD)")]
        ) from exc
