"""The API documentation page in a real browser with the internet cut off: headless Chromium
(Debian's, driven by Playwright) may reach the local server only, and Swagger UI still lists
every operation and runs one."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Request, Route

from tests.e2e.test_diagram_in_browser import CHROMIUM
from tests.live_server import free_port, motcua, running


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed (.ci/run installs it: apt-get install chromium)",
)
@pytest.mark.timeout(180)
def test_swagger_ui_renders_every_operation_offline(tmp_path: Path, chromium: Browser) -> None:
    env = {**os.environ, "MOTCUA_VAR_DIR": str(tmp_path / "var")}
    env.pop("MOTCUA_DATABASE_URL", None)
    motcua(env, "migrate")
    motcua(env, "deploy", "bpmn")
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    with running(env, port, tmp_path / "server.log") as server:
        status, spec = server.request("GET", "/openapi.json")
        assert status == 200
        verbs = {"get", "put", "post", "delete", "patch"}
        operations = sum(len(verbs & set(item)) for item in spec["paths"].values())
        outside: list[str] = []
        refused: list[str] = []

        def only_local(route: Route, request: Request) -> None:
            if request.url.startswith(origin + "/"):
                route.continue_()
            else:  # the internet is not there
                outside.append(request.url)
                route.abort()

        context = chromium.new_context()
        try:
            page = context.new_page()
            page.route("**/*", only_local)
            page.on(
                "console",
                lambda message: (
                    refused.append(message.text)
                    if "Content Security Policy" in message.text
                    else None
                ),
            )
            page.goto(f"{origin}/api/v1/docs", wait_until="load")
            page.wait_for_selector(".opblock", timeout=60_000)
            shown = page.locator(".opblock").count()
            paths = page.locator(".opblock-summary-path").all_inner_texts()

            catalogue = page.locator("#operations-procedures-get_api_v1_procedures")
            catalogue.locator(".opblock-summary").click()
            catalogue.locator("button.try-out__btn").click()
            catalogue.locator("button.execute").click()
            answer = catalogue.locator(".live-responses-table tbody .response-col_status").first
            answer.wait_for(timeout=30_000)
            answered = answer.inner_text().strip()
        finally:
            context.close()

    assert outside == []
    assert refused == []
    assert shown == operations
    assert any(path.replace("\u200b", "") == "/api/v1/dossiers/{code}" for path in paths)
    assert answered == "200"
