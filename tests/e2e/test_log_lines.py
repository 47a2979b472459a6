"""Every log line of the server (gunicorn's error and access logs, ours) and of the scheduler
starts with its time in ISO 8601 with the offset, in the deployment's zone, as the API shows
times; the lines of several processes then sort and compare without guessing their zone."""

from __future__ import annotations

import os
import re
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.e2e.test_scheduler_process import process, wait_for
from tests.live_server import free_port, motcua, running

LINE_START = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+07:00 \[\d+\] \[[A-Z]+\] \S+: ")


def _log_lines(log: Path) -> list[str]:
    """The lines the processes logged (not what the command printed for its user)."""
    return [
        line
        for line in log.read_text().splitlines()
        if line.strip() and not line.startswith("serving http://")
    ]


def test_server_and_scheduler_lines_carry_local_time_with_offset(tmp_path: Path) -> None:
    env = {**os.environ, "MOTCUA_VAR_DIR": str(tmp_path / "var")}
    env.pop("MOTCUA_DATABASE_URL", None)
    env.pop("MOTCUA_TIMEZONE", None)  # the default: Asia/Ho_Chi_Minh
    motcua(env, "migrate")
    server_log, scheduler_log = tmp_path / "server.log", tmp_path / "scheduler.log"
    with running(env, free_port(), server_log) as server:
        assert server.request("GET", "/procedures")[0] == 200
        # An account link's token (one-time, but usable until used) never reaches the log.
        link = server.url("/dat-lai-mat-khau/SECRET-RESET-TOKEN-123?x=1")
        with pytest.raises(urllib.error.HTTPError, match="410"):  # an unknown token: gone
            urllib.request.urlopen(link, timeout=60)  # noqa: S310 - local server
    with process(env, scheduler_log, "scheduler"):
        wait_for(scheduler_log, "timer scheduler active")

    lines = _log_lines(server_log) + _log_lines(scheduler_log)
    assert [line for line in lines if not LINE_START.match(line)] == []
    assert any("gunicorn.error: Booting worker" in line for line in lines)
    assert any('gunicorn.access: 127.0.0.1 - - "GET /api/v1/procedures' in line for line in lines)
    assert any("motcua.scheduler: timer scheduler active" in line for line in lines)
    assert not [line for line in lines if "SECRET-RESET-TOKEN" in line]
    assert any('"GET /dat-lai-mat-khau/…?x=1 HTTP/1.1" 410' in line for line in lines), lines
