"""The public statistics per online service (Circular 32/2017 art. 11): no login, cacheable,
computed at most once per `PUBLIC_MAX_AGE` seconds per procedure, year and day in a process."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict
from datetime import date
from typing import Any

import marshmallow as ma
from flask import Response, current_app, request
from flask.views import MethodView

from api.base import Blueprint, ProblemSchema, Schema
from api.context import engine
from api.reports import TallySchema
from engine.queries.statistics import service_statistics

blp = Blueprint(
    "public_statistics",
    __name__,
    url_prefix="/api/v1/public",
    description="Public statistics per online service (no login)",
)

PUBLIC_MAX_AGE = 300
#: Procedures x years kept: the catalogue is small; a flood of unknown keys never enters (422).
MAX_CACHED = 1000


class StatisticsQuery(Schema):
    procedure = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    year = ma.fields.Integer(load_default=None, validate=ma.validate.Range(min=1, max=9999))


class StatisticsSchema(Schema):
    procedure = ma.fields.String(required=True)
    procedure_name = ma.fields.String(required=True)
    year = ma.fields.Integer(required=True)
    as_of = ma.fields.Date(required=True)
    online_received = ma.fields.Integer(required=True)
    online_resolved = ma.fields.Integer(required=True)
    online_resolved_on_time = ma.fields.Integer(required=True)
    online_on_time_percent = ma.fields.Float(allow_none=True)
    total_received = ma.fields.Integer(required=True)
    resolved = ma.fields.Integer(required=True)
    resolved_on_time = ma.fields.Integer(required=True)
    on_time_percent = ma.fields.Float(allow_none=True)
    satisfaction = ma.fields.Nested(
        TallySchema,
        required=True,
        metadata={"description": "ratings this year: criterion -> level -> count (R-2.7)"},
    )


def _statistics(procedure: str, year: int | None) -> tuple[bytes, str]:
    """The statistics as JSON and their ETag, computed at most once per `PUBLIC_MAX_AGE`
    seconds per procedure, year and day in this process (a portal page is read far more often
    than the figures change; a year's count over a big database takes seconds)."""
    ctx = engine()
    today = ctx.clock.now().astimezone(ctx.tz).date()
    cache: dict[tuple[str, int | None, date], tuple[float, bytes, str]]
    cache = current_app.extensions.setdefault("motcua_public_statistics", {})
    key = (procedure, year, today)
    hit = cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < PUBLIC_MAX_AGE:
        return hit[1], hit[2]
    stats = service_statistics(ctx, procedure, year)
    body: dict[str, Any] = StatisticsSchema().dump(
        asdict(stats)
        | {
            "on_time_percent": stats.on_time_percent,
            "online_on_time_percent": stats.online_on_time_percent,
        }
    )
    encoded = json.dumps(body, ensure_ascii=False, sort_keys=True).encode()
    etag = hashlib.sha256(encoded).hexdigest()[:32]
    if len(cache) > MAX_CACHED:
        cache.clear()
    cache[key] = (time.monotonic(), encoded, etag)
    return encoded, etag


@blp.route("/statistics")
class PublicStatistics(MethodView):
    @blp.arguments(StatisticsQuery, location="query")
    @blp.response(
        200,
        StatisticsSchema,
        headers={
            "ETag": {"description": "of the figures", "schema": {"type": "string"}},
            "Cache-Control": {"description": "public, max-age=300", "schema": {"type": "string"}},
        },
    )
    @blp.alt_response(304, description="Not modified (If-None-Match)")
    @blp.alt_response(404, schema=ProblemSchema, description="Unknown procedure")
    @blp.alt_response(422, schema=ProblemSchema, description="A year not yet begun")
    def get(self, args: dict[str, Any]) -> Response:
        """Year-to-date statistics of one online service (Circular 32/2017 art. 11)"""
        encoded, etag = _statistics(args["procedure"], args["year"])
        response = Response(encoded, mimetype="application/json")
        response.set_etag(etag)
        response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
        response.make_conditional(request)
        return response
