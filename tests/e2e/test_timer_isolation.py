"""A misbehaving timer affects at most its own dossier (issue 12): while the scheduler works on
dossiers whose timers run away or compute nonsense, other dossiers' writes through a real
`motcua serve` (two gunicorn workers, real HTTP) keep succeeding, and quickly. Runs on the
suite's database: SQLite by default, PostgreSQL when MOTCUA_TEST_POSTGRES_URL is set.

Before the fix, one pass over an `R/PT0S` cycle leading to an end event ran for over 11 minutes
in one write transaction (measured), holding SQLite's write lock: every write meanwhile waited
out the 30 s busy timeout and failed."""

from __future__ import annotations

import os
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from engine.clock import FrozenClock, SystemClock
from engine.context import EngineContext
from engine.scheduler import TimerScheduler
from engine.services import timers
from engine.settings import Settings
from tests.conftest import ADMIN, START
from tests.integration.test_timer_limits import (
    AN_HOUR_LATER,
    SPLIT_DEADLINE,
    SPLIT_WAIT,
    limits_of_an_older_release,
)
from tests.live_server import LiveServer, free_port
from tests.probe import deploy_deadline_probe, deploy_probe, events_of, submit_probe
from tests.support import PROCEDURE, UNIT, applicant, submission

WRITERS = 4
ROUNDS = 6  # each writer submits and claims this many dossiers
#: A write slower than this counts as blocked (SQLite's busy timeout is 30 s).
SLOW_WRITE_S = 10.0


def _server_env(settings: Settings, tmp_path: Path) -> dict[str, str]:
    return {
        **os.environ,
        "MOTCUA_DATABASE_URL": settings.database_url,
        "MOTCUA_SECRET_KEY": settings.secret_key,
        "MOTCUA_VAR_DIR": str(tmp_path / "server-var"),
        "MOTCUA_BPMN_DIR": str(settings.bpmn_dir),
        "MOTCUA_FORMS_DIR": str(settings.forms_dir),
    }


def _misbehaving_dossiers(ctx: EngineContext, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Three dossiers with a runaway `R/PT0S` cycle (armed by an older release) and two whose
    applicant data gives a 100,000-year duration; all due once the clock moves two hours."""
    with limits_of_an_older_release(monkeypatch):
        deploy_deadline_probe(ctx, '"R/PT0S"', kind="timeCycle", interrupting=False, automatic=True)
        codes = [submit_probe(ctx, START.isoformat()) for _ in range(3)]
    deploy_deadline_probe(ctx, SPLIT_DEADLINE, kind="timeDuration", wait=SPLIT_WAIT)
    codes += [submit_probe(ctx, AN_HOUR_LATER + "P100000Y") for _ in range(2)]
    deploy_probe(ctx)
    return codes


def test_misbehaving_timers_do_not_block_other_dossiers_writes(
    ctx: EngineContext,
    settings: Settings,
    clock: FrozenClock,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bad = _misbehaving_dossiers(ctx, monkeypatch)
    clock.advance(timedelta(hours=2))
    now = SystemClock().now()  # the server runs on the wall clock
    tokens = {}
    with ctx.uow(write=False) as uow:
        for name in ("citizen", "reception"):
            user = uow.users.by_username(name)
            assert user is not None
            tokens[name] = ctx.tokens.issue(
                user.id, user.username, list(user.roles), user.unit_code, now
            )
    server = LiveServer(_server_env(settings, tmp_path), free_port(), tmp_path / "log")
    server.start()
    writes: list[tuple[str, int, float]] = []  # (what, status, seconds)
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(WRITERS + 1)
    done = threading.Event()
    passes = 0

    def write(what: str, method: str, path: str, user: str, body: object = None) -> object:
        began = time.monotonic()
        status, answer = server.request(method, path, tokens[user], body)
        with lock:
            writes.append((what, status, time.monotonic() - began))
        return answer if 200 <= status < 300 else None

    def writer() -> None:
        try:
            start.wait()
            for _ in range(ROUNDS):
                dossier = write(
                    "submit",
                    "POST",
                    "/dossiers",
                    "citizen",
                    {
                        "procedure": PROCEDURE,
                        "unit": UNIT,
                        "applicant": applicant(),
                        "data": submission(),
                    },
                )
                if not isinstance(dossier, dict):
                    continue
                status, inbox = server.request(
                    "GET", f"/tasks?dossier={dossier['code']}", tokens["reception"]
                )
                assert status == 200 and inbox["total"] == 1, inbox
                write("claim", "POST", f"/tasks/{inbox['items'][0]['id']}/claim", "reception")
        except Exception as exc:  # reported below, with the writes' statuses
            errors.append(repr(exc))

    def scheduler() -> None:
        # Pass after pass over the misbehaving timers while the writes go on: each pass parks
        # them, and an administrator resumes them for the next (the worst case: never quiet).
        nonlocal passes
        try:
            start.wait()
            while not done.is_set() or passes == 0:
                TimerScheduler(ctx).run_once()
                passes += 1
                for parked in timers.parked_timers(ctx, ADMIN):
                    timers.resume_timer(ctx, ADMIN, parked.timer_id)
        except Exception as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=writer) for _ in range(WRITERS)]
    threads.append(threading.Thread(target=scheduler))
    try:
        for thread in threads:
            thread.start()
        for thread in threads[:-1]:
            thread.join(timeout=600)
        done.set()
        threads[-1].join(timeout=600)
    finally:
        done.set()
        server.stop()

    assert errors == []
    failed = [(what, status) for what, status, _ in writes if not 200 <= status < 300]
    slow = [(what, round(seconds, 2)) for what, _, seconds in writes if seconds > SLOW_WRITE_S]
    assert len(writes) == WRITERS * ROUNDS * 2
    assert failed == [], failed
    assert slow == [], slow
    assert passes >= 1
    for code in bad:  # each misbehaving timer was parked at least once, on its own dossier
        assert events_of(ctx, code, "timer_failed"), code
