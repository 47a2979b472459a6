"""The officers' inbox and task page as officers use them (issue 16): what the inbox lists and
counts, its filters, orders and pages, claiming and releasing in place, another unit's officer
seeing nothing, completing a step with its form, and conflicts told in plain Vietnamese."""

from __future__ import annotations

import base64
import hashlib
import io
from datetime import timedelta

import pytest

from engine.clock import FrozenClock
from tests.pages.browsing import Browser, Page
from tests.support import HttpApi, submission

INBOX = "/can-bo/hop-cong-viec"
#: The smallest valid PNG (1x1 pixel).
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


#: Reception's "accept" (like tests.support.ACCEPT) as the task page's form posts it.
ACCEPTED = {
    "decision": "accept",
    "documents_received.0.name": "Tờ khai TK1-TS",
    "documents_received.0.kind": "original",
    "documents_received.0.quantity": "1",
}


def codes(page: Page) -> list[str]:
    return [" ".join(a.text_content().split()) for a in page.all("//tbody/tr/td[1]/a")]


def count(page: Page, name: str) -> int:
    return int(page.all(f"//*[@data-count='{name}']")[0].text_content())


def logged_in(browser: Browser, username: str) -> Browser:
    browser.login(username)
    return browser


def submitted(http: HttpApi, n: int) -> list[str]:
    return [http.submit()["code"] for _ in range(n)]


def test_the_inbox_lists_my_open_tasks_with_masked_applicants_and_deadline_words(
    browser: Browser, other_browser: Browser, http: HttpApi
) -> None:
    code = submitted(http, 1)[0]
    page = logged_in(browser, "reception").get(INBOX)
    assert codes(page) == [code]
    row = page.text("//tbody/tr")
    assert "N***** V** A*" in row and "Nguyễn Văn An" not in page.html
    assert "Kiểm tra, tiếp nhận hồ sơ" in row and "Cấp lại, đổi thẻ bảo hiểm y tế" in row
    # Due in 8 working hours: within one working day, said in words as well as in colour.
    assert page.all("//tbody/tr[contains(@class, 'inbox-row--due-soon')]")
    assert "Sắp đến hạn" in row
    assert (count(page, "total"), count(page, "unclaimed"), count(page, "mine")) == (1, 1, 0)
    assert "Hộp công việc" in page.text("//nav")
    # The specialist has nothing yet: the task is reception's.
    nothing = logged_in(other_browser, "specialist").get(INBOX)
    assert "Không có công việc nào khớp bộ lọc." in nothing.text()


def test_filters_orders_pages_and_counts(
    browser: Browser, http: HttpApi, clock: FrozenClock
) -> None:
    made = submitted(http, 22)
    for code in made[:2]:
        http.claim(http.task_for(code, "reception")["id"], "reception")
    logged_in(browser, "reception")
    first = browser.get(INBOX)
    assert len(codes(first)) == 20 and "Trang 1 / 2" in first.text()
    assert codes(browser.get(f"{INBOX}?trang=2")) == made[20:]
    assert codes(first) == made[:20]  # oldest first
    assert sorted(codes(browser.get(f"{INBOX}?nguoi-xu-ly=cua-toi"))) == sorted(made[:2])
    assert len(codes(browser.get(f"{INBOX}?nguoi-xu-ly=chua-nhan"))) == 20
    assert (count(first, "total"), count(first, "mine"), count(first, "unclaimed")) == (22, 2, 20)
    by_code = codes(browser.get(f"{INBOX}?sap-xep=ma&thu-tu=giam"))
    assert by_code[0] == max(made)
    assert codes(browser.get(f"{INBOX}?thu-tuc=bhxh_mot_lan")) == []
    assert len(codes(browser.get(f"{INBOX}?thu-tuc=cap_lai_the_bhyt&trang-thai=1"))) == 20
    assert codes(browser.get(f"{INBOX}?trang-thai=4")) == []
    assert codes(browser.get(f"{INBOX}?han=qua-han")) == []
    # Two working days later every step (due in 8 working hours) is overdue.
    clock.advance(timedelta(days=2))
    logged_in(browser, "reception")  # the session's token has expired meanwhile
    later = browser.get(f"{INBOX}?han=qua-han")
    assert count(later, "overdue") == 22 and len(codes(later)) == 20
    assert "Quá hạn" in later.text("//tbody/tr")
    assert codes(browser.get(f"{INBOX}?han=trong-han")) == []
    # Nonsense in the address is ignored, never an error.
    assert len(codes(browser.get(f"{INBOX}?trang=x&han=%27&sap-xep=;drop&trang-thai=99"))) == 20


