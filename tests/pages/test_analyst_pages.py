"""The analysts' pages (issue 16): procedures and versions, a version's diagram, the diff, the
upload of a bundle with its problems listed and marked on the diagram, and the heatmap; who may
see them."""

from __future__ import annotations

import io
from typing import Any

import pytest

from tests.bundles import DIAGRAM, KEY, procedure_bundle, with_archive_step
from tests.pages.browsing import Browser, Page
from tests.support import ACCEPT, HttpApi

LIST = "/can-bo/quy-trinh"
UPLOAD = "/can-bo/quy-trinh/tai-len"


def upload(browser: Browser, files: dict[str, bytes], action: str, expect: int) -> Page:
    parts: list[Any] = [(io.BytesIO(content), name) for name, content in files.items()]
    return browser.post(UPLOAD, {"tep": parts, "hanh_dong": action}, expect=expect)


@pytest.fixture
def analyst(browser: Browser) -> Browser:
    browser.login("analyst")
    return browser


def test_analyst_sees_procedures_versions_and_a_version_diagram(analyst: Browser) -> None:
    home = analyst.get("/can-bo")
    assert "Quy trình" in home.text("//nav")
    listing = analyst.get(LIST)
    assert KEY in listing.text() and "Tải lên quy trình" in listing.text()
    versions = analyst.get(f"{LIST}/{KEY}")
    assert "Phiên bản 1" in versions.text()
    page = analyst.get(f"{LIST}/{KEY}/phien-ban/1")
    [figure] = page.all("//figure[@data-bpmn-diagram]")
    assert figure.get("data-source-url") == f"{LIST}/{KEY}/phien-ban/1/so-do.bpmn"
    assert page.all("//*[@data-diagram-fallback]//*[local-name()='svg']")
    source = analyst.client.get(figure.get("data-source-url"))
    assert source.status_code == 200 and source.mimetype == "application/xml"
    assert b'id="check_dossier"' in source.data
    analyst.get(f"{LIST}/khong_co", expect=404)
    analyst.get(f"{LIST}/{KEY}/phien-ban/9", expect=404)


def test_a_broken_bundle_lists_its_problems_and_marks_the_element(analyst: Browser) -> None:
    files = procedure_bundle()
    del files["appraisal.json"]
    page = upload(analyst, files, "kiem_tra", 422)
    assert "Gói quy trình có" in page.text("//*[@data-error-summary]")
    rows = page.all("//tr[@data-diagram-problem][@data-element-id='appraise']")
    assert rows, page.text()
    cells = [" ".join(td.text_content().split()) for td in rows[0].xpath("td")]
    assert cells[1:4] == [DIAGRAM, "158", "appraise"]
    assert "appraisal" in rows[0].get("data-message")
    marked = page.all("//*[@data-diagram-fallback]//*[@data-element-id='appraise']")
    assert "state-error" in marked[0].get("class")
    assert page.all("//textarea[@id='bpmn-source']")[0].text.startswith("<?xml")
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")
    assert not page.all("//script[not(@src)]")
    nothing = analyst.post(UPLOAD, {"hanh_dong": "kiem_tra"}, expect=422)
    assert "ít nhất một tệp" in nothing.text()


def test_check_then_deploy_a_new_version_and_see_the_diff(analyst: Browser) -> None:
    files = with_archive_step(procedure_bundle())
    checked = upload(analyst, files, "kiem_tra", 200)
    assert "hợp lệ" in checked.text()
    response = analyst.client.post(
        UPLOAD,
        data={
            "csrf_token": analyst.get(UPLOAD).csrf_token(),
            "tep": [(io.BytesIO(content), name) for name, content in files.items()],
            "hanh_dong": "trien_khai",
        },
    )
    assert response.status_code == 302 and response.location.endswith(f"{LIST}/{KEY}")
    versions = analyst.get(f"{LIST}/{KEY}")
    assert "Đã triển khai phiên bản 2" in versions.text()
    diff = analyst.get(f"{LIST}/{KEY}/so-sanh?tu=1&den=2")
    assert "archive" in diff.text() and "Lưu trữ hồ sơ" in diff.text()
    analyst.get(f"{LIST}/{KEY}/so-sanh?tu=1&den=7", expect=422)
    analyst.get(f"{LIST}/{KEY}/so-sanh?tu=abc", expect=422)


def test_heatmap_shows_each_step_with_its_figures(analyst: Browser, http: HttpApi) -> None:
    http.act(http.submit()["code"], "reception", ACCEPT)
    http.submit()
    page = analyst.get(f"{LIST}/{KEY}/ban-do-nhiet")
    steps = {row.get("data-element-id"): row for row in page.all("//tr[@data-heat-step]")}
    assert set(steps) == {"check_dossier", "appraise"}
    waiting = [" ".join(td.text_content().split()) for td in steps["check_dossier"].xpath("td")]
    assert waiting[0] == "1" and waiting[2] == "1"  # one waits, one was completed
    assert "Đang: 1" in steps["appraise"].get("data-overlay")
    assert page.all("//figure[@data-bpmn-diagram]")
    bad = analyst.get(f"{LIST}/{KEY}/ban-do-nhiet?tu=2026-13-01", expect=422)
    assert bad.field_error("tu")
    reversed_period = analyst.get(f"{LIST}/{KEY}/ban-do-nhiet?tu=2026-03-31&den=2026-03-01", 422)
    assert reversed_period.field_error("den")
    analyst.get(f"{LIST}/khong_co/ban-do-nhiet", expect=404)


@pytest.mark.parametrize("user", ["specialist", "leader", "reception", "citizen"])
def test_other_roles_are_refused(browser: Browser, user: str) -> None:
    browser.login(user)
    for path in (LIST, f"{LIST}/{KEY}", f"{LIST}/{KEY}/ban-do-nhiet", UPLOAD):
        browser.get(path, expect=403)
    assert "Quy trình" not in browser.get("/", expect=None).text("//nav")


def test_auditors_read_but_do_not_upload(browser: Browser) -> None:
    browser.login("auditor")
    assert "Tải lên quy trình" not in browser.get(LIST).text()
    browser.get(f"{LIST}/{KEY}/ban-do-nhiet")
    browser.get(UPLOAD, expect=403)


def test_anonymous_visitors_are_sent_to_the_login(browser: Browser) -> None:
    response = browser.client.get(f"{LIST}/{KEY}")
    assert response.status_code == 302 and "/dang-nhap" in response.location
