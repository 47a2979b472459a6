"""The applicant's notification channels page in Chromium: usable with the keyboard, axe-clean
(0 serious or critical WCAG 2.1 AA violations), photographed under var/screenshots/."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.chromium import assert_accessible, screenshots
from tests.live_server import DemoServer

PASSWORD = "citizen-demo-2026"
pytestmark = pytest.mark.timeout(300)


def test_the_citizen_chooses_sms_on_the_profile_page(page: Page, live: DemoServer) -> None:
    page.goto(live.url("/dang-nhap"))
    page.get_by_label("Tên đăng nhập").fill("citizen")
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    page.goto(live.url("/tai-khoan/thong-bao"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Nhận thông báo về hồ sơ")
    assert_accessible(page)
    screenshots(page, "portal-notifications")

    page.get_by_label("Tin nhắn SMS").check()
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".error-summary")).to_contain_text("Nhập số điện thoại")
    assert_accessible(page)
    screenshots(page, "portal-notifications-error")

    page.get_by_label("Số điện thoại di động").fill("0912345678")
    page.get_by_role("button", name="Lưu").click()
    expect(page.get_by_role("status")).to_contain_text("Đã lưu cách nhận thông báo.")
    expect(page.get_by_label("Tin nhắn SMS")).to_be_checked()