def test_an_officer_of_another_unit_sees_none_of_it(
    browser: Browser, other_browser: Browser, http: HttpApi
) -> None:
    code = submitted(http, 1)[0]
    task_id = http.task_for(code, "reception")["id"]
    logged_in(other_browser, "reception_other")
    page = other_browser.get(INBOX)
    assert codes(page) == [] and count(page, "total") == 0
    other_browser.get(f"/can-bo/cong-viec/{task_id}", expect=404)
    other_browser.get(f"/can-bo/ho-so/{code}/so-do.bpmn", expect=404)
    answer = other_browser.post(f"/can-bo/cong-viec/{task_id}/nhan", {}, csrf_from=INBOX)
    assert answer.status == 404
    assert http.task_for(code, "reception")["claimed_by"] is None


def test_claim_and_release_without_javascript_come_back_to_the_inbox(
    browser: Browser, http: HttpApi
) -> None:
    code = submitted(http, 1)[0]
    task_id = http.task_for(code, "reception")["id"]
    logged_in(browser, "reception")
    here = f"{INBOX}?nguoi-xu-ly=chua-nhan"
    answer = browser.post(
        f"/can-bo/cong-viec/{task_id}/nhan", {"ho-so": code, "next": here}, csrf_from=INBOX
    )
    assert answer.status == 302 and answer.headers["Location"] == here
    page = browser.get(INBOX)
    assert f"Bạn đã nhận công việc của hồ sơ {code}." in page.text("//main")
    assert "Bạn" in page.text("//tbody/tr/td[8]") and count(page, "mine") == 1
    browser.post(f"/can-bo/cong-viec/{task_id}/tra-lai", {"ho-so": code}, csrf_from=INBOX)
    assert http.task_for(code, "reception")["claimed_by"] is None
    # An address of another site is never where it goes back to.
    answer = browser.post(
        f"/can-bo/cong-viec/{task_id}/nhan",
        {"ho-so": code, "next": "//evil.example"},
        csrf_from=INBOX,
    )
    assert answer.headers["Location"] == INBOX


def test_with_htmx_a_claim_swaps_its_row_and_the_loser_is_told_who_won(
    browser: Browser, other_browser: Browser, http: HttpApi
) -> None:
    code = submitted(http, 1)[0]
    task_id = http.task_for(code, "reception")["id"]
    logged_in(browser, "reception")
    logged_in(other_browser, "reception2")
    token = other_browser.get(INBOX).csrf_token()  # both see the task unclaimed
    htmx = {"HX-Request": "true", "HX-Target": f"cong-viec-{task_id}"}
    won = browser.post(
        f"/can-bo/cong-viec/{task_id}/nhan", {"ho-so": code}, csrf_from=INBOX, headers=htmx
    )
    assert won.status == 200 and won.html.lstrip().startswith("<tr")
    assert "Trả lại" in won.text("//tr") and "Bạn đã nhận công việc" in won.text("//tr")
    lost = Page.of(
        other_browser.client.post(
            f"/can-bo/cong-viec/{task_id}/nhan",
            data={"csrf_token": token, "ho-so": code},
            headers=htmx,
        )
    )
    assert lost.status == 200
    assert "Không nhận được: cán bộ reception đã nhận công việc này trước bạn." in lost.text("//tr")
    assert lost.all("//tr//*[@role='alert']") and not lost.all("//tr//button")


def test_the_results_alone_refresh_for_htmx(browser: Browser, http: HttpApi) -> None:
    submitted(http, 1)
    logged_in(browser, "reception")
    page = browser.get(INBOX)
    results = page.all("//*[@id='ket-qua-hop-cong-viec']")[0]
    assert results.get("hx-trigger") == "every 30s" and results.get("hx-get").startswith(INBOX)
    fragment = Page.of(
        browser.client.get(
            INBOX, headers={"HX-Request": "true", "HX-Target": "ket-qua-hop-cong-viec"}
        )
    )
    assert fragment.html.lstrip().startswith('<div id="ket-qua-hop-cong-viec"')
    assert "<h1" not in fragment.html


def open_task(browser: Browser, http: HttpApi, user: str = "reception") -> tuple[str, str]:
    code = submitted(http, 1)[0]
    task_id = http.task_for(code, user)["id"]
    http.claim(task_id, user)
    logged_in(browser, user)
    return code, task_id


