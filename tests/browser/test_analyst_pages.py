"""The analysts' pages in Chromium (issue 16): an analyst uploads a broken diagram and sees the
error marked on the element by bpmn-js (marker class on the element's SVG group, overlay with
the message); the heatmap puts each step's figures on the diagram; without JavaScript the
server's SVG and the tables remain. Every page scanned by axe-core and photographed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.chromium import assert_accessible, screenshots
from tests.bundles import procedure_bundle
from tests.live_server import DemoServer
from tests.support import ACCEPT, submission

pytestmark = pytest.mark.timeout(300)
KEY = "cap_lai_the_bhyt"


def login_as_analyst(page: Page, live: DemoServer) -> None:
    page.goto(live.url("/dang-nhap"))
    page.get_by_label("Tên đăng nhập").fill("analyst")
    page.get_by_label("Mật khẩu").fill("analyst-demo-2026")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page).to_have_url(live.url("/can-bo"))


@pytest.fixture(scope="module")
def broken_bundle(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """cap_lai_the_bhyt without its appraisal form: the task `appraise` names a missing form."""
    folder = tmp_path_factory.mktemp("bundle")
    files = procedure_bundle()
    del files["appraisal.json"]
    paths = []
    for name, content in files.items():
        (folder / name).write_bytes(content)
        paths.append(folder / name)
    return paths


@pytest.fixture(scope="module")
def dossiers(live: DemoServer) -> None:
    """Two dossiers: one waits at reception's check, one was accepted and waits for appraisal."""
    live.submit(submission())
    accepted = live.submit(submission())
    live.act(accepted["code"], "reception", ACCEPT)


def test_a_broken_upload_is_marked_on_the_element(
    page: Page, live: DemoServer, broken_bundle: list[Path]
) -> None:
    login_as_analyst(page, live)
    page.get_by_role("link", name="Quy trình", exact=True).click()
    assert_accessible(page)
    screenshots(page, "analyst-procedures")
    page.get_by_role("link", name="Tải lên quy trình").click()
    page.get_by_label("Các tệp của gói quy trình").set_input_files(broken_bundle)
    page.get_by_role("button", name="Kiểm tra").click()
    expect(page.locator("[data-error-summary]")).to_contain_text("chưa thể triển khai")
    figure = page.locator("[data-bpmn-diagram]")
    expect(figure).to_have_attribute("data-diagram-ready", "true")
    element = page.locator(".djs-element[data-element-id='appraise']")
    expect(element).to_have_class(re.compile(r"\bmotcua-error\b"))
    overlay = page.locator(".djs-overlays[data-container-id='appraise'] .diagram-overlay--error")
    expect(overlay).to_contain_text("appraisal")
    expect(page.locator("[data-diagram-fallback]")).to_be_hidden()
    assert_accessible(page)
    screenshots(page, "analyst-upload-errors")


def test_the_heatmap_puts_each_steps_figures_on_the_diagram(
    page: Page, live: DemoServer, dossiers: None
) -> None:
    login_as_analyst(page, live)
    page.goto(live.url(f"/can-bo/quy-trinh/{KEY}/ban-do-nhiet"))
    expect(page.locator("[data-bpmn-diagram]")).to_have_attribute("data-diagram-ready", "true")
    for step in ("check_dossier", "appraise"):
        expect(page.locator(f".djs-element[data-element-id='{step}']")).to_have_class(
            re.compile(r"\bmotcua-heat-\d\b")
        )
        overlay = page.locator(f".djs-overlays[data-container-id='{step}'] .diagram-overlay--heat")
        expect(overlay).to_contain_text("Đang: 1")
    assert_accessible(page)
    screenshots(page, "analyst-heatmap")


def test_without_javascript_the_server_svg_and_the_table_remain(
    page_without_javascript: Page, live: DemoServer, dossiers: None
) -> None:
    page = page_without_javascript
    login_as_analyst(page, live)
    page.goto(live.url(f"/can-bo/quy-trinh/{KEY}/ban-do-nhiet"))
    expect(page.locator("[data-diagram-fallback] svg")).to_be_visible()
    expect(page.locator("tr[data-heat-step][data-element-id='check_dossier']")).to_contain_text("1")
    page.goto(live.url(f"/can-bo/quy-trinh/{KEY}/phien-ban/1"))
    expect(page.locator("[data-diagram-fallback] svg")).to_be_visible()
    screenshots(page, "analyst-version-nojs")


def test_version_and_diff_pages_pass_axe(page: Page, live: DemoServer) -> None:
    login_as_analyst(page, live)
    page.goto(live.url(f"/can-bo/quy-trinh/{KEY}"))
    assert_accessible(page)
    screenshots(page, "analyst-versions")
    page.goto(live.url(f"/can-bo/quy-trinh/{KEY}/phien-ban/1"))
    expect(page.locator("[data-bpmn-diagram]")).to_have_attribute("data-diagram-ready", "true")
    assert_accessible(page)
    screenshots(page, "analyst-version")
    page.goto(live.url(f"/can-bo/quy-trinh/{KEY}/so-sanh?tu=1&den=1"))
    assert_accessible(page)
    screenshots(page, "analyst-diff")
