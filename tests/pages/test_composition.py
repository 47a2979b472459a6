"""One server, two entry points: `/api/...` reaches the JSON API, everything else the pages;
both share one engine; `motcua` keeps every command and gains `serve` from the composition root."""

from __future__ import annotations

from click.testing import CliRunner
from werkzeug.test import Client

from engine.context import EngineContext
from server.app import create_app
from server.cli import main


def test_paths_under_api_reach_the_api_and_the_rest_the_pages(ctx: EngineContext) -> None:
    app = create_app(context=ctx)
    client = Client(app)
    api = client.get("/api/v1/procedures")
    assert api.status_code == 200 and api.headers["Content-Type"] == "application/json"
    assert client.get("/api/nope").headers["Content-Type"] == "application/problem+json"
    assert client.get("/api").headers["Content-Type"] == "application/problem+json"
    page = client.get("/")
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    lookalike = client.get("/apiary")  # a page path, not the API
    assert lookalike.status_code == 404 and lookalike.headers["Content-Type"].startswith(
        "text/html"
    )
    assert app.api.extensions["motcua"] is app.web.extensions["motcua"] is app.context is ctx


def test_the_console_script_keeps_every_command_and_adds_serve() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in ("migrate", "deploy", "validate", "demo", "unit", "user", "consistency"):
        assert command in result.output
    for command in ("serve", "scheduler", "calendar", "audit"):
        assert command in result.output
    served = CliRunner().invoke(main, ["serve", "--help"])
    assert "web pages and the HTTP API" in served.output
