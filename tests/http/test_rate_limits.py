"""Logins and the public lookup are rate-limited per client address (flask-limiter), in memory
by default or in Redis shared by several workers."""

from __future__ import annotations

import dataclasses
import re
import secrets
import socket
import sys
from typing import Any

import pytest
from flask import Flask

from api import create_app
from engine.context import EngineContext
from engine.settings import SettingsError
from tests.support import DEMO_PASSWORD, HttpApi

REDIS_URL = "redis://127.0.0.1:6379/15"


def _app(ctx: EngineContext, **changes: Any) -> Flask:
    ctx.settings = dataclasses.replace(ctx.settings, **changes)
    return create_app(context=ctx)


def _lookup(app: Flask, code: str, address: str, **headers: str) -> Any:
    return app.test_client().get(
        f"/api/v1/public/dossiers/{code}",
        query_string={"id_number": "001090012345"},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    )


def test_public_lookups_are_limited_per_address(http: HttpApi, ctx: EngineContext) -> None:
    code = http.submit()["code"]
    app = _app(ctx, ratelimit_public="3/minute")
    assert [_lookup(app, code, "203.0.113.5").status_code for _ in range(3)] == [200] * 3
    refused = _lookup(app, code, "203.0.113.5")
    assert refused.status_code == 429 and refused.content_type == "application/problem+json"
    assert 0 < int(refused.headers["Retry-After"]) <= 61  # the window, rounded up
    assert refused.get_json()["code"] == "too-many-requests"
    assert "001090012345" not in refused.get_data(as_text=True)
    assert _lookup(app, code, "203.0.113.6").status_code == 200
    # Without a trusted proxy, X-Forwarded-For is the client's claim and changes nothing.
    spoofed = _lookup(app, code, "203.0.113.5", **{"X-Forwarded-For": "198.51.100.1"})
    assert spoofed.status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_address_counts(
    http: HttpApi, ctx: EngineContext
) -> None:
    code = http.submit()["code"]
    app = _app(ctx, ratelimit_public="1/minute", proxy_count=1)
    proxy = "10.0.0.1"
    assert _lookup(app, code, proxy, **{"X-Forwarded-For": "198.51.100.1"}).status_code == 200
    assert _lookup(app, code, proxy, **{"X-Forwarded-For": "198.51.100.1"}).status_code == 429
    assert _lookup(app, code, proxy, **{"X-Forwarded-For": "198.51.100.2"}).status_code == 200


def test_logins_are_limited_per_address(ctx: EngineContext) -> None:
    app = _app(ctx, ratelimit_login="2/minute")
    client = app.test_client()
    body = {"username": "reception", "password": DEMO_PASSWORD}
    statuses = [client.post("/api/v1/auth/token", json=body).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_a_malformed_limit_fails_at_start(ctx: EngineContext) -> None:
    with pytest.raises(SettingsError, match="MOTCUA_RATELIMIT_PUBLIC"):
        _app(ctx, ratelimit_public="lots")


def test_redis_storage_without_its_client_says_which_extra_to_install(
    ctx: EngineContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "redis", None)  # as if `pip install -e .` without [redis]
    with pytest.raises(SettingsError, match=re.escape("pip install -e '.[redis]'")):
        _app(ctx, ratelimit_storage_url=REDIS_URL)


def _redis_available() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.mark.skipif(not _redis_available(), reason="no Redis on 127.0.0.1:6379")
def test_workers_sharing_redis_share_the_limit(http: HttpApi, ctx: EngineContext) -> None:
    code = http.submit()["code"]
    # Two apps stand for two gunicorn workers; a random address keeps runs apart.
    first = _app(ctx, ratelimit_public="4/minute", ratelimit_storage_url=REDIS_URL)
    second = create_app(context=ctx)
    address = f"198.18.{secrets.randbelow(256)}.{secrets.randbelow(256)}"
    statuses = [_lookup(app, code, address).status_code for app in (first, second) * 3]
    assert statuses == [200, 200, 200, 200, 429, 429]
