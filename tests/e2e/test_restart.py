"""Stopping and restarting the real server mid-dossier loses nothing (SEC-8).

Runs the README's own steps as subprocesses: migrate, deploy, demo accounts, serve.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.live_server import free_port, motcua, running
from tests.support import ACCEPT, APPRAISE, submission


def test_restarting_the_server_mid_dossier_loses_nothing(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "MOTCUA_VAR_DIR": str(tmp_path / "var"),
        "MOTCUA_PASSWORD_MEMORY_KIB": "64",
        "MOTCUA_PASSWORD_TIME_COST": "1",
    }
    env.pop("MOTCUA_DATABASE_URL", None)
    motcua(env, "migrate")
    assert "cap_lai_the_bhyt: deployed as new version 1" in motcua(env, "deploy", "bpmn")
    assert "reception" in motcua(env, "demo")
    port = free_port()

    with running(env, port, tmp_path / "server.log") as server:
        dossier = server.submit(submission())
        code = dossier["code"]
        server.act(code, "reception", ACCEPT)
        status, inbox = server.call("GET", f"/tasks?dossier={code}", "specialist")
        task_id = inbox["items"][0]["id"]
        assert server.call("POST", f"/tasks/{task_id}/claim", "specialist")[0] == 200
        before = server.call("GET", f"/dossiers/{code}", "reception")[1]

    with running(env, port, tmp_path / "server.log") as server:
        after = server.call("GET", f"/dossiers/{code}", "reception")[1]
        assert after == before
        assert after["current_steps"][0]["claimed_by"] == "specialist"
        status, body = server.call(
            "POST", f"/tasks/{task_id}/complete", "specialist", {"data": APPRAISE}
        )
        assert status == 200, body
        assert body["current_steps"][0]["role"] == "leader"
        status, replayed = server.call("GET", f"/audit/dossiers/{code}/replay", "auditor")
        assert status == 200, replayed
        assert replayed["matches_stored"] is True, replayed["mismatches"] + replayed["problems"]
