"""`motcua audit ...` as an auditor runs it: exit codes, messages, a bundle checked with no
database, and a progress bar on a terminal."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from sqlalchemy import update

from api.cli import main
from engine.context import EngineContext
from engine.events import dossier_chain
from storage.audit_models import Event
from tests.support import ACCEPT, HttpApi
from tests.tampering import tampering

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def env(cli_env: dict[str, str]) -> dict[str, str]:
    return cli_env


@pytest.fixture
def code(http: HttpApi) -> str:
    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    return str(code)


def motcua(env: dict[str, str], *args: str) -> Result:
    return CliRunner().invoke(main, ["audit", *args], env=env, catch_exceptions=False)


def test_verify_exits_0_when_intact_and_1_naming_the_damage(
    env: dict[str, str], code: str, ctx: EngineContext
) -> None:
    intact = motcua(env, "verify")
    assert intact.exit_code == 0, intact.output
    assert "OK: nothing was changed, removed or added" in intact.output
    with tampering(ctx) as conn:
        conn.execute(
            update(Event)
            .where(Event.chain == dossier_chain(code), Event.seq == 3)
            .values(actor_unit="000.00.08.H29")
        )
    damaged = motcua(env, "verify")
    assert damaged.exit_code == 1
    assert f"FAIL: dossier {code}, event 3: modified: its content no longer matches its hash" in (
        damaged.output
    )
    assert '"ok": false' in motcua(env, "verify", "--json").output


def test_checkpoint_replay_export_and_an_offline_bundle_check(
    env: dict[str, str], code: str, ctx: EngineContext, tmp_path: Path
) -> None:
    signed = motcua(env, "checkpoint")
    assert signed.exit_code == 0 and signed.output.startswith("checkpoint #1 signed: 2 chain heads")
    assert motcua(env, "checkpoint").output == "nothing new to sign since checkpoint #1\n"

    early = motcua(env, "replay", code, "--until", "2")
    assert early.exit_code == 0
    assert "status: 1 Mới đăng ký (Newly submitted)" in early.output
    assert "open task: Kiểm tra, tiếp nhận hồ sơ [check_dossier] for reception" in early.output
    full = motcua(env, "replay", code)
    assert full.exit_code == 0 and "replay equals the stored dossier" in full.output

    key_file, bundle_file = tmp_path / "key.pem", tmp_path / "bundle.json"
    assert motcua(env, "public-key", "-o", str(key_file)).exit_code == 0
    assert key_file.read_text() == ctx.audit_key.public.pem
    assert motcua(env, "export", code, "-o", str(bundle_file)).exit_code == 0

    offline = {
        **os.environ,
        # no database can be reached and no var dir exists: the check needs neither
        "MOTCUA_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        "MOTCUA_VAR_DIR": str(tmp_path / "no-var"),
    }

    def verify_offline() -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "api", "audit", "verify-bundle", str(bundle_file)]
            + ["--public-key", str(key_file)],
            env=offline,
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    passed = verify_offline()
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "certified by checkpoint #1" in passed.stdout and "bundle verified" in passed.stdout
    data = bytearray(bundle_file.read_bytes())
    data[len(data) // 2] ^= 0x01
    bundle_file.write_bytes(bytes(data))
    failed = verify_offline()
    assert failed.returncode == 1 and "bundle does NOT verify" in failed.stdout
    assert not (tmp_path / "no-var").exists()


def test_an_unknown_dossier_is_a_clear_error(env: dict[str, str], code: str) -> None:
    result = motcua(env, "replay", "000.00.07.H29-260310-9999")
    assert result.exit_code == 1 and "no dossier 000.00.07.H29-260310-9999" in result.output


def test_verify_shows_a_progress_bar_on_a_terminal(env: dict[str, str], code: str) -> None:
    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "api", "audit", "verify"],
        env={**os.environ, **env},
        cwd=REPO,
        stdin=follower,
        stdout=follower,
        stderr=follower,
    )
    os.close(follower)
    output = b""
    while True:  # read until the process closes the terminal
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    os.close(leader)
    assert process.wait(timeout=60) == 0, output
    assert b"verifying events" in output and b"100%" in output
