"""The scheduler as operators run it: `motcua scheduler` processes and `motcua serve
--with-scheduler` under gunicorn; exactly one fires timers, the others stand by."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.live_server import REPO, DemoServer, free_port, motcua


def _env(tmp_path: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "MOTCUA_VAR_DIR": str(tmp_path / "var"),
        "MOTCUA_PASSWORD_MEMORY_KIB": "64",
        "MOTCUA_PASSWORD_TIME_COST": "1",
        "MOTCUA_SCHEDULER_POLL_SECONDS": "1",
    }
    env.pop("MOTCUA_DATABASE_URL", None)
    return env


@contextmanager
def process(env: dict[str, str], log: Path, *args: str) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "server", *args], env=env, cwd=REPO, stdout=out, stderr=out
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.terminate()
            proc.wait(timeout=30)


def wait_for(log: Path, text: str, *, count: int = 1, timeout: float = 30) -> str:
    """Poll a subprocess's log until `text` appears `count` times."""
    deadline = time.monotonic() + timeout
    while True:
        content = log.read_text(errors="replace") if log.exists() else ""
        if content.count(text) >= count:
            return content
        assert time.monotonic() < deadline, f"'{text}' never appeared:\n{content[-3000:]}"
        time.sleep(0.1)


def test_a_second_scheduler_stands_by_and_takes_over(tmp_path: Path) -> None:
    env = _env(tmp_path)
    motcua(env, "migrate")
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    with process(env, first_log, "scheduler") as first:
        wait_for(first_log, "timer scheduler active")
        with process(env, second_log, "scheduler"):
            wait_for(second_log, "standing by")
            assert "another scheduler is active" in motcua(env, "scheduler", "--once")
            first.terminate()
            first.wait(timeout=30)
            wait_for(second_log, "timer scheduler active")
    assert "0 timer(s) fired" in motcua(env, "scheduler", "--once")


def test_serve_with_scheduler_fires_timers_from_one_worker(tmp_path: Path) -> None:
    env = _env(tmp_path)
    motcua(env, "migrate")
    motcua(env, "demo")
    probe_env = {**env, "MOTCUA_FORMS_DIR": str(REPO / "tests" / "fixtures" / "forms")}
    assert "deployed as new version 1" in motcua(
        probe_env, "deploy", "tests/fixtures/timer_probe.bpmn"
    )
    port = free_port()
    log = tmp_path / "server.log"
    args = ("serve", "--port", str(port), "--workers", "2", "--with-scheduler")
    with process(env, log, *args):
        content = wait_for(log, "motcua.scheduler", count=2)  # both workers have decided
        assert content.count("timer scheduler active") == 1
        assert content.count("standing by") == 1
        server = DemoServer(env, port, log)  # started above, with the scheduler
        fire_at = datetime.now(UTC) + timedelta(seconds=2)
        dossier = server.submit({"fire_at": fire_at.isoformat()}, procedure="timer_probe")
        deadline = time.monotonic() + 30
        while True:  # the timer fires in the server; wait until reception has the task
            status, inbox = server.call("GET", f"/tasks?dossier={dossier['code']}", "reception")
            if status == 200 and inbox["total"] == 1:
                break
            assert time.monotonic() < deadline, "the server never fired the timer"
            time.sleep(0.2)
        assert inbox["items"][0]["bpmn_id"] == "work"
        assert datetime.now(UTC) >= fire_at
