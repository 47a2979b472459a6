"""Shared fixtures: a migrated database per test, a frozen clock, the deployed procedures,
demo units and accounts, the Flask app and an HTTP helper that logs in as anyone."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from flask import Flask, Response
from flask.testing import FlaskClient
from playwright.sync_api import Browser, sync_playwright

from api import create_app
from engine.clock import FrozenClock
from engine.context import EngineContext, build
from engine.definitions.bundles import bundle_from_directory
from engine.security.authz import Actor
from engine.services import definitions, grants, units, users
from engine.services.users import NewUser
from engine.settings import Settings
from storage.migrate import upgrade
from tests.browser.chromium import CHROMIUM, FLAGS
from tests.databases import SKIP_REASON, PostgresTestDatabase, postgres_admin_url
from tests.seeded import SeededRows
from tests.support import DEMO_PASSWORD, OTHER_UNIT, UNIT, USERS, HttpApi

REPO = Path(__file__).resolve().parent.parent
#: bhxh_mot_lan drawn in SpiffArena and in plain bpmn.io: they prove the three modelers run the
#: same procedure; they are not services, so they are not in bpmn/.
DIALECTS_DIR = REPO / "tests" / "fixtures" / "dialects"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
#: Tuesday 10 March 2026, 09:00 in Hanoi: an ordinary working morning.
START = datetime(2026, 3, 10, 9, 0, tzinfo=VN)
ADMIN = Actor(user_id=None, username="test-admin", roles=frozenset({"admin"}), unit_code=None)
#: The second administrator who approves the role grants `ADMIN` asks for (issue 12, C11).
SECOND_ADMIN = Actor(
    user_id=None, username="test-admin-2", roles=frozenset({"admin"}), unit_code=None
)


def pytest_report_header() -> str:
    admin = postgres_admin_url()
    return f"database: PostgreSQL ({admin.rsplit('@', 1)[-1]})" if admin else "database: SQLite"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if postgres_admin_url() is None:
        for item in items:
            if "postgres" in item.keywords:
                item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresTestDatabase | None]:
    """The run's own PostgreSQL database, or None when the suite runs on SQLite."""
    admin_url = postgres_admin_url()
    if admin_url is None:
        yield None
        return
    database = PostgresTestDatabase(admin_url)
    yield database
    database.drop()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def make_settings(var_dir: Path, database_url: str, **extra: str) -> Settings:
    """`extra`: more MOTCUA_* variables (e.g. MOTCUA_DVCQG_URL)."""
    return Settings.from_env(
        {
            **extra,
            "MOTCUA_ENV": "test",
            "MOTCUA_VAR_DIR": str(var_dir),
            "MOTCUA_DATABASE_URL": database_url,
            "MOTCUA_SECRET_KEY": "test-secret-" + "x" * 40,
            "MOTCUA_BPMN_DIR": str(REPO / "bpmn"),
            "MOTCUA_FORMS_DIR": str(REPO / "forms"),
            "MOTCUA_PASSWORD_TIME_COST": "1",
            "MOTCUA_PASSWORD_MEMORY_KIB": "64",
        }
    )


@pytest.fixture
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, postgres: PostgresTestDatabase | None
) -> str:
    """An empty, migrated database for this test alone."""
    if postgres is not None:
        postgres.reset()
        return postgres.url
    path = tmp_path / "motcua.db"
    shutil.copyfile(request.getfixturevalue("migrated_template"), path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    """A headless Chromium for one test module. Playwright's sync API allows a single driver per
    thread and keeps an asyncio loop running in it while it lives, so it must stop before other
    modules run (pyHanko's signing calls asyncio.run, which refuses inside a running loop)."""
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path / "var", database_url)


@pytest.fixture
def bare_ctx(settings: Settings, clock: FrozenClock) -> Iterator[EngineContext]:
    """A context on an empty, migrated database."""
    context = build(settings, clock=clock)
    yield context
    context.close()


