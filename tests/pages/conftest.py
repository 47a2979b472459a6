"""The web pages' own app on the test's database (the composed server is tested in
test_composition.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

import web
from engine.context import EngineContext
from tests.conftest import failing_on_5xx
from tests.pages.browsing import Browser


@pytest.fixture
def web_app(ctx: EngineContext) -> Iterator[Flask]:
    with failing_on_5xx(web.create_app(context=ctx)) as application:
        yield application


@pytest.fixture
def browser(web_app: Flask) -> Browser:
    return Browser(web_app.test_client())


@pytest.fixture
def other_browser(web_app: Flask) -> Browser:
    return Browser(web_app.test_client())
