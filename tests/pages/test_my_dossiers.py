"""Hồ sơ của tôi as the applicant uses it: the list with statuses, appointments and overdue
marks; a dossier's page (owner only) with its timeline and documents; the supplement (status 5
only), the withdrawal (only before the result, after a confirmation) and the one-time rating
(after the result was returned). Officers' steps go through the API, as in tests/http."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta

from engine.clock import FrozenClock
from tests.pages.browsing import Browser
from tests.support import ACCEPT, APPRAISE, LEADER_APPROVE, RETURN, SUPPLEMENT, HttpApi


def status_of(http: HttpApi, code: str) -> int:
    return int(http.dossier(code, "citizen")["status"]["code"])


def returned(http: HttpApi) -> str:
    code = str(http.submit()["code"])
    http.act(code, "reception", ACCEPT)
    http.act(code, "specialist", APPRAISE)
    http.act(code, "leader", LEADER_APPROVE)
    http.act(code, "reception", RETURN)
    return code


def test_the_list_links_each_dossier_and_marks_the_overdue_ones(
    browser: Browser, http: HttpApi, clock: FrozenClock
) -> None:
    late, waiting = http.submit()["code"], http.submit()["code"]
    http.act(late, "reception", ACCEPT)
    due = http.dossier(late, "citizen")["due_at"]
    assert due is not None
    clock.advance(timedelta(days=12))
    http.forget_tokens()
    browser.login("citizen")
    page = browser.get("/ho-so-cua-toi")
    rows = {
        " ".join(tr.xpath("td[1]")[0].text_content().split()): " ".join(tr.text_content().split())
        for tr in page.all("//table/tbody/tr")
    }
    assert "Quá hạn" in rows[late] and "Đang xử lý" in rows[late]
    assert "Quá hạn" not in rows[waiting] and "Chưa có" in rows[waiting]
    assert page.all(f"//a[@href='/ho-so-cua-toi/{late}']")


def test_the_list_is_paged_by_twenty(browser: Browser, http: HttpApi) -> None:
    for _ in range(21):
        http.submit()
    browser.login("citizen")
    first = browser.get("/ho-so-cua-toi")
    assert len(first.all("//table/tbody/tr")) == 20
    assert "Trang 1 / 2" in first.text("//nav[@class='pagination']")
    second = browser.get(first.all("//a[@rel='next']/@href")[0])
    assert len(second.all("//table/tbody/tr")) == 1


def test_only_the_owner_opens_a_dossier_s_pages(
    browser: Browser, other_browser: Browser, http: HttpApi
) -> None:
    code = http.submit()["code"]
    http.act(code, "reception", SUPPLEMENT)
    browser.login("citizen")
    assert f"Hồ sơ {code}" in browser.get(f"/ho-so-cua-toi/{code}").text("//h1")
    other_browser.login("citizen2")
    for path in ("", "/bo-sung", "/rut-ho-so"):
        page = other_browser.get(f"/ho-so-cua-toi/{code}{path}", expect=404)
        assert "Không tìm thấy trang" in page.text()
    other_browser.post(
        f"/ho-so-cua-toi/{code}/rut-ho-so", {"reason": "x"}, csrf_from="/ho-so-cua-toi", expect=404
    )
    browser.get("/ho-so-cua-toi/000.00.07.H29-260310-9999", expect=404)
    assert status_of(http, code) == 5
    anonymous = Browser(browser.client.application.test_client())
    assert (
        anonymous.get(f"/ho-so-cua-toi/{code}", expect=302)
        .headers["Location"]
        .startswith("/dang-nhap")
    )


def test_the_supplement_form_shows_what_was_asked_and_sends_the_correction(
    browser: Browser, http: HttpApi
) -> None:
    code = http.submit()["code"]
    browser.login("citizen")
    early = browser.get(f"/ho-so-cua-toi/{code}/bo-sung", expect=302)  # status 1: no form
    assert early.headers["Location"] == f"/ho-so-cua-toi/{code}"
    assert "không ở trạng thái chờ bổ sung" in browser.get(f"/ho-so-cua-toi/{code}").text()
    http.act(code, "reception", SUPPLEMENT)

    detail = browser.get(f"/ho-so-cua-toi/{code}")
    panel = detail.text("//div[@id='bo-sung']")
    assert "Bản sao CCCD" in panel and "Thiếu bản sao căn cước công dân" in panel
    form = browser.get(f"/ho-so-cua-toi/{code}/bo-sung")
    assert form.all("//input[@name='full_name']/@value") == ["Nguyễn Văn An"]  # as submitted
    fields = {i.get("name"): i.get("value") or "" for i in form.all("//form//input")}
    fields |= {s.get("name"): s.get("value") for s in form.all("//form//input[@checked]")}
    fields.pop(None, None)
    bad = browser.post(f"/ho-so-cua-toi/{code}/bo-sung", {**fields, "phone": "12"}, expect=422)
    assert bad.field_error("f-phone") == "Số điện thoại liên hệ không đúng định dạng"
    assert status_of(http, code) == 5  # nothing sent

    done = browser.post(f"/ho-so-cua-toi/{code}/bo-sung", {**fields, "phone": "0987654321"})
    assert done.status == 302
    assert http.dossier(code, "citizen")["submission"]["phone"] == "0987654321"
    assert status_of(http, code) != 5
    page = browser.get(f"/ho-so-cua-toi/{code}")
    assert "Đã gửi hồ sơ bổ sung" in page.text()
    timeline = page.text("//ol[@class='timeline']")
    assert "Yêu cầu bổ sung giấy tờ" in timeline and "Nộp bổ sung hồ sơ" in timeline
    assert page.all("//div[@id='bo-sung']") == []
    assert browser.get(f"/ho-so-cua-toi/{code}/bo-sung", expect=302)


def test_withdrawal_asks_first_and_then_closes_the_dossier(browser: Browser, http: HttpApi) -> None:
    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    browser.login("citizen")
    detail = browser.get(f"/ho-so-cua-toi/{code}")
    confirm = browser.get(detail.all("//a[contains(@href, 'rut-ho-so')]/@href")[0])
    assert "Bạn có chắc muốn rút hồ sơ" in confirm.text("//h1")
    assert status_of(http, code) == 4  # opening the confirmation changes nothing

    empty = browser.post(f"/ho-so-cua-toi/{code}/rut-ho-so", {"reason": "  "}, expect=422)
    assert empty.error_summary() == ["Nhập lý do rút hồ sơ"]
    assert status_of(http, code) == 4
    browser.post(f"/ho-so-cua-toi/{code}/rut-ho-so", {"reason": "Đã tìm lại được thẻ"}, expect=302)
    assert status_of(http, code) == 7
    page = browser.get(f"/ho-so-cua-toi/{code}")
    assert "Công dân yêu cầu rút hồ sơ" in page.text("//p[@class='panel__status']")
    assert "Đã tìm lại được thẻ" in page.text("//ol[@class='timeline']")
    assert page.all("//a[contains(@href, 'rut-ho-so')]") == []


def test_a_dossier_with_its_result_returned_cannot_be_withdrawn(
    browser: Browser, http: HttpApi
) -> None:
    code = returned(http)
    browser.login("citizen")
    assert browser.get(f"/ho-so-cua-toi/{code}").all("//a[contains(@href, 'rut-ho-so')]") == []
    browser.post(f"/ho-so-cua-toi/{code}/rut-ho-so", {"reason": "x"}, csrf_from="/ho-so-cua-toi")
    assert status_of(http, code) == 10


def test_a_wrong_csrf_token_is_refused_and_changes_nothing(browser: Browser, http: HttpApi) -> None:
    waiting, done = http.submit()["code"], returned(http)
    http.act(waiting, "reception", SUPPLEMENT)
    browser.login("citizen")
    browser.get(f"/ho-so-cua-toi/{waiting}")
    posts = {
        f"/ho-so-cua-toi/{waiting}/rut-ho-so": {"reason": "Không cần nữa"},
        f"/ho-so-cua-toi/{waiting}/bo-sung": {"phone": "0987654321"},
        f"/ho-so-cua-toi/{done}/danh-gia": {"rating_overall": "satisfied"},
    }
    for path, data in posts.items():
        for token in ("wrong", None):
            sent = data | ({"csrf_token": token} if token else {})
            response = browser.client.post(path, data=sent)
            assert response.status_code == 400, path
            assert "mã xác thực" in response.get_data(as_text=True)
    assert status_of(http, waiting) == 5
    assert http.dossier(waiting, "citizen")["submission"]["phone"] == "0912345678"
    rating_form = browser.get(f"/ho-so-cua-toi/{done}").all("//form[contains(@action, 'danh-gia')]")
    assert len(rating_form[0].xpath(".//fieldset")) == 4  # nothing rated


def test_the_applicant_rates_each_criterion_once_after_the_result(
    browser: Browser, http: HttpApi
) -> None:
    code = returned(http)
    browser.login("citizen")
    page = browser.get(f"/ho-so-cua-toi/{code}")
    assert len(page.all("//form[contains(@action, 'danh-gia')]//fieldset")) == 4
    nothing = browser.post(
        f"/ho-so-cua-toi/{code}/danh-gia", {}, csrf_from=f"/ho-so-cua-toi/{code}"
    )
    assert nothing.status == 422
    assert nothing.error_summary() == ["Chọn mức đánh giá cho ít nhất một tiêu chí"]
    rated = browser.post(
        f"/ho-so-cua-toi/{code}/danh-gia",
        {"rating_overall": "very_satisfied", "rating_timeliness": "satisfied", "comment": "Nhanh"},
        csrf_from=f"/ho-so-cua-toi/{code}",
    )
    assert rated.status == 302
    page = browser.get(f"/ho-so-cua-toi/{code}")
    given = page.text("//dl[@aria-label='Đánh giá của bạn']")
    assert "Mức độ hài lòng chung Rất hài lòng" in given and "Nhanh" in given
    remaining = page.all("//form[contains(@action, 'danh-gia')]//fieldset/@id")
    assert remaining == ["rating_convenience", "rating_staff_attitude"]
    again = browser.post(
        f"/ho-so-cua-toi/{code}/danh-gia",
        {"rating_overall": "not_satisfied"},
        csrf_from=f"/ho-so-cua-toi/{code}",
    )
    assert again.status == 302
    assert "đã được đánh giá" in browser.get(f"/ho-so-cua-toi/{code}").text()
    browser.post(
        f"/ho-so-cua-toi/{code}/danh-gia",
        {"rating_convenience": "satisfied", "rating_staff_attitude": "satisfied"},
        csrf_from=f"/ho-so-cua-toi/{code}",
    )
    final = browser.get(f"/ho-so-cua-toi/{code}")
    assert final.all("//form[contains(@action, 'danh-gia')]") == []
    assert "Rất hài lòng" in final.text("//dl[@aria-label='Đánh giá của bạn']")  # unchanged


def test_no_rating_before_the_result_is_returned(browser: Browser, http: HttpApi) -> None:
    code = http.submit()["code"]
    browser.login("citizen")
    assert browser.get(f"/ho-so-cua-toi/{code}").all("//form[contains(@action, 'danh-gia')]") == []
    browser.post(
        f"/ho-so-cua-toi/{code}/danh-gia",
        {"rating_overall": "satisfied"},
        csrf_from=f"/ho-so-cua-toi/{code}",
        expect=302,
    )
    assert "chưa thể đánh giá" in browser.get(f"/ho-so-cua-toi/{code}").text()


def test_the_documents_issued_to_the_applicant_download_as_signed_pdfs(
    browser: Browser, other_browser: Browser, http: HttpApi
) -> None:
    code = returned(http)
    browser.login("citizen")
    page = browser.get(f"/ho-so-cua-toi/{code}")
    links = page.all("//ul[@class='document-list']//a")
    titles = [" ".join(a.text_content().split()) for a in links]
    assert any("tiếp nhận" in t.lower() for t in titles), titles
    response = browser.client.get(links[0].get("href"))
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.get_data().startswith(b"%PDF")
    timeline = page.text("//ol[@class='timeline']")
    for label in ("Nộp hồ sơ", "Được tiếp nhận", "Đã xử lý xong", "Đã trả kết quả"):
        assert label in timeline, label
    assert "Trực tiếp tại Bộ phận Một cửa" in timeline and "direct" not in timeline  # labelled
    other_browser.login("citizen2")
    other_browser.get(links[0].get("href"), expect=404)


def test_files_chosen_on_the_supplement_page_join_the_dossier(
    browser: Browser, http: HttpApi
) -> None:
    code = http.submit()["code"]
    http.act(code, "reception", SUPPLEMENT)
    browser.login("citizen")
    form = browser.get(f"/ho-so-cua-toi/{code}/bo-sung")
    assert "PDF, JPG, JPEG, PNG" in form.text("//*[@id='tep-bo-sung-hint']")
    fields = {i.get("name"): i.get("value") or "" for i in form.all("//form//input")}
    fields |= {s.get("name"): s.get("value") for s in form.all("//form//input[@checked]")}
    refused = browser.post(
        f"/ho-so-cua-toi/{code}/bo-sung",
        {**fields, "_files": (io.BytesIO(b"plain text"), "cccd.txt")},
        expect=422,
    )
    assert "Tệp cccd.txt không phải PDF, JPEG hoặc PNG" in refused.text()
    assert status_of(http, code) == 5
    pdf = b"%PDF-1.4\n% ban sao CCCD\n"
    browser.post(
        f"/ho-so-cua-toi/{code}/bo-sung",
        {**fields, "_files": (io.BytesIO(pdf), "ban-sao-cccd.pdf")},
        expect=302,
    )
    submission = http.dossier(code, "citizen")["submission"]
    assert submission["attachments"] == [
        {"name": "ban-sao-cccd.pdf", "sha256": hashlib.sha256(pdf).hexdigest()}
    ]
    assert status_of(http, code) != 5


def test_a_forged_attachment_on_the_supplement_page_is_a_form_error(
    browser: Browser, http: HttpApi
) -> None:
    """The page posts the attachment list as ordinary inputs: a SHA-256 typed in that is no file
    of the dossier is refused by the engine next to the field, and nothing is sent."""
    code = http.submit()["code"]
    http.act(code, "reception", SUPPLEMENT)
    browser.login("citizen")
    form = browser.get(f"/ho-so-cua-toi/{code}/bo-sung")
    fields = {i.get("name"): i.get("value") or "" for i in form.all("//form//input")}
    fields |= {s.get("name"): s.get("value") for s in form.all("//form//input[@checked]")}
    fields.pop(None, None)
    forged = {
        "attachments.0.:row": "1",
        "attachments.0.name": "Bản sao CCCD",
        "attachments.0.sha256": "cd" * 32,
    }
    refused = browser.post(f"/ho-so-cua-toi/{code}/bo-sung", {**fields, **forged}, expect=422)
    assert refused.field_error("f-attachments-0-sha256")
    assert status_of(http, code) == 5
    assert "attachments" not in http.dossier(code, "citizen")["submission"]