@pytest.fixture(scope="session")
def seeded_rows(
    tmp_path_factory: pytest.TempPathFactory, postgres: PostgresTestDatabase | None
) -> SeededRows:
    """What `seed` writes with the default settings at `START`, seeded once for the run."""
    if postgres is not None:
        postgres.reset()
        url = postgres.url
    else:
        path = tmp_path_factory.mktemp("seeded") / "seeded.db"
        upgrade(f"sqlite:///{path}")
        url = f"sqlite:///{path}"
    context = build(
        make_settings(tmp_path_factory.mktemp("seeded-var"), url), clock=FrozenClock(START)
    )
    try:
        seed(context)
        rows = SeededRows.capture(context.db.engine)
    finally:
        context.close()
    if postgres is not None:
        postgres.reset()
    return rows


@pytest.fixture
def ctx(seeded_rows: SeededRows, bare_ctx: EngineContext, clock: FrozenClock) -> EngineContext:
    """A context with bpmn/ deployed and the test units and accounts created."""
    settings = bare_ctx.settings
    if clock.now() == START and settings == make_settings(settings.var_dir, settings.database_url):
        seeded_rows.restore(bare_ctx.db.engine)
    else:
        seed(bare_ctx)
    return bare_ctx


#: The procedures every test's context has deployed: the ones the tests drive. The others of
#: bpmn/ are deployed by their own tests (their scenarios, the deploy corpus), which keeps the
#: cost of a test's setup from growing with the catalogue.
SEEDED_PROCEDURES = ("bhxh_mot_lan", "cap_lai_the_bhyt")


def seed(context: EngineContext) -> None:
    for key in SEEDED_PROCEDURES:
        definitions.deploy(
            context, ADMIN, bundle_from_directory(REPO / "bpmn" / f"{key}.bpmn", REPO / "forms")
        )
    for code, name in ((UNIT, "BHXH quận Ba Đình"), (OTHER_UNIT, "BHXH quận Hoàn Kiếm")):
        units.create_unit(context, ADMIN, code, name)
    for username, (roles, unit) in USERS.items():
        users.create_user(
            context,
            ADMIN,
            NewUser(username, DEMO_PASSWORD, username.title(), tuple(roles.split(",")), unit),
        )
    # Roles reading every unit's dossiers (auditor) wait for a second administrator.
    for grant in grants.list_grants(context, ADMIN, "pending", 1, 100).items:
        grants.approve_grant(context, SECOND_ADMIN, grant.id)


@pytest.fixture
def cli_env(settings: Settings) -> dict[str, str]:
    """The environment a `motcua` command needs to reach this test's database."""
    return {
        "MOTCUA_ENV": "test",
        "MOTCUA_DATABASE_URL": settings.database_url,
        "MOTCUA_VAR_DIR": str(settings.var_dir),
        "MOTCUA_SECRET_KEY": settings.secret_key,
        "MOTCUA_PASSWORD_TIME_COST": "1",
        "MOTCUA_PASSWORD_MEMORY_KIB": "64",
    }


@pytest.fixture
def dialect_copies(ctx: EngineContext) -> EngineContext:
    """`ctx` with the dialect copies of bhxh_mot_lan deployed too (`DIALECTS_DIR`)."""
    definitions.deploy_directory(ctx, ADMIN, DIALECTS_DIR, DIALECTS_DIR / "forms")
    return ctx


@contextmanager
def failing_on_5xx(application: Flask) -> Iterator[Flask]:
    """The app in testing mode; leaving the block fails if any request was answered with 5xx."""
    application.config["TESTING"] = True
    server_errors: list[str] = []

    @application.after_request
    def _record_5xx(response: Response) -> Response:
        if response.status_code >= 500:
            server_errors.append(f"{response.status_code} {response.get_data(as_text=True)[:300]}")
        return response

    yield application
    assert not server_errors, f"requests answered with 5xx: {server_errors}"


@pytest.fixture
def app(ctx: EngineContext) -> Iterator[Flask]:
    with failing_on_5xx(create_app(context=ctx)) as application:
        yield application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def http(client: FlaskClient) -> HttpApi:
    return HttpApi(client)
