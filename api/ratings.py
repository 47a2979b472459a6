"""The applicant's satisfaction rating of a dossier's handling (R-2.7): once per criterion,
after the result was returned. The reports that count the ratings are in `api.reports`."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from api.base import Blueprint, Schema
from api.context import actor, engine
from engine.event_types import SATISFACTION_CRITERIA, SATISFACTION_LEVELS
from engine.services.ratings import MAX_COMMENT, rate_dossier

blp = Blueprint(
    "ratings",
    __name__,
    url_prefix="/api/v1",
    description="The applicant's satisfaction rating of a dossier's handling (R-2.7)",
)


RatingsSchema = Schema.from_dict(
    {
        name: ma.fields.String(validate=ma.validate.OneOf(SATISFACTION_LEVELS))
        for name in SATISFACTION_CRITERIA
    },
    name="SatisfactionRatingsSchema",
)


class RatingBody(Schema):
    ratings = ma.fields.Nested(
        RatingsSchema,
        required=True,
        metadata={"description": "criterion -> very_satisfied | satisfied | not_satisfied"},
    )
    comment = ma.fields.String(load_default=None, validate=ma.validate.Length(max=MAX_COMMENT))


class RatingSchema(Schema):
    code = ma.fields.String(required=True)
    ratings = ma.fields.Nested(RatingsSchema, required=True)


@blp.route("/dossiers/<string:code>/rating")
class DossierRating(MethodView):
    @blp.arguments(RatingBody)
    @blp.response(201, RatingSchema)
    @blp.authenticated(
        "Not the applicant (nor reception of the unit for a dossier without an account)",
        (404, "No such dossier"),
        (409, "The result was not returned yet, or a criterion was rated before"),
        (422, "An unknown criterion or level, no criterion, a comment too long"),
    )
    def post(self, body: dict[str, Any], code: str) -> Any:
        """Rate the handling once per criterion, after the result was returned (R-2.7)"""
        return rate_dossier(engine(), actor(), code, body["ratings"], body["comment"])
