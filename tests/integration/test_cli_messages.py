"""What a newcomer meets at the command line: a version, reasons instead of bare exit codes,
checks before a password prompt, plain messages, and times written one way (ISO 8601 with the
offset, in the deployment's time zone) in every command's output."""

from __future__ import annotations

import json
import re
from datetime import datetime
from importlib.metadata import version
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from api.cli import main
from engine.clock import SystemClock
from engine.context import EngineContext
from engine.errors import AuthenticationError, TooManyAttemptsError
from engine.services import logins
from tests.support import ACCEPT, HttpApi

#: A moment as the command line writes it: local time with the +07:00 offset of Asia/Ho_Chi_Minh.
LOCAL_MOMENT = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+07:00")


def motcua(env: dict[str, str], *args: str, given: str | None = None) -> Result:
    return CliRunner().invoke(main, list(args), env=env, input=given, catch_exceptions=False)


def test_version() -> None:
    shown = CliRunner().invoke(main, ["--version"])
    assert shown.exit_code == 0
    assert shown.output == f"motcua {version('motcua')}\n"


def test_validate_with_nothing_to_check_says_why(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "form.json").write_text("{}")
    for paths in ([str(tmp_path / "empty")], [str(tmp_path / "form.json")]):
        result = CliRunner().invoke(main, ["validate", *paths], prog_name="motcua")
        assert result.exit_code == 2, result.output
        assert "nothing to check: no .bpmn file in" in result.output
        assert "Usage: motcua validate" in result.output


@pytest.mark.parametrize(
    ("options", "reason"),
    [
        (["--role", "chef"], "unknown role chef; the roles are admin, analyst, auditor, citizen"),
        (["--role", "reception"], "officers belong to a unit"),
        (["--role", "reception", "--unit", "000.99.99.H99"], "no unit 000.99.99.H99"),
    ],
)
def test_user_add_checks_roles_and_unit_before_asking_for_a_password(
    cli_env: dict[str, str], ctx: EngineContext, options: list[str], reason: str
) -> None:
    refused = motcua(cli_env, "user", "add", "newbie", *options, given="pw-newbie-2026\n" * 2)
    assert refused.exit_code == 2
    assert "Password" not in refused.output
    assert reason in refused.output
    assert "<Role" not in refused.output and "['" not in refused.output  # no Python reprs
    assert "newbie" not in motcua(cli_env, "user", "list").output


def test_user_add_asks_for_the_password_once_the_account_is_sound(
    cli_env: dict[str, str], ctx: EngineContext
) -> None:
    options = ["--role", "reception", "--unit", "000.00.07.H29"]
    added = motcua(cli_env, "user", "add", "newbie", *options, given="pw-newbie-2026\n" * 2)
    assert added.exit_code == 0, added.output
    assert "Password" in added.output and "user newbie added with roles reception" in added.output


def test_user_list_shows_a_lock_with_its_offset(
    cli_env: dict[str, str], ctx: EngineContext
) -> None:
    ctx.clock = SystemClock()  # the command line runs on the real clock; so must the lock
    for _ in range(5):
        with pytest.raises((AuthenticationError, TooManyAttemptsError)):
            logins.login(ctx, "leader", "wrong-password")
    listed = motcua(cli_env, "user", "list", "--role", "leader").output
    locked = re.search(r"locked until (\S+)", listed)
    assert locked is not None and LOCAL_MOMENT.fullmatch(locked.group(1)), listed


def test_audit_commands_write_local_times_with_their_offset(
    cli_env: dict[str, str], http: HttpApi
) -> None:
    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    assert motcua(cli_env, "audit", "checkpoint").exit_code == 0
    verified = motcua(cli_env, "audit", "verify").output
    latest = re.search(r"latest checkpoint #1 of (\S+)", verified)
    assert latest is not None and LOCAL_MOMENT.fullmatch(latest.group(1)), verified

    replayed = motcua(cli_env, "audit", "replay", code).output
    received = re.search(r"^received_at: (\S+)$", replayed, re.MULTILINE)
    assert received is not None and received.group(1) == "2026-03-10T09:00:00+07:00", replayed

    as_json = json.loads(motcua(cli_env, "audit", "replay", code, "--json").output)
    moments = [as_json["dossier"][k] for k in ("submitted_at", "received_at", "due_at")]
    assert all(LOCAL_MOMENT.fullmatch(moment) for moment in moments), moments
    assert datetime.fromisoformat(moments[1]) == datetime.fromisoformat(received.group(1))


def test_numbers_beyond_bigint_are_usage_errors_not_tracebacks(
    cli_env: dict[str, str], http: HttpApi
) -> None:
    code = http.submit()["code"]
    big = str(2**63)
    for args in (
        ("audit", "replay", code, "--until", big),
        ("calendar", "show", "--version", big),
        ("calendar", "show", "--year", big),
    ):
        result = CliRunner().invoke(main, list(args), env=cli_env)
        assert result.exit_code == 2, (args, result.output)
        assert "is not in the range" in result.output, result.output
