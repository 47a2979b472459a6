"""Hồ sơ của tôi in Chromium: a demo citizen's dossier of cap_lai_the_bhyt gets a supplement
request (officers act through the API), the citizen supplements on the page, the officers
finish, the citizen downloads a document and rates; another citizen cannot open the pages; the
withdrawal asks before it acts; the statistics page and the lookup (without JavaScript). Each
page is scanned by axe-core and photographed at 375 and 1280 px under var/screenshots/."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import FilePayload, Page, expect

from tests.browser.chromium import assert_accessible, screenshots
from tests.live_server import DemoServer
from tests.support import (
    ACCEPT,
    APPRAISE,
    LEADER_APPROVE,
    RETURN,
    SUPPLEMENT,
    applicant,
    submission,
)

pytestmark = pytest.mark.timeout(300)
WIDTHS = ((375, 812), (1280, 900))
PDF = b"%PDF-1.4\n% ban sao CCCD\n"


@pytest.fixture(scope="module")
def dossier(live: DemoServer) -> dict[str, str]:
    return live.submit(submission())


def login(page: Page, live: DemoServer, username: str) -> None:
    page.goto(live.url("/dang-nhap"))
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(f"{username}-demo-2026")
    page.get_by_role("button", name="Đăng nhập").click()


def checked(page: Page, name: str) -> None:
    assert_accessible(page)
    screenshots(page, name, WIDTHS)


def test_a_citizen_supplements_follows_downloads_and_rates(
    page: Page, live: DemoServer, dossier: dict[str, str]
) -> None:
    login(page, live, "citizen")
    supplement_follow_download_and_rate(page, live, dossier["code"], shots=True)


def supplement_follow_download_and_rate(
    page: Page, live: DemoServer, code: str, *, shots: bool = False
) -> None:
    """From a submitted dossier of the citizen logged in on `page`: reception asks for a
    supplement, the citizen supplements with a scan on the dossier's page, the officers finish,
    the citizen downloads a document and rates (once per criterion)."""
    files_before = [
        f["name"] for f in live.call("GET", f"/dossiers/{code}/files", "reception")[1]["items"]
    ]
    live.act(code, "reception", SUPPLEMENT)
    page.goto(live.url("/ho-so-cua-toi"))
    expect(page.get_by_role("row", name=code)).to_contain_text("Yêu cầu bổ sung giấy tờ")
    if shots:
        checked(page, "my-dossiers")

    page.get_by_role("link", name=code).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Hồ sơ {code}")
    expect(page.locator("#bo-sung")).to_contain_text("Bản sao CCCD")
    if shots:
        checked(page, "dossier-supplement-requested")

    page.get_by_role("link", name="Bổ sung hồ sơ").click()
    expect(page.locator("#f-full_name")).to_have_value(applicant()["full_name"])
    page.locator("#f-phone").fill("12")
    page.get_by_role("button", name="Gửi hồ sơ bổ sung").click()
    expect(page.locator("[data-error-summary]")).to_contain_text("Số điện thoại")
    if shots:
        checked(page, "dossier-supplement-form-error")
    page.locator("#f-phone").fill("0987654321")
    scan: FilePayload = {"name": "ban-sao-cccd.pdf", "mimeType": "application/pdf", "buffer": PDF}
    page.get_by_label("Tệp giấy tờ bổ sung").set_input_files(files=[scan])
    page.get_by_role("button", name="Gửi hồ sơ bổ sung").click()
    expect(page.get_by_role("status").first).to_contain_text("Đã gửi hồ sơ bổ sung")
    expect(page.locator("ol.timeline")).to_contain_text("Nộp bổ sung hồ sơ")
    status, files = live.call("GET", f"/dossiers/{code}/files", "reception")
    assert status == 200, files
    assert [f["name"] for f in files["items"]] == [*files_before, "ban-sao-cccd.pdf"], files

    for user, data in (
        ("reception", ACCEPT),
        ("specialist", APPRAISE),
        ("leader", LEADER_APPROVE),
        ("reception", RETURN),
    ):
        live.act(code, user, data)
    page.reload()
    expect(page.locator(".panel__status")).to_contain_text("Đã trả kết quả")
    first_document = page.locator("ul.document-list a").first
    with page.expect_download() as download_info:
        first_document.click()
    pdf = Path(download_info.value.path())
    assert pdf.read_bytes()[:4] == b"%PDF"
    if shots:
        checked(page, "dossier-returned")

    page.locator("#rating_overall").get_by_label("Rất hài lòng").check()
    page.locator("#rating_timeliness").get_by_label("Hài lòng", exact=True).check()
    page.get_by_label("Ý kiến khác").fill("Giải quyết nhanh")
    page.get_by_role("button", name="Gửi đánh giá").click()
    given = page.locator("dl[aria-label='Đánh giá của bạn']")
    expect(given).to_contain_text("Rất hài lòng")
    expect(given).to_contain_text("Giải quyết nhanh")
    expect(page.locator("#rating_overall")).to_have_count(0)  # once per criterion
    if shots:
        checked(page, "dossier-rated")


def test_another_citizen_cannot_open_the_first_one_s_pages(
    page: Page, live: DemoServer, dossier: dict[str, str]
) -> None:
    login(page, live, "citizen2")
    for path in ("", "/bo-sung", "/rut-ho-so"):
        response = page.goto(live.url(f"/ho-so-cua-toi/{dossier['code']}{path}"))
        assert response is not None and response.status == 404
        expect(page.get_by_role("heading", level=1)).to_contain_text("Không tìm thấy")
    page.goto(live.url("/ho-so-cua-toi"))
    expect(page.get_by_role("link", name=dossier["code"])).to_have_count(0)


def test_withdrawal_asks_for_a_reason_and_a_confirmation(page: Page, live: DemoServer) -> None:
    code = live.submit(submission())["code"]
    login(page, live, "citizen")
    page.goto(live.url(f"/ho-so-cua-toi/{code}"))
    checked(page, "dossier-submitted")
    page.get_by_role("link", name="Rút hồ sơ này").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Bạn có chắc muốn rút hồ sơ")
    page.get_by_role("button", name="Xác nhận rút hồ sơ").click()
    expect(page.locator("[data-error-summary]")).to_contain_text("Nhập lý do rút hồ sơ")
    checked(page, "dossier-withdraw-confirm")
    page.get_by_label("Lý do rút hồ sơ").fill("Đã tìm lại được thẻ cũ")
    page.get_by_role("button", name="Xác nhận rút hồ sơ").click()
    expect(page.locator(".panel__status")).to_contain_text("Công dân yêu cầu rút hồ sơ")
    expect(page.locator("ol.timeline")).to_contain_text("Đã tìm lại được thẻ cũ")


def test_the_statistics_page_draws_charts_and_tables(page: Page, live: DemoServer) -> None:
    page.goto(live.url("/"))
    page.get_by_role("link", name="Thống kê").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thống kê dịch vụ công trực tuyến")
    expect(page.locator("figure rect.chart__bar").first).to_be_attached()
    expect(page.get_by_role("table").first).to_contain_text("Cấp lại, đổi thẻ bảo hiểm y tế")
    checked(page, "statistics")


def test_the_lookup_works_with_javascript_disabled(
    page_without_javascript: Page, live: DemoServer, dossier: dict[str, str]
) -> None:
    page = page_without_javascript
    page.goto(live.url("/tra-cuu"))
    page.get_by_label("Mã hồ sơ").fill(dossier["code"])
    page.get_by_label("Số CCCD/ĐDCN/Hộ chiếu của người nộp").fill(applicant()["id_number"])
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.get_by_role("heading", name=f"Hồ sơ {dossier['code']}")).to_be_visible()
    assert applicant()["id_number"] not in page.url
    assert applicant()["id_number"] not in page.content()
    assert str(SUPPLEMENT["reasons"]) not in page.content()  # notices are for the applicant only
    # axe needs JavaScript (test_portal_in_browser scans the lookup)
    screenshots(page, "lookup-without-javascript", WIDTHS)
