"""Counter reception in the workspace (issue 16): reception registers a walk-in or postal
dossier with the procedure's form and scanned documents, accepts it and prints Mẫu 01, and
acts for the applicant on the supplement, the return of the result and the rating (R-2.8)."""

from __future__ import annotations

import io
from typing import Any

import pytest

from tests.pages.browsing import Browser, Page
from tests.support import APPRAISE, LEADER_APPROVE, HttpApi, applicant, submission

REGISTER = "/can-bo/mot-cua/tiep-nhan?thu-tuc=cap_lai_the_bhyt"
SCAN = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
ACCEPT_FORM = {
    "decision": "accept",
    "documents_received.0.:row": "1",
    "documents_received.0.name": "Tờ khai TK1-TS",
    "documents_received.0.kind": "original",
    "documents_received.0.quantity": "1",
}


def registration(channel: str = "direct", **overrides: Any) -> dict[str, Any]:
    person = applicant()
    fields: dict[str, Any] = {
        "applicant_full_name": person["full_name"],
        "applicant_id_number": person["id_number"],
        "applicant_phone": person["phone"],
        "applicant_address": person["address"],
        "channel": channel,
        **{name: str(value) for name, value in submission().items()},
        "scans": [(io.BytesIO(SCAN), "to-khai-tk1.pdf")],
    }
    return {**fields, **overrides}


def register(browser: Browser, channel: str = "direct") -> str:
    """Register a counter dossier; its code (from the page it lands on)."""
    response = browser.client.post(
        REGISTER,
        data={"csrf_token": browser.get(REGISTER).csrf_token(), **registration(channel)},
        follow_redirects=True,
    )
    page = Page.of(response)
    assert page.status == 200, page.html[:2000]
    heading = page.text("//h1")
    assert heading.startswith("Hồ sơ ")
    return heading.removeprefix("Hồ sơ ")


def dossier_path(code: str) -> str:
    return f"/can-bo/mot-cua/ho-so/{code}"


def step_action(page: Page) -> str:
    [action] = page.all("//form[contains(@action, '/buoc/')]/@action")
    return str(action)


def complete_step(browser: Browser, code: str, data: dict[str, str]) -> Page:
    action = step_action(browser.get(dossier_path(code)))
    return browser.post(action, data, csrf_from=dossier_path(code))


@pytest.mark.parametrize("channel", ["direct", "postal"])
def test_reception_registers_a_counter_dossier_with_a_scan_and_prints_mau_01(
    browser: Browser, http: HttpApi, channel: str
) -> None:
    browser.login("reception")
    choose = browser.get("/can-bo/mot-cua/tiep-nhan")
    assert "Cấp lại, đổi thẻ bảo hiểm y tế" in choose.text("//select")
    code = register(browser, channel)
    page = browser.get(dossier_path(code))
    assert "Mới đăng ký" in page.text()
    assert page.all("//a[@aria-current='page']/text()") == ["Tiếp nhận một cửa"]
    assert [a.text_content() for a in page.all("//a[contains(@href, '/tep/')]")] == [
        "to-khai-tk1.pdf"
    ]
    assert "Chưa có văn bản nào" in page.text()
    # The same dossier as the API's counter registration: its channel, no applicant account.
    detail = http.dossier(code)
    assert detail["channel"] == channel and detail["submission"]["request_type"] == "reissue_lost"

    accepted = complete_step(browser, code, ACCEPT_FORM)
    assert accepted.status == 302
    page = browser.get(dossier_path(code))
    assert "Đã hoàn thành bước Kiểm tra, tiếp nhận hồ sơ" in page.text()
    [receipt] = page.all("//a[contains(., 'Mẫu 01')]")
    pdf = browser.client.get(receipt.get("href"))
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    scan = browser.client.get(page.all("//a[contains(@href, '/tep/')]/@href")[0])
    assert scan.status_code == 200 and scan.data == SCAN


