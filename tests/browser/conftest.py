"""A real `motcua serve` (API and pages, gunicorn) with the demo accounts, and Chromium driven by
Playwright. Without Chromium every browser test is skipped and says why."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import Browser, BrowserContext, Page
from werkzeug.serving import make_server

import web
from engine.context import EngineContext
from server.cli import main
from tests.browser.chromium import CHROMIUM_FOUND, SKIP_REASON
from tests.live_server import REPO, DemoServer, free_port
from tests.pages.form_harness import register

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CHROMIUM_FOUND:
        return
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.skip(reason=SKIP_REASON))


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DemoServer]:
    """`motcua serve` on a fresh database with bpmn/ deployed and the demo accounts."""
    var = tmp_path_factory.mktemp("browser") / "var"
    env = {
        **os.environ,
        "MOTCUA_VAR_DIR": str(var),
        "MOTCUA_BPMN_DIR": str(REPO / "bpmn"),
        "MOTCUA_FORMS_DIR": str(REPO / "forms"),
        "MOTCUA_PASSWORD_MEMORY_KIB": "64",
        "MOTCUA_PASSWORD_TIME_COST": "1",
        # The tests look up and log in far more often than a person; the limits have tests of
        # their own (tests/pages/test_security.py).
        "MOTCUA_RATELIMIT_PUBLIC": "10000/minute",
        "MOTCUA_RATELIMIT_LOGIN": "10000/minute",
        "MOTCUA_RATELIMIT_UPLOAD": "10000/minute",
        # Account links and notifications as files (tests/browser/test_citizen_journey.py).
        "MOTCUA_MAIL_DIR": str(var / "mail"),
    }
    env.pop("MOTCUA_DATABASE_URL", None)
    for command in (["migrate"], ["deploy"], ["demo"]):  # in this process: faster
        result = CliRunner(env=env).invoke(main, command, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    server = DemoServer(env, free_port(), Path(var).parent / "server.log")
    server.start()
    yield server
    server.stop()


def new_context(chromium: Browser, *, javascript: bool = True) -> BrowserContext:
    return chromium.new_context(
        locale="vi-VN",
        timezone_id="Asia/Ho_Chi_Minh",
        viewport={"width": 1280, "height": 900},
        java_script_enabled=javascript,
    )


@pytest.fixture
def console_errors() -> list[str]:
    """Script errors and CSP reports of the page; a test that provokes one removes it."""
    return []


@pytest.fixture
def page(chromium: Browser, console_errors: list[str]) -> Iterator[Page]:
    """A fresh visitor with JavaScript; the test fails on any script error or CSP report."""
    context = new_context(chromium)
    visitor = context.new_page()
    visitor.on("console", lambda m: console_errors.append(m.text) if m.type == "error" else None)
    visitor.on("pageerror", lambda e: console_errors.append(str(e)))
    yield visitor
    context.close()
    unexpected = [p for p in console_errors if "status of 4" not in p]  # 4xx pages are expected
    assert not unexpected, unexpected


@pytest.fixture
def page_without_javascript(chromium: Browser) -> Iterator[Page]:
    context = new_context(chromium, javascript=False)
    yield context.new_page()
    context.close()


@pytest.fixture
def origin(ctx: EngineContext) -> Iterator[str]:
    """The web pages alone, with the tests' form page, served from a thread of this process on
    the test's database (for what needs no gunicorn: the form renderer, the vendor files)."""
    app = web.create_app(context=ctx)
    register(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
