"""A real `motcua serve` in a subprocess (its own session, so it can be killed whole): the
composed server, web pages at `origin` and the API at `base`; a small HTTP client for the API.
Tests poll only for readiness, never sleep for a fixed time."""

from __future__ import annotations

import http.client
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

from tests.support import applicant

REPO = Path(__file__).resolve().parent.parent
DEMO_UNIT = "000.00.07.H29"
READY_TIMEOUT_S = 60


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    def __init__(
        self,
        env: dict[str, str],
        port: int,
        log: Path,
        workers: int = 2,
        cwd: Path = REPO,
        *,
        with_scheduler: bool = False,
    ) -> None:
        self.env, self.port, self.log, self.workers, self.cwd = env, port, log, workers, cwd
        self.with_scheduler = with_scheduler
        #: The web pages (portal, workspace) are served from the origin's root.
        self.origin = f"http://127.0.0.1:{port}"
        self.base = f"{self.origin}/api/v1"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as log_file:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "server", "serve", "--port", str(self.port)]
                + ["--workers", str(self.workers)]
                + (["--with-scheduler"] if self.with_scheduler else []),
                env=self.env,
                cwd=self.cwd,
                stdout=log_file,
                stderr=log_file,
                start_new_session=True,  # master and workers in one process group
            )
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            try:
                if self.request("GET", "/procedures")[0] == 200:
                    return
            except OSError:
                pass
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)

    def url(self, path: str) -> str:
        """The address of a web page, e.g. `url("/tra-cuu")`."""
        return self.origin + path

    def kill(self) -> None:
        """kill -9 the master and every worker at once: no shutdown code runs."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self._wait_until_group_gone()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)
            self._wait_until_group_gone()

    def _wait_until_group_gone(self) -> None:
        assert self.process is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                os.killpg(self.process.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
        raise AssertionError("server processes outlived their group kill")

    def request(
        self, method: str, path: str, token: str | None = None, body: Any = None
    ) -> tuple[int, Any]:
        """(status, JSON body); raises OSError when the connection fails or is cut."""
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(  # noqa: S310 - http to our own test server
            self.base + path, data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(req, timeout=60) as response:  # noqa: S310 - local server
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")
        except http.client.HTTPException as exc:  # e.g. the answer was cut off
            raise ConnectionError(str(exc)) from exc


class DemoServer(LiveServer):
    """A LiveServer called as the demo accounts (`motcua demo`): requests name the user."""

    def __init__(self, env: dict[str, str], port: int, log: Path, workers: int = 1) -> None:
        super().__init__(env, port, log, workers)
        self.tokens: dict[str, str] = {}

    def call(
        self, method: str, path: str, user: str | None = None, body: Any = None
    ) -> tuple[int, Any]:
        return self.request(method, path, self.token(user) if user else None, body)

    def token(self, user: str) -> str:
        if user not in self.tokens:
            status, body = self.request(
                "POST", "/auth/token", None, {"username": user, "password": f"{user}-demo-2026"}
            )
            assert status == 200, body
            self.tokens[user] = body["access_token"]
        return self.tokens[user]

    def submit(self, data: dict[str, Any], procedure: str = "cap_lai_the_bhyt") -> dict[str, Any]:
        """A citizen's dossier in the demo unit; the created dossier (asserting 201)."""
        status, dossier = self.call(
            "POST",
            "/dossiers",
            "citizen",
            {"procedure": procedure, "unit": DEMO_UNIT, "applicant": applicant(), "data": data},
        )
        assert status == 201, dossier
        return dict(dossier)

    def act(self, code: str, user: str, data: dict[str, Any]) -> Any:
        """Claim and complete the dossier's one task in `user`'s inbox."""
        status, inbox = self.call("GET", f"/tasks?dossier={code}", user)
        assert status == 200 and inbox["total"] == 1, inbox
        task_id = inbox["items"][0]["id"]
        assert self.call("POST", f"/tasks/{task_id}/claim", user)[0] == 200
        status, body = self.call("POST", f"/tasks/{task_id}/complete", user, {"data": data})
        assert status == 200, body
        return body


@contextmanager
def running(env: dict[str, str], port: int, log: Path) -> Iterator[DemoServer]:
    """`motcua serve` (one worker, as `make run` starts it), stopped at the end."""
    server = DemoServer(env, port, log)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def motcua(env: dict[str, str], *args: str) -> str:
    """Run the CLI as a user would; its stdout (asserting it succeeded)."""
    result = subprocess.run(
        [sys.executable, "-m", "server", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout
