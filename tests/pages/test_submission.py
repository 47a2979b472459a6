"""Nộp hồ sơ trực tuyến with the test client (no JavaScript): fill, upload, review, submit, the
acknowledgement; errors next to their fields with the input kept; CSRF; files bound to their
uploader; the same engine validation as the API."""

from __future__ import annotations

import hashlib
import io
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import pytest
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

import web
from engine.context import EngineContext
from engine.definitions.bundles import bundle_from_directory
from engine.services import definitions
from tests.conftest import ADMIN, REPO
from tests.http.test_employer_applicant import EMPLOYER, sick_employee
from tests.pages.browsing import Browser, Page
from tests.support import UNIT, applicant, submission

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PATH = "/nop-ho-so/cap_lai_the_bhyt"


def form_fields(
    page: Page, xpath: str = "//main//form[.//input[@name='_draft']]"
) -> dict[str, str]:
    """The hidden fields of the page's submission form (CSRF token, draft)."""
    form = page.all(xpath)[0]
    return {str(i.get("name")): str(i.get("value")) for i in form.xpath(".//input[@type='hidden']")}


def filled(**overrides: Any) -> dict[str, Any]:
    """The page's inputs for a complete TK1-TS declaration (as tests.support's API submission)."""
    person = applicant()
    data = submission()
    fields: dict[str, Any] = {
        "receiving_unit": UNIT,
        "applicant.full_name": person["full_name"],
        "applicant.id_number": person["id_number"],
        "applicant.phone": person["phone"],
    }
    for key, value in data.items():
        if isinstance(value, str):
            fields[key] = value
    return {**fields, **overrides}


def post(browser: Browser, page: Page, data: dict[str, Any], **kwargs: Any) -> Page:
    response = browser.client.post(
        PATH, data={**form_fields(page), **data}, content_type="multipart/form-data", **kwargs
    )
    return Page.of(response)


def review(browser: Browser, files: tuple[tuple[bytes, str], ...] = (), **overrides: str) -> Page:
    start = browser.get(PATH)
    uploads = [(io.BytesIO(content), name) for content, name in files]
    page = post(browser, start, {**filled(**overrides), "_step": "review", "_files": uploads})
    assert page.status == 200, page.html[:3000]
    return page


def test_a_citizen_submits_online_and_gets_the_acknowledgement(browser: Browser) -> None:
    browser.login("citizen")
    page = review(browser, files=((PDF, "don-de-nghi.pdf"),))
    assert "Xem lại hồ sơ trước khi nộp" in page.text()
    assert "Nguyễn Văn An" in page.text()
    assert "Cấp lại do mất thẻ" in page.text()  # the choice's label, not its value
    response = browser.client.post(PATH, data={**form_fields(page), "_step": "submit"})
    assert response.status_code == 302
    done = browser.get(response.headers["Location"])
    code = done.text("//*[@data-dossier-code]")
    assert code.startswith(UNIT)
    assert done.text("//*[@data-sha256]") == hashlib.sha256(PDF).hexdigest()
    assert "don-de-nghi.pdf" in done.text()
    assert "Cấp lại, đổi thẻ bảo hiểm y tế" in done.text() or "thẻ" in done.text()
    # The same review page posted again (a double click) shows the same dossier.
    again = browser.client.post(PATH, data={**form_fields(page), "_step": "submit"})
    assert again.headers["Location"] == response.headers["Location"]
    mine = browser.get("/ho-so-cua-toi")
    assert mine.text().count(code) == 1


def test_errors_are_shown_next_to_their_fields_and_the_input_is_kept(browser: Browser) -> None:
    browser.login("citizen")
    start = browser.get(PATH)
    page = post(
        browser,
        start,
        {**filled(**{"applicant.id_number": "12", "social_insurance_code": ""}), "_step": "review"},
    )
    assert page.status == 422
    assert page.field_error("f-applicant-id_number") is not None
    assert "định dạng" in (page.field_error("f-applicant-id_number") or "")
    assert page.field_error("f-social_insurance_code") == "Nhập mã số BHXH"
    assert page.all("//input[@name='applicant.full_name']/@value") == ["Nguyễn Văn An"]
    assert page.all("//input[@name='applicant.id_number']/@value") == ["12"]
    assert page.error_summary()
    assert page.text("//title").startswith("Lỗi:")


def test_a_file_of_the_wrong_type_is_refused_by_content_with_the_rules_shown_before(
    browser: Browser,
) -> None:
    browser.login("citizen")
    start = browser.get(PATH)
    assert "PDF, JPG, JPEG, PNG" in start.text() and "10 MB" in start.text()
    page = post(
        browser,
        start,
        {**filled(), "_step": "review", "_files": [(io.BytesIO(b"MZ\x90\x00"), "don.pdf")]},
    )
    assert page.status == 422
    assert "không phải tệp PDF" in (page.field_error("_files") or "")
    # A good file uploaded alone stays with the draft while the rest is corrected.
    kept = post(browser, start, {"_step": "upload", "_files": [(io.BytesIO(PDF), "a.pdf")]})
    assert kept.status == 200 and "a.pdf" in kept.text()
    assert not kept.error_summary()  # uploading first judges nothing else yet
    reviewed = post(browser, kept, {**filled(), "_step": "review"})
    assert hashlib.sha256(PDF).hexdigest() in reviewed.text()


def test_a_draft_names_only_files_its_own_account_uploaded(
    browser: Browser, other_browser: Browser
) -> None:
    browser.login("citizen")
    page = review(browser, files=((PDF, "a.pdf"),))
    other_browser.login("citizen2")
    own = other_browser.get(PATH).csrf_token()
    fields = {**form_fields(page), "csrf_token": own, "_step": "submit"}
    stolen = other_browser.client.post(PATH, data=fields)
    assert stolen.status_code == 422
    assert "hết hạn hoặc không hợp lệ" in Page.of(stolen).text()


def test_without_a_csrf_token_nothing_is_submitted(browser: Browser) -> None:
    browser.login("citizen")
    page = review(browser)
    for token in (None, "wrong"):
        fields = {k: v for k, v in form_fields(page).items() if k != "csrf_token"}
        if token is not None:
            fields["csrf_token"] = token
        response = browser.client.post(PATH, data={**fields, "_step": "submit"})
        assert response.status_code == 400
    assert "Bạn chưa nộp hồ sơ nào." in browser.get("/ho-so-cua-toi").text()
    # The same page with its token submits (the draft was fine; only the token was missing).
    response = browser.client.post(PATH, data={**form_fields(page), "_step": "submit"})
    assert response.status_code == 302
    assert "Bạn có 1 hồ sơ." in browser.get("/ho-so-cua-toi").text()


def test_a_script_in_a_name_is_shown_as_text(browser: Browser) -> None:
    browser.login("citizen")
    name = "<script>alert(1)</script>An"
    page = review(browser, (), **{"applicant.full_name": name})
    assert "<script>alert(1)</script>" not in page.html
    assert name in page.text()
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_anonymous_visitors_are_sent_to_log_in_and_no_identifier_is_logged(
    browser: Browser, caplog: pytest.LogCaptureFixture
) -> None:
    response = browser.client.get(PATH)
    assert response.status_code == 302 and "/dang-nhap" in response.headers["Location"]
    caplog.set_level(logging.DEBUG)
    browser.login("citizen")
    page = review(browser, files=((PDF, "a.pdf"),))
    done = browser.client.post(PATH, data={**form_fields(page), "_step": "submit"})
    assert applicant()["id_number"] not in done.headers["Location"]
    assert applicant()["id_number"] not in caplog.text


def test_the_procedure_page_links_to_online_submission(browser: Browser) -> None:
    page = browser.get("/thu-tuc/cap_lai_the_bhyt")
    assert page.all("//a[@data-submit-online]/@href") == [PATH]


def test_an_employer_procedure_asks_for_the_employer_and_is_submitted(
    browser: Browser, ctx: EngineContext
) -> None:
    definitions.deploy(
        ctx, ADMIN, bundle_from_directory(REPO / "bpmn" / "om_dau.bpmn", REPO / "forms")
    )
    browser.login("citizen")
    path = "/nop-ho-so/om_dau"
    start = browser.get(path)
    assert "Đơn vị nộp hồ sơ" in start.text() and "Mã số thuế" in start.text()
    employee = sick_employee()
    fields = {
        "receiving_unit": UNIT,
        **{f"applicant.{k}": v for k, v in EMPLOYER.items() if k != "kind"},
        "period_month": "2026-03",
        "payment_channel": "employer_account",
        "employees.0.:row": "1",
        **{f"employees.0.{k}": str(v) for k, v in employee.items()},
        "_step": "review",
    }
    response = browser.client.post(
        path, data={**form_fields(start), **fields}, content_type="multipart/form-data"
    )
    page = Page.of(response)
    assert page.status == 200, page.error_summary()
    assert "Công ty TNHH Dệt may Hồng Hà" in page.text()
    done = browser.client.post(path, data={**form_fields(page), "_step": "submit"})
    assert done.status_code == 302
    acknowledgement = browser.get(done.headers["Location"])
    assert acknowledgement.text("//*[@data-dossier-code]").startswith(UNIT)


