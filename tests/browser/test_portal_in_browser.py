"""The portal in Chromium, as citizens use it: with and without JavaScript, with the keyboard
alone, on a phone and a desktop; every page scanned by axe-core (0 serious or critical WCAG 2.1
AA violations) and photographed under var/screenshots/."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Page, expect

from tests.browser.chromium import assert_accessible, focused, screenshots, tab, tab_to
from tests.live_server import DemoServer
from tests.support import applicant, submission

ID_NUMBER = applicant()["id_number"]
PASSWORD = "citizen-demo-2026"
pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def dossier(live: DemoServer) -> dict[str, str]:
    return live.submit(submission())


def login(page: Page, live: DemoServer, username: str, password: str) -> None:
    page.goto(live.url("/dang-nhap"))
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password)
    page.get_by_role("button", name="Đăng nhập").click()


def test_search_finds_a_procedure_typed_without_accents_as_you_type(
    page: Page, live: DemoServer
) -> None:
    page.goto(live.url("/"))
    page.evaluate("() => { window.__samePage = true; }")
    page.get_by_label("Tìm thủ tục").fill("cap lai the")
    results = page.locator("#ket-qua h3")
    expect(results).to_have_count(1)
    expect(results).to_have_text("Cấp lại, đổi thẻ bảo hiểm y tế")
    expect(page.locator("#so-ket-qua")).to_contain_text("Tìm thấy 1 thủ tục")
    assert page.evaluate("() => window.__samePage") is True  # updated in place (htmx)
    # The address follows the search, so it can be shared or bookmarked.
    assert parse_qs(urlsplit(page.url).query) == {"q": ["cap lai the"]}
    assert_accessible(page)
    screenshots(page, "portal-search")


def test_a_procedure_page_reads_well_and_passes_axe(page: Page, live: DemoServer) -> None:
    page.goto(live.url("/"))
    page.get_by_role("link", name="Cấp lại, đổi thẻ bảo hiểm y tế").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cấp lại, đổi thẻ bảo hiểm y tế")
    expect(page.get_by_text("7 ngày làm việc").first).to_be_visible()
    assert_accessible(page)
    screenshots(page, "portal-procedure")


def test_the_lookup_works_without_javascript_and_keeps_the_id_number_out_of_the_address(
    page_without_javascript: Page, live: DemoServer, dossier: dict[str, str]
) -> None:
    page = page_without_javascript
    page.goto(live.url("/tra-cuu"))
    page.get_by_label("Mã hồ sơ").fill(dossier["code"])
    page.get_by_label("Số CCCD/ĐDCN/Hộ chiếu của người nộp").fill(ID_NUMBER)
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.get_by_role("heading", name=f"Hồ sơ {dossier['code']}")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Mới đăng ký")
    assert page.url == live.url("/tra-cuu")
    assert ID_NUMBER not in page.content()
    screenshots(page, "portal-lookup-result")


def test_keyboard_alone_reaches_and_completes_the_lookup(
    page: Page, live: DemoServer, dossier: dict[str, str]
) -> None:
    page.goto(live.url("/tra-cuu"))
    skip = tab(page)
    assert skip.text == "Bỏ qua, đến nội dung chính" and skip.visible
    page.keyboard.press("Enter")
    assert focused(page).name == "noi-dung"  # the main content, past the header and menus
    code = tab_to(page, "input", "code")
    assert code.visible
    page.keyboard.type(dossier["code"])
    number = tab(page)
    assert number.name == "id_number" and number.visible
    page.keyboard.type(ID_NUMBER)
    button = tab(page)
    assert button.text == "Tra cứu" and button.visible
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_contain_text("Mới đăng ký")
    assert_accessible(page)


def test_a_lookup_with_errors_shows_the_summary_and_passes_axe(
    page: Page, live: DemoServer
) -> None:
    page.goto(live.url("/tra-cuu"))
    page.get_by_role("button", name="Tra cứu").click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    expect(summary).to_contain_text("Nhập mã hồ sơ")
    page.get_by_role("link", name="Nhập mã hồ sơ").click()
    expect(page.get_by_label("Mã hồ sơ")).to_be_focused()
    assert_accessible(page)
    screenshots(page, "portal-lookup-errors")
    page.get_by_label("Mã hồ sơ").fill("000.00.07.H29-260101-9999")
    page.get_by_label("Số CCCD/ĐDCN/Hộ chiếu của người nộp").fill("123456789")
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.locator("main")).to_contain_text("Không tìm thấy hồ sơ")
    assert_accessible(page)
    screenshots(page, "portal-lookup-not-found")


def test_a_citizen_logs_in_sees_their_dossiers_and_logs_out(
    page: Page, live: DemoServer, dossier: dict[str, str]
) -> None:
    page.goto(live.url("/dang-nhap"))
    assert_accessible(page)
    screenshots(page, "portal-login")
    login(page, live, "citizen", PASSWORD)
    expect(page).to_have_url(live.url("/ho-so-cua-toi"))
    expect(page.locator("table")).to_contain_text(dossier["code"])
    expect(page.locator("table")).to_contain_text("Mới đăng ký")
    assert_accessible(page)
    screenshots(page, "portal-my-dossiers")
    page.get_by_role("button", name="Đăng xuất").click()
    expect(page.locator("main")).to_contain_text("Bạn đã đăng xuất.")
    page.goto(live.url("/ho-so-cua-toi"))
    expect(page).to_have_url(re.compile(r"/dang-nhap\?next="))


def test_a_wrong_password_shows_the_error_pattern(page: Page, live: DemoServer) -> None:
    login(page, live, "citizen2", "not-the-password")
    expect(page.locator("[data-error-summary]")).to_contain_text(
        "Tên đăng nhập hoặc mật khẩu không đúng"
    )
    assert_accessible(page)
    screenshots(page, "portal-login-error")


def test_an_officer_lands_on_the_workspace(page: Page, live: DemoServer) -> None:
    login(page, live, "reception", "reception-demo-2026")
    expect(page).to_have_url(live.url("/can-bo"))
    expect(page.locator("header")).to_contain_text("Hệ thống thông tin một cửa điện tử")
    assert_accessible(page)
    screenshots(page, "workspace-home")


def test_error_pages_are_accessible(page: Page, live: DemoServer) -> None:
    page.goto(live.url("/khong-co-trang-nay"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Không tìm thấy trang")
    assert_accessible(page)
    screenshots(page, "portal-404")


def test_home_is_accessible(page: Page, live: DemoServer) -> None:
    page.goto(live.url("/"))
    assert_accessible(page)
    screenshots(page, "portal-home")


def test_a_missing_csrf_token_refuses_the_login_and_changes_nothing(
    page: Page, live: DemoServer
) -> None:
    page.goto(live.url("/dang-nhap"))
    page.evaluate("() => document.querySelector('input[name=csrf_token]').remove()")
    page.get_by_label("Tên đăng nhập").fill("citizen")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Biểu mẫu đã hết hạn")
    page.goto(live.url("/ho-so-cua-toi"))
    expect(page).to_have_url(re.compile(r"/dang-nhap\?next="))  # not logged in


def test_script_in_what_a_visitor_typed_is_shown_as_text_and_inline_script_is_blocked(
    page: Page, live: DemoServer, console_errors: list[str]
) -> None:
    attack = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
    page.goto(live.url("/"))
    page.get_by_label("Tìm thủ tục").fill(attack)
    page.get_by_label("Tìm thủ tục").press("Enter")
    expect(page.locator("#so-ket-qua")).to_contain_text(attack)
    assert page.evaluate("() => window.__pwned") is None
    # Even a script that made it into the page would not run: the CSP has no 'unsafe-inline'.
    blocked = page.evaluate(
        """() => new Promise((resolve) => {
            document.addEventListener("securitypolicyviolation",
                (e) => resolve(e.violatedDirective), {once: true});
            const script = document.createElement("script");
            script.textContent = "window.__inline = 1";
            document.body.appendChild(script);
        })"""
    )
    assert blocked.startswith("script-src")
    assert page.evaluate("() => window.__inline") is None
    assert [e for e in console_errors if "Content Security Policy" in e]
    console_errors.clear()


def test_no_id_number_reaches_an_address_or_the_server_log(
    page_without_javascript: Page, live: DemoServer, dossier: dict[str, str]
) -> None:
    page = page_without_javascript
    visited: list[str] = []
    page.on("request", lambda request: visited.append(request.url))
    page.goto(live.url("/tra-cuu"))
    page.get_by_label("Mã hồ sơ").fill(dossier["code"])
    page.get_by_label("Số CCCD/ĐDCN/Hộ chiếu của người nộp").fill(ID_NUMBER)
    page.get_by_role("button", name="Tra cứu").click()
    expect(page.locator("main")).to_contain_text("Mới đăng ký")
    login(page, live, ID_NUMBER, "not-a-password")  # an ID number typed as a user name
    expect(page.locator("[data-error-summary]")).to_be_visible()
    assert visited and not [url for url in visited if ID_NUMBER in url]
    written = live.log.read_text()
    assert "POST /tra-cuu" in written and "POST /dang-nhap" in written  # the access log
    assert ID_NUMBER not in written
