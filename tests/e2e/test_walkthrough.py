"""The README's walkthrough works as written: `make run`'s commands set up a real server, the
walkthrough script takes one dossier to status 10 through every role with the demo accounts
`motcua demo` prints, and the README's `curl` commands submit a dossier."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.live_server import REPO, free_port, motcua, running

SCRIPT = REPO / "scripts" / "walkthrough.py"


def _make_run_setup() -> list[list[str]]:
    """The `motcua` commands of the Makefile's `run` target before it serves."""
    recipe = re.search(r"^run:.*\n((?:\t.*\n)+)", (REPO / "Makefile").read_text(), re.MULTILINE)
    assert recipe is not None
    commands = [line.strip().split()[1:] for line in recipe.group(1).splitlines()]
    assert commands[-1][0] == "serve"
    return commands[:-1]


def _readme_curl_block() -> str:
    walkthrough = (REPO / "README.md").read_text().split("## Walkthrough", 1)[1]
    blocks: list[str] = re.findall(r"```sh\n(.*?)```", walkthrough, re.DOTALL)
    return next(block for block in blocks if "curl" in block)


def test_the_readme_walkthrough_reaches_status_10_for_every_role(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "MOTCUA_VAR_DIR": str(tmp_path / "var"),
        "MOTCUA_PASSWORD_MEMORY_KIB": "64",
        "MOTCUA_PASSWORD_TIME_COST": "1",
    }
    env.pop("MOTCUA_DATABASE_URL", None)
    printed = {" ".join(args): motcua(env, *args) for args in _make_run_setup()}
    demo = printed["demo"]
    port = free_port()
    with running(env, port, tmp_path / "server.log") as server:
        walked = subprocess.run(
            [sys.executable, str(SCRIPT), "--api", server.base],
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        curl_block = _readme_curl_block().replace(
            "API=http://127.0.0.1:8000/api/v1", f"API={server.base}"
        )
        by_hand = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", curl_block],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    assert walked.returncode == 0, walked.stdout[-3000:] + walked.stderr[-3000:]
    out = walked.stdout
    for role in ("citizen", "reception", "specialist", "leader", "auditor", "analyst"):
        assert re.search(rf"^  {role} +POST /auth/token$", out, re.MULTILINE), role
        assert re.search(rf"^  {role} +{role}-demo-2026 ", demo, re.MULTILINE), role
    assert "done: status 5 Yêu cầu bổ sung giấy tờ" in out
    assert "Giấy tờ cần bổ sung, hoàn thiện (Mẫu 02): Bản sao căn cước công dân" in out
    assert "done: status 10 Đã trả kết quả" in out
    assert "Số thẻ BHYT mới: DN4010123456790" in out
    assert "replay of" in out and "equals the stored dossier" in out
    assert "cap_lai_the_bhyt: valid=True" in out

    assert by_hand.returncode == 0, by_hand.stderr
    procedure_json, dossier_json = by_hand.stdout.splitlines()[-2:]
    assert json.loads(procedure_json)["units"][0]["code"] == "000.00.07.H29"
    assert json.loads(dossier_json)["status"]["code"] == 1
