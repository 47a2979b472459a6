"""What administrators and operators do with the outbox: list and retry over HTTP and on the
command line, purge delivered messages, and read the health check (docs/integration.md)."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

from click.testing import CliRunner

from api import create_app
from api.cli import main
from engine.clock import FrozenClock, SystemClock
from engine.context import EngineContext, build
from engine.dispatcher import OutboxDispatcher
from engine.peers.fake_dvcqg import FakeDvcqg
from engine.services import health
from engine.services.audit_dossiers import replay_dossier
from storage.statuses import OutboxState
from tests.conftest import ADMIN, make_settings
from tests.outbox.support import (
    PROCEDURE_CODES,
    accepted_dossiers,
    by_state,
    messages,
)
from tests.support import HttpApi


def _cli(ctx: EngineContext, *args: str) -> str:
    env = {
        "MOTCUA_ENV": "test",
        "MOTCUA_DATABASE_URL": ctx.settings.database_url,
        "MOTCUA_VAR_DIR": str(ctx.settings.var_dir),
        "MOTCUA_SECRET_KEY": ctx.settings.secret_key,
        "MOTCUA_DVCQG_URL": ctx.settings.dvcqg.url if ctx.settings.dvcqg else "",
        "MOTCUA_DVCQG_PROCEDURE_CODES": PROCEDURE_CODES,
    }
    result = CliRunner().invoke(main, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


def _kill_first(ctx: EngineContext, clock: FrozenClock, peer: FakeDvcqg) -> int:
    """Park the dossier's first message as dead (the portal kept failing past the max age)."""
    peer.control({"fail": 1_000_000})
    dispatcher = OutboxDispatcher(ctx, rng=random.Random(3))
    while not by_state(ctx).get(OutboxState.DEAD):
        dispatcher.drain()
        clock.advance(timedelta(hours=6))
    dispatcher.close()
    peer.control({"fail": 0})
    return messages(ctx)[0].id


def test_an_administrator_lists_the_dead_and_retries_one_over_http(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock, peer: FakeDvcqg
) -> None:
    [code] = accepted_dossiers(http, 1)
    dead_id = _kill_first(ctx, clock, peer)
    http.forget_tokens()
    listed = http.call("GET", "/api/v1/admin/outbox", "admin", query={"state": "dead"})
    assert listed["total"] == 1 and listed["items"][0]["id"] == dead_id
    item = listed["items"][0]
    assert (item["destination"], item["key"], item["dossier_code"]) == ("dvcqg", f"{code}:1", code)
    assert "503" in item["last_error"] and item["attempts"] > 3
    assert item["payload"]["dossier"]["applicant_name"] == "N***** V** A*"  # masked (SEC-5)
    everything = http.call("GET", "/api/v1/admin/outbox", "admin", query={"dossier": code})
    assert everything["total"] == len(messages(ctx))
    problem = http.call("GET", "/api/v1/admin/outbox", "admin", query={"state": "lost"}, expect=422)
    assert problem["code"] == "validation-failed"

    retried = http.call("POST", f"/api/v1/admin/outbox/{dead_id}/retry", "admin")
    assert retried["state"] == "pending"
    with OutboxDispatcher(ctx) as dispatcher:
        dispatcher.drain()
    assert by_state(ctx) == {OutboxState.DELIVERED: len(messages(ctx))}
    events = http.call("GET", f"/api/v1/audit/dossiers/{code}/events", "auditor")["items"]
    [retried_event] = [e for e in events if e["type"] == "outbox_retried"]
    assert retried_event["payload"]["key"] == f"{code}:1"
    assert retried_event["actor"]["username"] == "admin"
    result = replay_dossier(ctx, ADMIN, code)  # an act that changes nothing of the dossier
    assert result.complete and result.matches_stored is True
    again = http.call("POST", f"/api/v1/admin/outbox/{dead_id}/retry", "admin", expect=409)
    assert again["code"] == "invalid-state"
    http.call("POST", "/api/v1/admin/outbox/999999/retry", "admin", expect=404)


def test_the_command_line_lists_retries_and_purges(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock, peer: FakeDvcqg
) -> None:
    [code] = accepted_dossiers(http, 1)
    dead_id = _kill_first(ctx, clock, peer)
    listed = _cli(ctx, "outbox", "list", "--state", "dead")
    assert f"{dead_id}  dead  dvcqg  {code}:1  status_changed" in listed
    assert "1 of 1 message(s)" in listed
    assert "is pending again" in _cli(ctx, "outbox", "retry", str(dead_id))
    ctx.clock = SystemClock()  # the command line runs on the real clock
    assert "delivery attempt(s); 0 pending, 0 dead" in _cli(ctx, "outbox", "deliver")
    total = len(messages(ctx))
    assert by_state(ctx) == {OutboxState.DELIVERED: total}
    assert "0 delivered message(s) purged" in _cli(
        ctx, "outbox", "purge-delivered", "--older-than", "1d"
    )
    assert f"{total} delivered message(s) purged" in _cli(
        ctx, "outbox", "purge-delivered", "--older-than", "0m"
    )
    assert messages(ctx) == []


def test_health_reports_the_database_the_scheduler_and_the_outbox_lag(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock, peer: FakeDvcqg
) -> None:
    accepted_dossiers(http, 1)
    clock.advance(timedelta(seconds=90))
    found = http.call("GET", "/api/v1/health", None)
    assert found["status"] == "degraded" and found["database"] is True
    assert found["scheduler"]["state"] == "never"
    assert found["outbox"]["pending"] == len(messages(ctx)) and found["outbox"]["dead"] == 0
    assert found["outbox"]["lag_seconds"] == 90.0

    health.beat(ctx)  # what the active scheduler does every poll
    with OutboxDispatcher(ctx) as dispatcher:
        dispatcher.drain()
    found = http.call("GET", "/api/v1/health", None)
    assert found["status"] == "ok" and found["scheduler"]["state"] == "active"
    assert found["outbox"]["lag_seconds"] == 0 and found["outbox"]["pending"] == 0
    clock.advance(timedelta(minutes=5))
    assert http.call("GET", "/api/v1/health", None)["scheduler"]["state"] == "stale"


def test_health_answers_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    context = build(make_settings(tmp_path / "var", f"sqlite:///{tmp_path}/absent/x.db"))
    try:
        response = create_app(context=context).test_client().get("/api/v1/health")
    finally:
        context.close()
    assert response.status_code == 503
    assert response.get_json() == {
        "status": "down",
        "database": False,
        "scheduler": None,
        "outbox": None,
        "late_acknowledgements": None,
    }