def test_the_registration_page_posted_twice_registers_one_dossier(
    browser: Browser, http: HttpApi
) -> None:
    """A double click, or a reload of the posted page: the page's key registers once."""
    browser.login("reception")
    form = browser.get(REGISTER)
    [key] = form.all("//input[@name='submission_key']/@value")
    fields = {"csrf_token": form.csrf_token(), "submission_key": str(key), **registration()}
    first = browser.client.post(REGISTER, data=fields)
    again = {**fields, "scans": [(io.BytesIO(SCAN), "to-khai-tk1.pdf")]}
    second = browser.client.post(REGISTER, data=again, follow_redirects=True)
    assert first.status_code == 302 and second.status_code == 200
    page = Page.of(second)
    code = page.text("//h1").removeprefix("Hồ sơ ")
    assert first.headers["Location"].endswith(dossier_path(code))
    assert f"Trang đăng ký này đã đăng ký hồ sơ {code}; không đăng ký lại" in page.text()
    assert len(page.all("//a[contains(@href, '/tep/')]")) == 1  # the scan once
    assert _registered(http) == [code]
    # Back, changed and posted again: still that dossier, not a second one.
    changed = {**fields, "applicant_phone": "0912000111", "scans": []}
    third = browser.client.post(REGISTER, data=changed)
    assert third.status_code == 302 and third.headers["Location"].endswith(dossier_path(code))
    assert _registered(http) == [code]
    # A new page is a new registration.
    assert browser.get(REGISTER).all("//input[@name='submission_key']/@value") != [key]


def _registered(http: HttpApi) -> list[str]:
    return [d["code"] for d in http.call("GET", "/api/v1/dossiers", "reception")["items"]]


def test_registration_errors_are_shown_next_to_their_fields(browser: Browser) -> None:
    browser.login("reception")
    data = registration(
        applicant_full_name="",
        applicant_id_number="12",
        social_insurance_code="12ab",
        channel="online",
        scans=[(io.BytesIO(b"hello"), "ghi-chu.txt")],
    )
    page = browser.post(REGISTER, data, expect=422)
    assert page.field_error("applicant_full_name") == "Nhập họ và tên người nộp"
    assert page.field_error("applicant_id_number") == (
        "Số giấy tờ gồm 8 đến 12 chữ số hoặc chữ in hoa"
    )
    assert page.field_error("channel") == "Chọn hình thức nộp hồ sơ"
    assert page.field_error("f-social_insurance_code")
    assert "ghi-chu.txt" in (page.field_error("scans") or "")
    assert len(page.error_summary()) == 5
    # Typed values stay in the form.
    assert page.all("//input[@name='applicant_phone']/@value") == [applicant()["phone"]]
    assert browser.get("/can-bo/mot-cua").text().count("Chưa") == 0  # nothing was registered


def test_an_unknown_procedure_asks_for_one_from_the_list(browser: Browser) -> None:
    browser.login("reception")
    page = browser.get("/can-bo/mot-cua/tiep-nhan?thu-tuc=khong_co", expect=404)
    assert page.field_error("thu-tuc") == "Chọn một thủ tục trong danh sách"


def test_reception_acts_for_the_applicant_from_supplement_to_rating(
    browser: Browser, http: HttpApi
) -> None:
    browser.login("reception")
    code = register(browser)
    supplement = {
        "decision": "supplement",
        "missing_documents.0.:row": "1",
        "missing_documents.0": "Bản sao CCCD",
        "reasons": "Thiếu bản sao căn cước công dân",
    }
    assert complete_step(browser, code, supplement).status == 302
    page = browser.get(dossier_path(code))
    assert "Yêu cầu bổ sung giấy tờ" in page.text()
    [action] = page.all("//form[contains(@action, '/bo-sung')]/@action")
    fields = {name: str(value) for name, value in submission(phone="0987654321").items()}
    # The completed dossier must still pass the form: a wrong value is shown at its field.
    bad = browser.post(action, {**fields, "card_number": "x"}, csrf_from=dossier_path(code))
    assert bad.status == 422 and bad.field_error("f-card_number")
    assert browser.post(action, fields, csrf_from=dossier_path(code)).status == 302
    assert http.dossier(code)["submission"]["phone"] == "0987654321"
    events = http.call("GET", f"/api/v1/audit/dossiers/{code}/events?page_size=100", "auditor")[
        "items"
    ]
    [event] = [e for e in events if e["type"] == "supplement_submitted"]
    assert event["actor"]["username"] == "reception" and "on_behalf_of" in event["payload"]

    assert complete_step(browser, code, ACCEPT_FORM).status == 302
    http.act(code, "specialist", APPRAISE)
    http.act(code, "leader", LEADER_APPROVE)
    page = browser.get(dossier_path(code))
    assert "Trả kết quả" in page.text("//section")
    missing = complete_step(browser, code, {"returned_via": "direct"})
    assert missing.status == 422 and missing.field_error("f-recipient_name")
    handed = complete_step(
        browser, code, {"returned_via": "direct", "recipient_name": "Nguyễn Văn An"}
    )
    assert handed.status == 302
    assert http.dossier(code)["status"]["code"] == 10

    rating_path = f"{dossier_path(code)}/danh-gia"
    empty = browser.post(rating_path, {}, csrf_from=dossier_path(code), expect=422)
    assert empty.field_error("rating_overall") == "Chọn mức đánh giá cho ít nhất một tiêu chí"
    rated = {"rating_overall": "very_satisfied", "rating_staff_attitude": "satisfied"}
    assert browser.post(rating_path, rated, csrf_from=dossier_path(code)).status == 302
    again = browser.post(rating_path, rated, csrf_from=dossier_path(code), expect=409)
    assert again.field_error("rating_overall") == "Hồ sơ đã được đánh giá hoặc chưa trả kết quả"


