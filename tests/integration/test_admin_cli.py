"""The administrator's command line: list users and units, unlock and reactivate accounts."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from api.cli import main
from engine.clock import SystemClock
from engine.context import EngineContext
from engine.errors import AuthenticationError, TooManyAttemptsError
from engine.services import logins
from engine.settings import Settings
from tests.support import DEMO_PASSWORD


def _env(settings: Settings) -> dict[str, str]:
    return {
        "MOTCUA_DATABASE_URL": settings.database_url,
        "MOTCUA_VAR_DIR": str(settings.var_dir),
        "MOTCUA_SECRET_KEY": settings.secret_key,
        "MOTCUA_PASSWORD_TIME_COST": "1",
        "MOTCUA_PASSWORD_MEMORY_KIB": "64",
    }


def _run(ctx: EngineContext, *args: str) -> str:
    result = CliRunner().invoke(main, list(args), env=_env(ctx.settings))
    assert result.exit_code == 0, result.output
    return result.output


def test_list_unlock_deactivate_and_activate_from_the_command_line(ctx: EngineContext) -> None:
    ctx.clock = SystemClock()  # the command line runs on the real clock; so must the lock
    assert "000.00.08.H29    BHXH quận Hoàn Kiếm" in _run(ctx, "unit", "list")
    listed = _run(ctx, "user", "list", "--role", "leader").splitlines()
    assert [line.split()[0] for line in listed] == ["leader", "leader_other"]
    for _ in range(5):
        with pytest.raises((AuthenticationError, TooManyAttemptsError)):  # 401s, then 429
            logins.login(ctx, "leader", "wrong-password")
    assert ", locked until " in _run(ctx, "user", "list", "--role", "leader")
    with pytest.raises(TooManyAttemptsError):
        logins.login(ctx, "leader", DEMO_PASSWORD)
    assert _run(ctx, "user", "unlock", "leader") == "user leader unlocked\n"
    assert logins.login(ctx, "leader", DEMO_PASSWORD).access_token
    _run(ctx, "user", "deactivate", "leader")
    assert " inactive " in _run(ctx, "user", "list", "--unit", "000.00.07.H29")
    _run(ctx, "user", "activate", "leader")
    assert logins.login(ctx, "leader", DEMO_PASSWORD).access_token
