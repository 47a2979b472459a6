"""A failing portal never reaches a citizen or an officer, and a dispatcher killed mid-delivery
loses nothing: what it was delivering is delivered again and the portal drops the duplicates by
key (docs/integration.md)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from engine.clock import FrozenClock
from engine.context import EngineContext, build
from engine.dispatcher import OutboxDispatcher
from engine.peers.fake_dvcqg import FakeDvcqg
from engine.scheduler import TimerScheduler
from engine.services import health
from engine.settings import Settings
from storage.statuses import OutboxState
from tests.live_server import REPO
from tests.outbox.support import (
    PROCEDURE_CODES,
    accepted_dossiers,
    by_state,
    drain,
    messages,
)
from tests.outbox.test_delivery import _arrived_in_order
from tests.support import ACCEPT, HttpApi

#: Waiting for a real server or subprocess polls with a bounded deadline, never a fixed sleep.
DEADLINE_SECONDS = 60.0


def wait_until(condition: str, check: Callable[[], bool]) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not check():
        assert time.monotonic() < deadline, f"never happened: {condition}"
        time.sleep(0.01)


def test_a_citizen_submits_and_an_officer_accepts_while_the_portal_is_down(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock, peer: FakeDvcqg
) -> None:
    peer.stop()  # nothing listens on its port any more
    code = http.submit()["code"]
    accepted = http.act(code, "reception", ACCEPT)
    assert accepted["status"]["code"] == 4
    dispatcher = OutboxDispatcher(ctx)
    dispatcher.drain()
    first, *later = messages(ctx)
    assert first.attempts == 1 and "unreachable" in (first.last_error or "")
    assert first.state == OutboxState.PENDING and later
    # the next citizen is not slowed by what the outbox holds
    assert http.submit()["status"]["code"] == 1
    dispatcher.close()


def test_requests_go_on_while_a_delivery_hangs_on_the_portal(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock, peer: FakeDvcqg
) -> None:
    [code] = accepted_dossiers(http, 1)
    peer.control({"hang": 1, "hang_seconds": 30.0})
    dispatcher = OutboxDispatcher(ctx)
    delivering = threading.Thread(target=dispatcher.drain)
    delivering.start()
    try:
        wait_until("the portal holds a delivery", lambda: peer.snapshot()["holding"] == 1)
        # the dispatcher is stuck on the portal; a citizen and an officer are not
        second = http.submit()["code"]
        assert http.act(second, "reception", ACCEPT)["status"]["code"] == 4
        assert peer.snapshot()["holding"] == 1
    finally:
        delivering.join()  # the client's timeout (1 s) ends the held delivery
    dispatcher.close()
    drain(ctx, clock)
    _arrived_in_order(ctx, peer)


def test_a_dispatcher_killed_mid_delivery_loses_nothing_and_duplicates_are_dropped(
    http: HttpApi,
    ctx: EngineContext,
    clock: FrozenClock,
    peer: FakeDvcqg,
    cli_env: dict[str, str],
    tmp_path: Path,
) -> None:
    accepted_dossiers(http, 30)
    total = len(messages(ctx))
    peer.control({"delay_seconds": 0.3})  # every answer takes a while: kill while some wait
    env = {
        **os.environ,
        **cli_env,
        "MOTCUA_DVCQG_URL": peer.url,
        "MOTCUA_DVCQG_PROCEDURE_CODES": PROCEDURE_CODES,
        "MOTCUA_DVCQG_TIMEOUT_SECONDS": "5",
    }
    log = tmp_path / "dispatcher.log"
    with log.open("wb") as out:
        child = subprocess.Popen(
            [sys.executable, "-m", "server", "outbox", "deliver"],
            env=env,
            cwd=REPO,
            stdout=out,
            stderr=out,
        )
    try:
        wait_until(
            "deliveries are under way",
            lambda: peer.snapshot()["received"] >= 12 or child.poll() is not None,
        )
        assert child.poll() is None, log.read_text()
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=DEADLINE_SECONDS) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
    received_before_restart = peer.snapshot()["received"]
    assert 12 <= received_before_restart < total, log.read_text()

    peer.control({"delay_seconds": 0})
    drain(ctx, clock)  # the next dispatcher

    assert by_state(ctx) == {OutboxState.DELIVERED: total}
    records = peer.snapshot()
    assert records["duplicates"] >= 1  # what the killed one delivered came again, dropped
    assert len(records["accepted"]) == total
    _arrived_in_order(ctx, peer)


def test_the_active_scheduler_delivers_and_a_standby_takes_over_when_it_stops(
    http: HttpApi, ctx: EngineContext, settings: Settings, peer: FakeDvcqg
) -> None:
    accepted_dossiers(http, 3)
    first = TimerScheduler(ctx, poll_seconds=0.2)
    standby_ctx = build(settings, clock=ctx.clock)
    second = TimerScheduler(standby_ctx, poll_seconds=0.2)
    first.start()
    second.start()
    try:
        assert first.active and not second.active
        wait_until(
            "the active scheduler delivered everything",
            lambda: by_state(ctx) == {OutboxState.DELIVERED: len(messages(ctx))},
        )
        beating = health.check(ctx).scheduler
        assert beating is not None and beating.state == "active"
        assert beating.holder and beating.holder.endswith(f":{os.getpid()}")
        first.stop()
        wait_until("the standby took over", lambda: second.active)
        accepted_dossiers(http, 1)
        wait_until(
            "the new active scheduler delivered the new dossier's changes",
            lambda: by_state(ctx) == {OutboxState.DELIVERED: len(messages(ctx))},
        )
    finally:
        first.stop()
        second.stop()
        standby_ctx.close()
    _arrived_in_order(ctx, peer)
    assert peer.snapshot()["duplicates"] == 0


def test_a_portal_that_restarts_gets_the_rest_over_new_connections(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock, peer: FakeDvcqg
) -> None:
    first_codes = accepted_dossiers(http, 3)
    with OutboxDispatcher(ctx) as dispatcher:
        dispatcher.drain()  # delivered over kept-alive connections, which the restart breaks
        assert by_state(ctx) == {OutboxState.DELIVERED: len(messages(ctx))}
        port = peer.server.server_address[1]
        before = peer.snapshot()["accepted"]
        peer.stop()
        restarted = FakeDvcqg(port).start()
        try:
            later_codes = accepted_dossiers(http, 3)
            for _ in range(10):
                dispatcher.drain()
                if not by_state(ctx).get(OutboxState.PENDING):
                    break
                clock.advance(timedelta(hours=1))
            after = restarted.snapshot()["accepted"]
        finally:
            restarted.stop()
    assert by_state(ctx) == {OutboxState.DELIVERED: len(messages(ctx))}
    keys = [item["key"] for item in before + after]
    assert sorted(keys) == sorted(row.key for row in messages(ctx))  # nothing lost, none twice
    assert {key.rpartition(":")[0] for key in keys} == set(first_codes + later_codes)
    # the connections the restart broke failed once, then new ones delivered
    assert any(row.attempts > 1 for row in messages(ctx))
