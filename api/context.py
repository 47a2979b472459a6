"""The engine context and the caller, for the current request."""

from __future__ import annotations

from typing import cast

from flask import current_app, g, request

from engine.context import EngineContext
from engine.errors import AuthenticationError
from engine.security.authz import Actor
from engine.services import logins


def engine() -> EngineContext:
    return cast(EngineContext, current_app.extensions["motcua"])


def actor() -> Actor:
    """The authenticated caller. Raises AuthenticationError (401) without a valid bearer token."""
    cached = g.get("motcua_actor")
    if cached is not None:
        return cast(Actor, cached)
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise AuthenticationError("send 'Authorization: Bearer <token>' (POST /api/v1/auth/token)")
    found = logins.authenticate(engine(), token.strip())
    g.motcua_actor = found
    return found
