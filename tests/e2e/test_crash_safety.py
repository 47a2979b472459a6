"""kill -9 of the API (gunicorn master and both workers) in the middle of a load of task
completions loses no acknowledged completion and leaves no dossier half changed.

Runs the real `motcua serve --workers 2` on the suite's database: SQLite by default, PostgreSQL
when MOTCUA_TEST_POSTGRES_URL is set (as in CI).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from engine.audit.consistency import check_all
from engine.clock import SystemClock
from engine.context import EngineContext
from engine.settings import Settings
from tests.live_server import REPO, LiveServer, free_port
from tests.support import (
    ACCEPT,
    APPRAISE,
    LEADER_APPROVE,
    PROCEDURE,
    RETURN,
    UNIT,
    applicant,
    submission,
)

#: What each step's officer answers, by BPMN id: the procedure's happy path.
STEPS: dict[str, tuple[str, dict[str, Any]]] = {
    "check_dossier": ("reception", ACCEPT),
    "appraise": ("specialist", APPRAISE),
    "approve_result": ("leader", LEADER_APPROVE),
    "return_result": ("reception", RETURN),
}
DOSSIERS = 36
CLIENT_THREADS = 6
#: Kill after this many more acknowledged completions, once per round.
KILL_AFTER = (20, 30)


@dataclass
class Load:
    """Client threads that walk dossiers to their end, one claim + complete at a time."""

    server: LiveServer
    tokens: dict[str, str]
    codes: list[str]
    acknowledged: list[tuple[str, str]] = field(default_factory=list)  # (code, task id)
    cut_off: int = 0  # requests whose connection died: the outcome is unknown to the client
    errors: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self) -> list[threading.Thread]:
        threads = [
            threading.Thread(target=self._walk, args=(self.codes[n::CLIENT_THREADS],))
            for n in range(CLIENT_THREADS)
        ]
        for thread in threads:
            thread.start()
        return threads

    def _walk(self, codes: list[str]) -> None:
        try:
            for code in codes:
                while self._advance(code):
                    pass
        except OSError:  # the server died under this request
            with self.lock:
                self.cut_off += 1
        except AssertionError as exc:
            with self.lock:
                self.errors.append(str(exc))

    def _advance(self, code: str) -> bool:
        """One step of one dossier; False once it is finished."""
        status, dossier = self.server.request("GET", f"/dossiers/{code}", self.tokens["reception"])
        assert status == 200, dossier
        if not dossier["current_steps"]:
            return False
        step = dossier["current_steps"][0]
        user, data = STEPS[step["bpmn_id"]]
        token = self.tokens[user]
        status, body = self.server.request("POST", f"/tasks/{step['task_id']}/claim", token)
        assert status == 200, body
        status, body = self.server.request(
            "POST", f"/tasks/{step['task_id']}/complete", token, {"data": data}
        )
        assert status == 200, body
        with self.lock:
            self.acknowledged.append((code, step["task_id"]))
        return True

    def wait_for(self, count: int, threads: list[threading.Thread]) -> None:
        deadline = time.monotonic() + 300
        while len(self.acknowledged) < count:
            assert any(t.is_alive() for t in threads), self.errors
            assert time.monotonic() < deadline, "the load made no progress"
            time.sleep(0.01)


def _server_env(settings: Settings, database_url: str, var_dir: Path) -> dict[str, str]:
    return {
        **os.environ,
        "MOTCUA_DATABASE_URL": database_url,
        "MOTCUA_SECRET_KEY": settings.secret_key,
        "MOTCUA_VAR_DIR": str(var_dir),
        "MOTCUA_BPMN_DIR": str(settings.bpmn_dir),
        "MOTCUA_FORMS_DIR": str(settings.forms_dir),
    }


def _assert_durable_and_whole(ctx: EngineContext, acknowledged: list[tuple[str, str]]) -> None:
    with ctx.uow(write=False) as uow:
        for code, task_id in acknowledged:
            item = uow.work_items.get(task_id)
            assert item is not None and item.status == "completed", (code, task_id)
    broken = [(r.code, r.problems) for r in check_all(ctx) if r.problems]
    assert broken == []


def _id(uow: Any, code: str) -> int:
    dossier = uow.dossiers.by_code(code)
    assert dossier is not None
    return int(dossier.id)


def test_killing_the_api_mid_load_loses_no_acknowledged_completion(
    ctx: EngineContext, settings: Settings, database_url: str, tmp_path: Path
) -> None:
    server = LiveServer(
        _server_env(settings, database_url, tmp_path / "var"), free_port(), tmp_path / "log"
    )
    now = SystemClock().now()  # the server runs on the wall clock
    tokens = {}
    with ctx.uow(write=False) as uow:
        for name in ("citizen", "reception", "specialist", "leader"):
            user = uow.users.by_username(name)
            assert user is not None
            tokens[name] = ctx.tokens.issue(
                user.id, user.username, list(user.roles), user.unit_code, now
            )
    server.start()
    try:
        codes = []
        for _ in range(DOSSIERS):
            status, body = server.request(
                "POST",
                "/dossiers",
                tokens["citizen"],
                {
                    "procedure": PROCEDURE,
                    "unit": UNIT,
                    "applicant": applicant(),
                    "data": submission(),
                },
            )
            assert status == 201, body
            codes.append(body["code"])
        load = Load(server, tokens, codes)

        for extra in KILL_AFTER:
            threads = load.run()
            load.wait_for(len(load.acknowledged) + extra, threads)
            cut_off_before = load.cut_off
            server.kill()  # while the client threads are sending
            for thread in threads:
                thread.join(timeout=120)
            assert load.errors == []
            assert load.cut_off > cut_off_before, "no request was in flight when the server died"
            _assert_durable_and_whole(ctx, load.acknowledged)
            server.start()

        threads = load.run()  # after the restarts, every dossier can still be finished
        for thread in threads:
            thread.join(timeout=300)
        assert not any(t.is_alive() for t in threads)
        assert load.errors == []
        for code in codes:
            status, body = server.request("GET", f"/dossiers/{code}", tokens["reception"])
            assert (status, body["status"]["code"]) == (200, 10), body
        _assert_durable_and_whole(ctx, load.acknowledged)
        with ctx.uow(write=False) as uow:
            completed = sum(
                1
                for code in codes
                for item in uow.work_items.history_for_dossier(_id(uow, code))
                if item.status == "completed"
            )
        assert completed == DOSSIERS * len(STEPS)
    finally:
        server.stop()
    checked = subprocess.run(  # what an operator runs after a crash
        [sys.executable, "-m", "api", "consistency"],
        env=server.env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"{DOSSIERS} dossiers checked, 0 inconsistent" in checked.stdout
