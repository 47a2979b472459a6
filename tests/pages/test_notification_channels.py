"""The applicant's notification channels in their profile (`/tai-khoan/thong-bao`): the same
choice the API records, errors named per field in Vietnamese, citizens only."""

from __future__ import annotations

from tests.pages.browsing import Browser
from tests.support import HttpApi

PAGE = "/tai-khoan/thong-bao"


def test_a_citizen_chooses_sms_and_the_api_sees_the_same_choice(
    browser: Browser, http: HttpApi
) -> None:
    browser.get(PAGE, expect=302)  # not logged in: to the login page
    browser.login("citizen")
    page = browser.get(PAGE)
    assert page.all("//input[@name='email']/@checked") == ["checked"]  # e-mail by default
    saved = browser.post(PAGE, {"sms": "true", "phone": "0912 345 678"}, expect=302)
    assert saved.status == 302
    page = browser.get(PAGE)
    assert "Đã lưu cách nhận thông báo." in page.text()
    assert page.all("//input[@name='email']/@checked") == []
    assert page.all("//input[@name='phone']/@value") == ["0912345678"]
    chosen = http.call("GET", "/api/v1/me/notifications", "citizen")
    assert (chosen["email"], chosen["sms"], chosen["phone"]) == (False, True, "0912345678")


def test_a_wrong_number_or_address_is_named_in_vietnamese(browser: Browser) -> None:
    browser.login("citizen")
    page = browser.post(
        PAGE,
        {"email": "true", "email_address": "khong-phai-thu", "sms": "true", "phone": "12"},
        expect=422,
    )
    assert page.error_summary() == [
        "Địa chỉ thư điện tử không hợp lệ",
        "Số điện thoại phải gồm 10 chữ số, bắt đầu bằng 0 hoặc +84",
    ]
    assert page.field_error("phone") is not None
    missing = browser.post(PAGE, {"sms": "true"}, expect=422)
    assert missing.error_summary() == ["Nhập số điện thoại để nhận tin nhắn SMS"]


def test_officers_have_no_such_page(browser: Browser) -> None:
    browser.login("reception")
    browser.get(PAGE, expect=403)
