"""The JSON-Schema form renderer in Chromium: rows added and removed in place with JavaScript
(htmx) and by posting the form without it; conditional fields revealed as the choice changes;
the form passes axe. The form is served by the tests' form page (tests/pages/form_harness.py)
from an in-process server, since the pages that will use the renderer come later."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.chromium import assert_accessible, screenshots

pytestmark = pytest.mark.timeout(180)


def test_rows_are_added_and_removed_in_place_with_javascript(page: Page, origin: str) -> None:
    page.goto(f"{origin}/_test/forms/cap_lai_the_bhyt/reception_check")
    page.evaluate("() => { window.__samePage = true; }")
    received = page.locator("#f-documents_received")
    expect(received).to_be_hidden()  # only asked for when the dossier is accepted
    page.get_by_label("Tiếp nhận", exact=True).check()
    expect(received).to_be_visible()
    page.get_by_label("Tên giấy tờ").fill("Tờ khai TK1-TS")
    page.get_by_role("button", name="Thêm dòng").first.click()
    expect(page.locator("#f-documents_received .repeat__row")).to_have_count(2)
    # The new row's first input has the focus; what was typed is still there.
    expect(page.locator("#f-documents_received-1-name")).to_be_focused()
    expect(page.locator("#f-documents_received-0-name")).to_have_value("Tờ khai TK1-TS")
    assert page.evaluate("() => window.__samePage") is True
    page.locator("#f-documents_received-1-name").fill("Bản sao CCCD")
    page.get_by_role("button", name="Xoá dòng 1").click()
    expect(page.locator("#f-documents_received .repeat__row")).to_have_count(1)
    expect(page.locator("#f-documents_received-0-name")).to_have_value("Bản sao CCCD")
    assert_accessible(page)
    screenshots(page, "form-reception-check")


def test_rows_are_added_without_javascript(page_without_javascript: Page, origin: str) -> None:
    page = page_without_javascript
    page.goto(f"{origin}/_test/forms/cap_lai_the_bhyt/reception_check")
    page.get_by_label("Tên giấy tờ").fill("Tờ khai TK1-TS")
    page.get_by_role("button", name="Thêm dòng").first.click()
    expect(page.locator("#f-documents_received .repeat__row")).to_have_count(2)
    expect(page.locator("#f-documents_received-0-name")).to_have_value("Tờ khai TK1-TS")
    expect(page.locator("[data-error-summary]")).to_have_count(0)


def test_conditional_fields_appear_when_the_choice_needs_them(page: Page, origin: str) -> None:
    page.goto(f"{origin}/_test/forms/bhxh_mot_lan/submission")
    bank_account = page.locator("#f-bank_account")
    expect(bank_account).to_be_hidden()
    page.get_by_role("radio", name="Chuyển khoản qua tài khoản ngân hàng").check()
    expect(bank_account).to_be_visible()
    page.get_by_role("radio", name="Nhận tiền mặt qua bưu điện").check()
    expect(bank_account).to_be_hidden()
    page.get_by_role("button", name="Gửi").click()
    expect(page.locator("[data-error-summary]")).to_be_focused()
    assert_accessible(page)
    screenshots(page, "form-submission-errors")


def test_without_javascript_conditional_fields_are_all_shown(
    page_without_javascript: Page, origin: str
) -> None:
    page_without_javascript.goto(f"{origin}/_test/forms/bhxh_mot_lan/submission")
    expect(page_without_javascript.locator("#f-bank_account")).to_be_visible()