def test_the_task_page_shows_the_dossier_files_steps_and_diagram(
    browser: Browser, http: HttpApi
) -> None:
    code, task_id = open_task(browser, http)
    response = http.client.post(
        f"/api/v1/dossiers/{code}/files",
        data={"file": (io.BytesIO(PNG), "the.png")},
        headers={"Authorization": f"Bearer {http.token('citizen')}"},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    page = browser.get(f"/can-bo/cong-viec/{task_id}")
    assert page.text("//h1") == "Kiểm tra, tiếp nhận hồ sơ"
    assert "Nguyễn Văn An" in page.text("//section[@aria-labelledby='ho-so']")
    form = page.text("//section[@aria-labelledby='xu-ly']")
    reasons_note = "bắt buộc khi “Kết quả kiểm tra” là “Yêu cầu bổ sung, hoàn thiện”, “Từ chối"
    assert "Lý do (Mẫu 02 / Mẫu 03)" in form and reasons_note in form
    # The submitted data with the form's labels and the choices' words.
    submitted = page.text("//section[@aria-labelledby='ho-so']")
    assert "reissue_lost" not in submitted and "[01] Họ và tên Nguyễn Văn An" in submitted
    # The decision's choices in Vietnamese.
    labels = [
        " ".join(x.text_content().split()) for x in page.all("//fieldset[@id='f-decision']//label")
    ]
    assert labels == ["Tiếp nhận", "Yêu cầu bổ sung, hoàn thiện", "Từ chối tiếp nhận"]
    link = page.all("//section[@aria-labelledby='tep']//a")[0].get("href")
    image = browser.client.get(link)
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.headers["Content-Disposition"].startswith("inline")
    assert "Kiểm tra, tiếp nhận hồ sơ" in page.text("//ol[@class='timeline']")
    diagram = page.all("//div[@class='diagram']")[0]
    assert diagram.get("data-current") == "check_dossier"
    xml = browser.client.get(diagram.get("data-bpmn-url"))
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert b"check_dossier" in xml.data
    svg = browser.client.get(page.all("//img[@class='diagram__fallback']")[0].get("src"))
    assert svg.mimetype == "image/svg+xml"


def test_a_listed_attachment_without_its_file_is_marked_on_the_task_page(
    browser: Browser, http: HttpApi
) -> None:
    """The API takes the list of attachments with the dossier and the files afterwards: an
    entry naming a file never uploaded is said to be one, beside the entry."""
    uploaded = hashlib.sha256(PNG).hexdigest()
    listed = [
        {"name": "Ảnh chân dung", "sha256": uploaded},
        {"name": "Giấy chứng sinh", "sha256": "ab" * 32},
        {"name": "Bản giấy nộp trực tiếp"},
    ]
    code = http.submit(data=submission(attachments=listed))["code"]
    response = http.client.post(
        f"/api/v1/dossiers/{code}/files",
        data={"file": (io.BytesIO(PNG), "anh.png")},
        headers={"Authorization": f"Bearer {http.token('citizen')}"},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    task_id = http.task_for(code, "reception")["id"]
    page = logged_in(browser, "reception").get(f"/can-bo/cong-viec/{task_id}")
    entries = [
        " ".join(li.text_content().split())
        for li in page.all("//section[@aria-labelledby='ho-so']//li[.//dt]")
    ]
    assert entries == [
        f"Tên giấy tờ Ảnh chân dung Mã băm SHA-256 của tệp {uploaded}",
        f"Tên giấy tờ Giấy chứng sinh Mã băm SHA-256 của tệp {'ab' * 32} "
        "(không có tệp này trong hồ sơ)",
        "Tên giấy tờ Bản giấy nộp trực tiếp",
    ]


def test_completing_with_a_field_error_shows_it_next_to_the_field(
    browser: Browser, http: HttpApi
) -> None:
    code, task_id = open_task(browser, http)
    page = browser.post(f"/can-bo/cong-viec/{task_id}", {"decision": "supplement"})
    assert page.status == 422 and page.text("//title").startswith("Lỗi:")
    assert page.field_error("f-reasons") == "Nhập lý do (Mẫu 02 / Mẫu 03)"
    assert "Nhập lý do (Mẫu 02 / Mẫu 03)" in page.error_summary()
    assert http.task_for(code, "reception")["status"] == "open"


def test_completing_a_step_moves_the_dossier_to_the_next_officer(
    browser: Browser, other_browser: Browser, http: HttpApi
) -> None:
    code, task_id = open_task(browser, http)
    answer = browser.post(f"/can-bo/cong-viec/{task_id}", ACCEPTED)
    assert answer.status == 302 and answer.headers["Location"] == INBOX
    assert (
        f"Đã hoàn thành bước “Kiểm tra, tiếp nhận hồ sơ” của hồ sơ {code}."
        in browser.get(INBOX).text()
    )
    assert codes(logged_in(other_browser, "specialist").get(INBOX)) == [code]


def test_completing_a_task_someone_released_meanwhile_says_so_plainly(
    browser: Browser, http: HttpApi
) -> None:
    code, task_id = open_task(browser, http)
    token = browser.get(f"/can-bo/cong-viec/{task_id}").csrf_token()
    http.call("POST", f"/api/v1/tasks/{task_id}/release", "leader")  # the leader takes it back
    answer = Page.of(
        browser.client.post(f"/can-bo/cong-viec/{task_id}", data={"csrf_token": token, **ACCEPTED})
    )
    assert answer.status == 409
    assert "Bạn chưa nhận công việc này" in answer.text("//*[@id='loi-xu-ly']")


@pytest.mark.parametrize("path", ["/can-bo/cong-viec/khong-co", "/can-bo/ho-so/KHONG/so-do.bpmn"])
def test_unknown_tasks_and_dossiers_are_not_found(browser: Browser, path: str) -> None:
    logged_in(browser, "reception").get(path, expect=404)
