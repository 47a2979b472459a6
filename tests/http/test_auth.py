"""Logging in and what makes a token invalid."""

from __future__ import annotations

from datetime import timedelta

import jwt

from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.services import users
from tests.conftest import ADMIN
from tests.support import DEMO_PASSWORD, HttpApi


def test_login_returns_a_bearer_token_and_bad_credentials_are_401(http: HttpApi) -> None:
    body = http.call(
        "POST",
        "/api/v1/auth/token",
        None,
        json={"username": "reception", "password": DEMO_PASSWORD},
    )
    assert body["token_type"] == "Bearer" and body["expires_in"] == 1800
    for credentials in (
        {"username": "reception", "password": "wrong"},
        {"username": "nobody", "password": DEMO_PASSWORD},
    ):
        problem = http.call("POST", "/api/v1/auth/token", None, json=credentials, expect=401)
        assert problem["detail"] == "wrong username or password"
    http.call("POST", "/api/v1/auth/token", None, json={"username": "reception"}, expect=422)


def _get(http: HttpApi, token: str) -> int:
    response = http.client.get("/api/v1/dossiers", headers={"Authorization": f"Bearer {token}"})
    return response.status_code


def test_expired_foreign_and_garbage_tokens_are_401(http: HttpApi, clock: FrozenClock) -> None:
    token = http.token("reception")
    assert _get(http, token) == 200
    forged = jwt.encode(
        jwt.decode(token, options={"verify_signature": False}),
        "another-key-" + "y" * 40,
        algorithm="HS256",
    )
    assert _get(http, forged) == 401
    assert _get(http, "not.a.token") == 401
    clock.advance(timedelta(minutes=31))
    assert _get(http, token) == 401
    response = http.client.get("/api/v1/dossiers")
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_deactivated_users_token_stops_working(http: HttpApi, ctx: EngineContext) -> None:
    token = http.token("specialist")
    assert _get(http, token) == 200
    users.deactivate_user(ctx, ADMIN, "specialist")
    assert _get(http, token) == 401
    http.call(
        "POST",
        "/api/v1/auth/token",
        None,
        json={"username": "specialist", "password": DEMO_PASSWORD},
        expect=401,
    )
