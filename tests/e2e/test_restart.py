"""Stopping and restarting the real server mid-dossier loses nothing (SEC-8).

Runs the README's own steps as subprocesses: migrate, deploy, demo accounts, serve.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support import ACCEPT, APPRAISE, applicant, submission

REPO = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    def __init__(self, env: dict[str, str], port: int) -> None:
        self.env, self.port = env, port
        self.base = f"http://127.0.0.1:{port}/api/v1"
        self.tokens: dict[str, str] = {}

    def request(
        self, method: str, path: str, user: str | None = None, body: Any = None
    ) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if user:
            headers["Authorization"] = f"Bearer {self.token(user)}"
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(  # noqa: S310 - http to our own test server
            self.base + path, data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as response:  # noqa: S310 - local test server
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def token(self, user: str) -> str:
        if user not in self.tokens:
            status, body = self.request(
                "POST", "/auth/token", None, {"username": user, "password": f"{user}-demo-2026"}
            )
            assert status == 200, body
            self.tokens[user] = body["access_token"]
        return self.tokens[user]

    def act(self, code: str, user: str, data: dict[str, Any]) -> Any:
        status, inbox = self.request("GET", f"/tasks?dossier={code}", user)
        assert status == 200 and inbox["total"] == 1, inbox
        task_id = inbox["items"][0]["id"]
        assert self.request("POST", f"/tasks/{task_id}/claim", user)[0] == 200
        status, body = self.request("POST", f"/tasks/{task_id}/complete", user, {"data": data})
        assert status == 200, body
        return body


def _motcua(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", "api", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@contextmanager
def running(env: dict[str, str], port: int, log: Path) -> Iterator[Server]:
    with log.open("ab") as log_file:
        process = subprocess.Popen(
            [sys.executable, "-m", "api", "serve", "--port", str(port)],
            env=env,
            cwd=REPO,
            stdout=log_file,
            stderr=log_file,
        )
    server = Server(env, port)
    try:
        deadline = time.monotonic() + 60
        while True:  # wait until it answers, not for a fixed time
            try:
                if server.request("GET", "/procedures")[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError):
                pass
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.1)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def test_restarting_the_server_mid_dossier_loses_nothing(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "MOTCUA_VAR_DIR": str(tmp_path / "var"),
        "MOTCUA_PASSWORD_MEMORY_KIB": "64",
        "MOTCUA_PASSWORD_TIME_COST": "1",
    }
    env.pop("MOTCUA_DATABASE_URL", None)
    _motcua(env, "migrate")
    assert "cap_lai_the_bhyt: deployed as new version 1" in _motcua(env, "deploy", "bpmn")
    assert "reception" in _motcua(env, "demo")
    port = _free_port()

    with running(env, port, tmp_path / "server.log") as server:
        status, dossier = server.request(
            "POST",
            "/dossiers",
            "citizen",
            {
                "procedure": "cap_lai_the_bhyt",
                "unit": "000.00.07.H29",
                "applicant": applicant(),
                "data": submission(),
            },
        )
        assert status == 201, dossier
        code = dossier["code"]
        server.act(code, "reception", ACCEPT)
        status, inbox = server.request("GET", f"/tasks?dossier={code}", "specialist")
        task_id = inbox["items"][0]["id"]
        assert server.request("POST", f"/tasks/{task_id}/claim", "specialist")[0] == 200
        before = server.request("GET", f"/dossiers/{code}", "reception")[1]

    with running(env, port, tmp_path / "server.log") as server:
        after = server.request("GET", f"/dossiers/{code}", "reception")[1]
        assert after == before
        assert after["current_steps"][0]["claimed_by"] == "specialist"
        status, body = server.request(
            "POST", f"/tasks/{task_id}/complete", "specialist", {"data": APPRAISE}
        )
        assert status == 200, body
        assert body["current_steps"][0]["role"] == "leader"
        status, replayed = server.request("GET", f"/audit/dossiers/{code}/replay", "auditor")
        assert status == 200, replayed
        assert replayed["matches_stored"] is True, replayed["mismatches"] + replayed["problems"]