def test_only_reception_of_the_unit_works_the_counter(
    browser: Browser, other_browser: Browser
) -> None:
    browser.login("reception")
    code = register(browser)
    other_browser.login("specialist")
    other_browser.get("/can-bo/mot-cua", expect=403)
    other_browser.get(REGISTER, expect=403)
    other_browser.client.get("/dang-xuat")
    other = Browser(other_browser.client.application.test_client())
    other.login("reception_other")
    other.get(dossier_path(code), expect=404)  # another unit's code looks like an unknown one
    assert code not in other.get("/can-bo/mot-cua").text()


def test_an_online_dossier_is_not_supplemented_by_reception(
    browser: Browser, http: HttpApi
) -> None:
    code = http.submit("citizen")["code"]
    browser.login("reception")
    complete_step(
        browser,
        code,
        {
            "decision": "supplement",
            "missing_documents.0.:row": "1",
            "missing_documents.0": "Bản sao CCCD",
            "reasons": "Thiếu giấy tờ",
        },
    )
    page = browser.get(dossier_path(code))
    assert not page.all("//form[contains(@action, '/bo-sung')]")
    assert "người nộp tự bổ sung" in page.text()


def test_a_step_another_officer_holds_is_a_message_beside_the_form(
    browser: Browser, http: HttpApi
) -> None:
    code = http.submit("citizen")["code"]
    http.claim(http.task_for(code, "reception")["id"], "reception2")
    browser.login("reception")
    page = complete_step(browser, code, ACCEPT_FORM)
    assert page.status == 409
    assert "đang do cán bộ khác xử lý" in page.text("//section//div[@role='alert']")
    assert http.dossier(code)["status"]["code"] == 1


def test_documents_and_scans_stay_within_the_unit(browser: Browser, other_browser: Browser) -> None:
    browser.login("reception")
    code = register(browser)
    complete_step(browser, code, ACCEPT_FORM)
    page = browser.get(dossier_path(code))
    links = [
        str(h)
        for h in page.all("//a[contains(@href, '/van-ban/') or contains(@href, '/tep/')]/@href")
    ]
    assert len(links) == 2
    other_browser.login("reception_other")
    # Another unit's dossier is answered like one that does not exist.
    for link in links:
        assert other_browser.client.get(link).status_code == 404
    assert other_browser.client.get(f"/can-bo/ho-so/{code}/van-ban/999999").status_code == 404


def test_an_unknown_dossier_or_step_is_a_plain_answer(browser: Browser) -> None:
    browser.login("reception")
    browser.get(dossier_path("KHONG-CO"), expect=404)
    code = register(browser)
    stale = browser.post(
        f"{dossier_path(code)}/buoc/khong-co", ACCEPT_FORM, csrf_from=dossier_path(code)
    )
    assert stale.status == 302
    assert "không còn mở" in browser.get(dossier_path(code)).text()
    empty = browser.post(f"{dossier_path(code)}/tep", {}, csrf_from=dossier_path(code), expect=422)
    assert empty.field_error("scan") == "Chọn tệp cần tải lên"
