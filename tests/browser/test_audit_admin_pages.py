"""The auditors' and administrators' workspace pages in Chromium against a real `motcua serve`:
an auditor finds a dossier, replays it to its third event and verifies it; an administrator
creates, deactivates and reactivates an account and adds a calendar override. Every page is
scanned by axe-core (0 serious or critical violations) and photographed at 1280 and 375 px."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.chromium import SCREENSHOTS, assert_accessible
from tests.live_server import DemoServer
from tests.support import ACCEPT, submission

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def dossier(live: DemoServer) -> str:
    code = str(live.submit(submission())["code"])
    live.act(code, "reception", ACCEPT)
    return code


def login(page: Page, live: DemoServer, username: str) -> None:
    page.goto(live.url("/dang-nhap"))
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(f"{username}-demo-2026")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trang làm việc")


def checked(page: Page, name: str) -> list[Path]:
    """axe-core, then full-page screenshots at a phone's width (375) and a desktop's (1280)."""
    assert_accessible(page)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    saved = []
    for width, height in ((375, 812), (1280, 900)):
        page.set_viewport_size({"width": width, "height": height})
        path = SCREENSHOTS / f"{name}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        saved.append(path)
    if original:
        page.set_viewport_size(original)
    return saved


def test_an_auditor_replays_a_dossier_to_its_third_event_and_verifies_it(
    page: Page, live: DemoServer, dossier: str
) -> None:
    login(page, live, "auditor")
    page.get_by_role("link", name="Kiểm tra", exact=True).click()
    page.get_by_label("Mã hồ sơ").fill(dossier)
    page.get_by_role("button", name="Tìm hồ sơ").click()
    expect(page.locator("#so-ket-qua")).to_have_text("Tìm thấy 1 hồ sơ.")
    checked(page, "ws-audit-search")

    page.get_by_role("link", name=dossier).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Nhật ký hồ sơ {dossier}")
    checked(page, "ws-audit-timeline")

    page.locator("#su-kien-3").get_by_role("link", name="Xem trạng thái").click()
    expect(page.locator("#trang-thai")).to_contain_text("Trạng thái sau sự kiện")
    expect(page.locator("#trang-thai-ho-so")).to_contain_text("Trạng thái")
    expect(page.locator("#buoc-dang-mo")).not_to_be_empty()
    assert page.get_by_label("Dựng lại đến sự kiện số").input_value() == "3"
    checked(page, "ws-audit-replay")

    page.get_by_role("link", name="Nhật ký hồ sơ").click()
    page.get_by_role("button", name="Xác minh hồ sơ này").click()
    expect(page.locator("#ket-qua-xac-minh")).to_contain_text("Hợp lệ")
    checked(page, "ws-audit-verified")

    page.get_by_role("link", name="Xác minh toàn bộ nhật ký").click()
    page.get_by_role("button", name="Xác minh toàn bộ").click()
    expect(page.locator("#ket-qua-xac-minh")).to_contain_text("Hợp lệ")
    checked(page, "ws-audit-verify-all")

    page.get_by_role("link", name="Nhật ký hệ thống").click()
    page.get_by_label("Loại sự kiện").select_option("deployment")
    page.get_by_role("button", name="Lọc").click()
    expect(page.locator("table")).to_contain_text("Triển khai quy trình")
    checked(page, "ws-audit-system-chain")


def test_an_administrator_creates_deactivates_and_reactivates_an_account(
    page: Page, live: DemoServer
) -> None:
    login(page, live, "admin")
    page.get_by_role("link", name="Quản trị", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Người dùng")
    checked(page, "ws-admin-users")

    page.get_by_role("link", name="Tạo tài khoản").click()
    page.get_by_role("button", name="Tạo tài khoản").click()  # nothing filled in
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator("#username-error")).to_contain_text("Nhập tên đăng nhập")
    checked(page, "ws-admin-user-new-errors")
    page.get_by_label("Tên đăng nhập").fill("cv.trinh")
    page.get_by_label("Mật khẩu ban đầu").fill("mat-khau-ban-dau-1")
    page.get_by_label("Họ và tên").fill("Trịnh Văn Chuyên")
    page.get_by_label("Chuyên viên").check()
    page.get_by_label("Đơn vị").select_option("000.00.07.H29")
    page.get_by_role("button", name="Tạo tài khoản").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tài khoản cv.trinh")
    expect(page.locator("#trang-thai-tai-khoan")).to_have_text("Đang hoạt động")
    checked(page, "ws-admin-user")

    page.get_by_role("button", name="Khoá tài khoản").click()
    expect(page.locator("#trang-thai-tai-khoan")).to_contain_text("Đã khoá từ")
    page.get_by_role("button", name="Kích hoạt lại tài khoản").click()
    expect(page.locator("#trang-thai-tai-khoan")).to_have_text("Đang hoạt động")

    page.get_by_role("navigation", name="Trang quản trị").get_by_role(
        "link", name="Lịch làm việc"
    ).click()
    page.get_by_label("Ngày", exact=True).fill("2027-01-02")
    page.get_by_label("Ngày làm việc (làm bù)").check()
    page.get_by_label("Ghi chú").fill("Làm bù theo thông báo")
    page.get_by_role("button", name="Lưu điều chỉnh").click()
    expect(page.locator("table")).to_contain_text("02/01/2027")
    checked(page, "ws-admin-calendar")

    for link, name in (
        ("Cấp vai trò", "ws-admin-grants"),
        ("Đơn vị", "ws-admin-units"),
        ("Hộp thư đi", "ws-admin-outbox"),
    ):
        page.get_by_role("navigation", name="Trang quản trị").get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        checked(page, name)
