"""The web pages' own app on the test's database (the composed server is tested in
test_composition.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask, Response

import web
from engine.context import EngineContext
from tests.pages.browsing import Browser


@pytest.fixture
def web_app(ctx: EngineContext) -> Iterator[Flask]:
    application = web.create_app(context=ctx)
    application.config["TESTING"] = True
    server_errors: list[str] = []

    @application.after_request
    def _record_5xx(response: Response) -> Response:
        if response.status_code >= 500:
            server_errors.append(f"{response.status_code} {response.get_data(as_text=True)[:300]}")
        return response

    yield application
    assert not server_errors, f"pages answered with 5xx: {server_errors}"


@pytest.fixture
def browser(web_app: Flask) -> Browser:
    return Browser(web_app.test_client())


@pytest.fixture
def other_browser(web_app: Flask) -> Browser:
    return Browser(web_app.test_client())
