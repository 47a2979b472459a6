"""MOTCUA_ENV=production: no default or weak secret, no demo accounts, HSTS."""

from __future__ import annotations

import dataclasses
import secrets
from pathlib import Path

import pytest
from click.testing import CliRunner

from api import create_app
from api.cli import main
from engine.context import EngineContext
from engine.documents import ensure_development_ca, pkcs12_path
from engine.errors import AuthenticationError
from engine.issuing.signers import ConfiguredSigners, signers_from_settings
from engine.services import logins, users
from engine.services.users import NewUser
from engine.settings import Settings, SettingsError
from tests.conftest import ADMIN, START
from tests.documents_support import licensed_ca
from tests.support import OTHER_UNIT, UNIT

GOOD_SECRET = "kJ3v_9QzR1m-Xp7LwT0aYc5NbHs2UeFd8GiOr4Vt6Wq"  # what token_urlsafe gives


def _production(tmp_path: Path, **env: str) -> Settings:
    return Settings.from_env({"MOTCUA_ENV": "production", "MOTCUA_VAR_DIR": str(tmp_path), **env})


@pytest.mark.parametrize(
    "secret",
    [
        None,
        "",
        "changeme",
        "secret",
        "short-but-random-1234",
        "k" * 48,  # long, one letter
        "ab" * 24,  # two letters
        "0123456789abcdef" * 3,  # a pattern repeated
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa0123456789",  # mostly one letter
    ],
)
def test_production_refuses_a_missing_default_short_or_low_entropy_secret(
    tmp_path: Path, secret: str | None
) -> None:
    env = {} if secret is None else {"MOTCUA_SECRET_KEY": secret}
    with pytest.raises(SettingsError, match="MOTCUA_SECRET_KEY"):
        _production(tmp_path, **env)
    assert not (tmp_path / "secret_key").exists()  # no generated fallback in production
    assert _production(tmp_path, MOTCUA_SECRET_KEY=GOOD_SECRET).secret_from_environment
    for _ in range(20):  # what the documentation tells operators to use always passes
        assert _production(tmp_path, MOTCUA_SECRET_KEY=secrets.token_urlsafe(48))
        assert _production(tmp_path, MOTCUA_SECRET_KEY=secrets.token_hex(32))


def test_production_refuses_to_start_while_demo_accounts_are_active(ctx: EngineContext) -> None:
    users.create_user(
        ctx, ADMIN, NewUser("demo.citizen", "demo-password-1", "Demo", ("citizen",), None, True)
    )
    ctx.settings = dataclasses.replace(ctx.settings, env="production")
    with pytest.raises(SettingsError, match="demo accounts exist"):
        create_app(context=ctx)
    users.deactivate_user(ctx, ADMIN, "demo.citizen")
    ctx.signers = licensed_signers(ctx.settings.var_dir / "keys")
    app = create_app(context=ctx)
    response = app.test_client().get("/api/v1/procedures")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_a_demo_account_cannot_log_in_or_use_an_old_token_in_production(
    ctx: EngineContext,
) -> None:
    users.create_user(
        ctx, ADMIN, NewUser("demo.officer", "demo-password-1", "Demo", ("auditor",), None, True)
    )
    token = logins.login(ctx, "demo.officer", "demo-password-1").access_token
    assert logins.authenticate(ctx, token).username == "demo.officer"
    ctx.settings = dataclasses.replace(ctx.settings, env="production")
    with pytest.raises(AuthenticationError, match="demo accounts cannot be used in production"):
        logins.login(ctx, "demo.officer", "demo-password-1")
    with pytest.raises(AuthenticationError, match="demo accounts"):
        logins.authenticate(ctx, token)
    with ctx.uow(write=False) as uow:
        last = uow.events.for_chain("system")[-1]
        assert (last.type, last.payload["reason"]) == (
            "login_failed",
            "demo_account_in_production",
        )


def test_the_demo_command_is_refused_in_production(tmp_path: Path) -> None:
    env = {
        "MOTCUA_ENV": "production",
        "MOTCUA_SECRET_KEY": GOOD_SECRET,
        "MOTCUA_VAR_DIR": str(tmp_path),
        "MOTCUA_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
    }
    result = CliRunner().invoke(main, ["demo"], env=env)
    assert result.exit_code != 0 and "refused with MOTCUA_ENV=production" in result.output


def licensed_signers(directory: Path) -> ConfiguredSigners:
    roots = licensed_ca(directory, [(UNIT, "BHXH quận Ba Đình"), (OTHER_UNIT, "BHXH Hoàn Kiếm")])
    return ConfiguredSigners(directory, roots, None)


def test_production_refuses_to_start_without_each_unit_s_real_signing_key(
    ctx: EngineContext, tmp_path: Path
) -> None:
    ctx.settings = dataclasses.replace(ctx.settings, env="production")
    ctx.signers = signers_from_settings(ctx.settings)  # no keys configured
    with pytest.raises(SettingsError, match="MOTCUA_DOCUMENT_KEYS_DIR"):
        create_app(context=ctx)
    development = tmp_path / "dev-ca"
    root = ensure_development_ca(development, [(UNIT, "BHXH"), (OTHER_UNIT, "BHXH")], START)
    ctx.signers = ConfiguredSigners(development, root, None)
    with pytest.raises(SettingsError, match="TRUST_ROOTS .*development"):
        create_app(context=ctx)
    licensed = licensed_signers(tmp_path / "keys")
    pkcs12_path(tmp_path / "keys", OTHER_UNIT).unlink()
    ctx.signers = licensed
    with pytest.raises(SettingsError, match=f"signing key of unit {OTHER_UNIT}: no signing key"):
        create_app(context=ctx)
    ctx.signers = licensed_signers(tmp_path / "keys")
    create_app(context=ctx)


def test_the_scheduler_refuses_to_start_in_production_without_signing_keys(tmp_path: Path) -> None:
    env = {
        "MOTCUA_ENV": "production",
        "MOTCUA_SECRET_KEY": GOOD_SECRET,
        "MOTCUA_VAR_DIR": str(tmp_path),
        "MOTCUA_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
    }
    assert CliRunner().invoke(main, ["migrate"], env=env).exit_code == 0
    result = CliRunner().invoke(main, ["scheduler", "--once"], env=env)
    assert result.exit_code != 0
    assert "MOTCUA_DOCUMENT_KEYS_DIR" in result.output
    assert "timer(s) fired" not in result.output
