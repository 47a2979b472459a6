"""Repeated failed logins lock the account name, in the database (so every worker sees it), with
a doubling lock, 429 + Retry-After, and an event for each failure and lock."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from api import create_app
from engine.clock import FrozenClock
from engine.context import EngineContext, build
from tests.support import DEMO_PASSWORD, HttpApi

WRONG = "not-the-password"


def _login(client: FlaskClient, username: str, password: str) -> Any:
    return client.post("/api/v1/auth/token", json={"username": username, "password": password})


def _login_events(ctx: EngineContext) -> list[tuple[str, str | None]]:
    with ctx.uow(write=False) as uow:
        return [
            (e.type, e.payload.get("reason"))
            for e in uow.events.for_chain("system")
            if e.type.startswith("login_")
        ]


def test_five_failures_lock_the_account_until_the_lock_expires(
    client: FlaskClient, ctx: EngineContext, clock: FrozenClock
) -> None:
    statuses = [_login(client, "reception", WRONG).status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 401, 429]
    locked = _login(client, "reception", DEMO_PASSWORD)
    assert locked.status_code == 429 and locked.headers["Retry-After"] == "60"
    assert locked.content_type == "application/problem+json"
    assert locked.get_json()["code"] == "too-many-attempts"
    assert _login_events(ctx) == [
        *[("login_failed", "bad_credentials")] * 5,
        ("login_locked", None),
        ("login_failed", "locked"),
    ]
    clock.advance(timedelta(seconds=30))
    assert _login(client, "reception", DEMO_PASSWORD).headers["Retry-After"] == "30"
    clock.advance(timedelta(seconds=31))
    assert _login(client, "reception", DEMO_PASSWORD).status_code == 200
    assert _login_events(ctx)[-1] == ("login_succeeded", None)  # auditors see who logged in
    with ctx.uow(write=False) as uow:
        last = uow.events.for_chain("system")[-1]
        assert (last.actor_username, last.payload["username"]) == ("reception", "reception")
    # A good login forgets the failures: five more tries before the next lock.
    assert [_login(client, "reception", WRONG).status_code for _ in range(4)] == [401] * 4


def test_each_failure_after_a_lock_doubles_it(client: FlaskClient, clock: FrozenClock) -> None:
    for _ in range(5):
        _login(client, "leader", WRONG)
    for expected in (120, 240, 480, 960, 1920, 3600, 3600):
        clock.advance(timedelta(seconds=3600))
        response = _login(client, "leader", WRONG)
        assert (response.status_code, response.headers["Retry-After"]) == (429, str(expected))
    clock.advance(timedelta(days=2))  # a name left alone for a day starts over
    assert _login(client, "leader", WRONG).status_code == 401


def test_unknown_names_are_throttled_alike_so_locks_reveal_no_accounts(
    client: FlaskClient,
) -> None:
    for username in ("reception", "no.such.user"):
        statuses = [_login(client, username, WRONG).status_code for _ in range(6)]
        assert statuses == [401, 401, 401, 401, 429, 429], username


def test_the_lock_holds_across_workers(ctx: EngineContext, clock: FrozenClock) -> None:
    # Two workers: two engines and connection pools on the same database.
    other = build(ctx.settings, clock=clock)
    try:
        first, second = create_app(context=ctx), create_app(context=other)
        for index in range(5):
            _login((first if index % 2 else second).test_client(), "specialist", WRONG)
        response = _login(first.test_client(), "specialist", DEMO_PASSWORD)
        assert response.status_code == 429
        assert _login(second.test_client(), "specialist", DEMO_PASSWORD).status_code == 429
    finally:
        other.close()


def test_concurrent_guesses_get_no_more_password_checks_than_allowed(
    app: Flask, ctx: EngineContext
) -> None:
    barrier = threading.Barrier(20)

    def guess(_: int) -> int:
        client = app.test_client()
        barrier.wait()
        return int(_login(client, "reception", WRONG).status_code)

    with ThreadPoolExecutor(max_workers=20) as pool:
        statuses = list(pool.map(guess, range(20)))
    assert set(statuses) <= {401, 429} and 429 in statuses
    checked = [reason for kind, reason in _login_events(ctx) if reason == "bad_credentials"]
    assert len(checked) == 5
    assert _login(app.test_client(), "reception", DEMO_PASSWORD).status_code == 429


def test_an_administrator_can_lift_a_lock(http: HttpApi, ctx: EngineContext) -> None:
    for _ in range(5):
        _login(http.client, "specialist", WRONG)
    detail = http.call("GET", "/api/v1/admin/users/specialist", "admin")
    assert detail["locked_until"] == "2026-03-10T09:01:00+07:00"
    unlocked = http.call("POST", "/api/v1/admin/users/specialist/unlock", "admin")
    assert unlocked["locked_until"] is None
    assert _login(http.client, "specialist", DEMO_PASSWORD).status_code == 200
    assert _login_events(ctx)[-2:] == [("login_unlocked", None), ("login_succeeded", None)]