def test_a_scan_larger_than_a_form_post_is_accepted_and_other_pages_keep_their_limit(
    browser: Browser,
) -> None:
    # The CSRF check reads the body before any view: the file limit must apply before it does.
    browser.login("citizen")
    scan = PDF[:-6] + b"%" + b"0" * (2 * 1024 * 1024) + b"\n%%EOF\n"
    start = browser.get(PATH)
    fields = {**form_fields(start), **filled(), "_step": "review"}
    # Encoded in memory: the test client would spool a large body to a file it never closes.
    boundary, body = encode_multipart(
        MultiDict([*fields.items(), ("_files", FileStorage(io.BytesIO(scan), "ban-chup-2MB.pdf"))])
    )
    response = browser.client.post(
        PATH, data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )
    page = Page.of(response)
    assert page.status == 200, page.html[:2000]
    assert "ban-chup-2MB.pdf" in page.text()
    lookup = browser.get("/")
    token = form_fields(lookup, "//form[.//input[@name='csrf_token']]")["csrf_token"]
    refused = browser.client.post("/tra-cuu", data={"csrf_token": token, "ma": "x" * 1_600_000})
    assert refused.status_code == 413


def test_posts_that_store_files_are_rate_limited_per_address(ctx: EngineContext) -> None:
    limited = replace(ctx.settings, ratelimit_upload="2/minute")
    browser = Browser(web.create_app(context=replace(ctx, settings=limited)).test_client())
    browser.login("citizen")
    start = browser.get(PATH)
    for _ in range(2):
        assert post(browser, start, {"_step": "upload", "_files": []}).status != 429
    assert post(browser, start, {"_step": "upload", "_files": []}).status == 429


def test_another_citizen_s_acknowledgement_is_not_found(
    browser: Browser, other_browser: Browser
) -> None:
    browser.login("citizen")
    page = review(browser, files=((PDF, "don.pdf"),))
    response = browser.client.post(PATH, data={**form_fields(page), "_step": "submit"})
    done = response.headers["Location"]
    browser.get(done)
    other_browser.login("citizen2")
    other_browser.get(done, expect=404)  # not 403: a code that exists looks like one that does not
    other_browser.get("/nop-ho-so/da-nop/000.00.07.H29-260310-9999", expect=404)


def test_a_review_page_replayed_from_another_session_shows_the_first_dossier(
    browser: Browser, other_browser: Browser
) -> None:
    """The draft's nonce is the dossier's submission key, kept by the engine: no session is
    needed to recognise the replay, and two posts at once make one dossier too."""
    browser.login("citizen")
    page = review(browser, files=((PDF, "don.pdf"),))
    submitted = browser.client.post(PATH, data={**form_fields(page), "_step": "submit"})
    assert submitted.status_code == 302
    other_browser.login("citizen")  # a new session of the same account
    fields = {**form_fields(page), "csrf_token": other_browser.get(PATH).csrf_token()}
    replayed = other_browser.client.post(PATH, data={**fields, "_step": "submit"})
    assert replayed.status_code == 302
    assert replayed.headers["Location"] == submitted.headers["Location"]
    # edited after it was submitted (back, edit, review, submit): still the draft's one dossier
    edited = post(browser, page, {**filled(**{"applicant.phone": "0987654321"}), "_step": "review"})
    again = browser.client.post(PATH, data={**form_fields(edited), "_step": "submit"})
    assert again.headers["Location"] == submitted.headers["Location"]
    assert "Bạn có 1 hồ sơ." in browser.get("/ho-so-cua-toi").text()

    second = review(browser)
    racers = [browser, other_browser]
    tokens = [b.get(PATH).csrf_token() for b in racers]
    barrier = threading.Barrier(len(racers))

    def submit(index: int) -> str:
        barrier.wait()
        data = {**form_fields(second), "csrf_token": tokens[index], "_step": "submit"}
        response = racers[index].client.post(PATH, data=data)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return str(response.headers["Location"])

    with ThreadPoolExecutor(max_workers=len(racers)) as pool:
        locations = set(pool.map(submit, range(len(racers))))
    assert len(locations) == 1 and submitted.headers["Location"] not in locations
    assert "Bạn có 2 hồ sơ." in browser.get("/ho-so-cua-toi").text()
