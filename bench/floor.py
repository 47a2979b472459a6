"""The floor under the full path: the same load generator and the same gunicorn shape as
`motcua serve` (gthread, 4 threads per worker, access log on), serving a Flask app that does
nothing but read the bearer header and the JSON body and answer the next step.

No database, no engine, no audit: whatever dossiers/s this reaches bounds what any version of
the service can reach on this machine with 9 HTTP requests per dossier.
"""

from __future__ import annotations

import http.client
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, abort, request

from bench.load import STEPS
from tests.live_server import READY_TIMEOUT_S, REPO, free_port

#: The procedure's user tasks in order, as the real service names them.
ORDER = list(STEPS)

app = Flask(__name__)


def _step(index: int) -> list[dict[str, str]]:
    if index >= len(ORDER):
        return []
    return [{"task_id": f"t{index}", "bpmn_id": ORDER[index]}]


def _body() -> Any:
    if not request.headers.get("Authorization", "").startswith("Bearer "):
        abort(401)
    return request.get_json(silent=True)


@app.post("/api/v1/dossiers")
def submit() -> dict[str, Any]:
    _body()
    return {"code": "floor", "current_steps": _step(0)}


@app.post("/api/v1/tasks/t<int:index>/claim")
def claim(index: int) -> dict[str, Any]:
    _body()
    return {"task_id": f"t{index}"}


@app.post("/api/v1/tasks/t<int:index>/complete")
def complete(index: int) -> dict[str, Any]:
    _body()
    return {"task_id": f"t{index}", "current_steps": _step(index + 1)}


@app.get("/api/v1/procedures")
def ready() -> list[str]:
    return []


@dataclass
class FloorServer:
    port: int
    process: subprocess.Popen[bytes]


@contextmanager
def floor_server(workers: int, log: Path) -> Iterator[FloorServer]:
    """Serve this app with gunicorn the way `motcua serve` does, in a process group of its own."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"]
    command += ["--workers", str(workers), "--threads", "4", "--worker-class", "gthread"]
    command += ["--access-logfile", "-", "bench.floor:app"]
    with log.open("ab") as log_file:
        process = subprocess.Popen(
            command, cwd=REPO, stdout=log_file, stderr=log_file, start_new_session=True
        )
    try:
        _wait_ready(port, process)
        yield FloorServer(port, process)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        assert process.poll() is None, "the floor server exited"
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/api/v1/procedures")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.05)  # polling for readiness, not timing anything
    raise TimeoutError("the floor server did not start")
