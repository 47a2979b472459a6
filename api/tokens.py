"""POST /auth/token: exchange a username and password for a short-lived bearer token."""

from __future__ import annotations

import marshmallow as ma
from flask import request
from flask.views import MethodView

from api.base import Blueprint, ProblemSchema, Schema
from api.context import engine
from engine.results import TokenResult
from engine.services import logins

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="Log in")


class TokenRequest(Schema):
    username = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=80))
    password = ma.fields.String(
        required=True, validate=ma.validate.Length(min=1, max=200), load_only=True
    )


class TokenSchema(Schema):
    access_token = ma.fields.String(required=True)
    token_type = ma.fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = ma.fields.Integer(required=True, metadata={"description": "seconds"})


@blp.route("/token")
class Token(MethodView):
    @blp.arguments(TokenRequest)
    @blp.response(200, TokenSchema)
    @blp.alt_response(401, schema=ProblemSchema, description="Wrong username or password")
    @blp.alt_response(
        429,
        schema=ProblemSchema,
        description="Too many failed logins for the account, or too many logins from this "
        "address: wait `Retry-After` seconds",
        headers={"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}},
    )
    def post(self, body: dict[str, str]) -> TokenResult:
        """Log in and get a bearer token"""
        return logins.login(
            engine(), body["username"], body["password"], client=request.remote_addr
        )
