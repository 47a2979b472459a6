"""The officers' inbox and task page in Chromium (issue 16): a dossier worked through to the end by
reception, specialist and leader; two officers claiming one task at once; a task completed with
the keyboard alone; axe-core on both pages; screenshots under var/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.chromium import SCREENSHOTS, assert_accessible, focused, screenshots, tab_to
from tests.browser.conftest import new_context
from tests.live_server import DemoServer
from tests.support import submission

pytestmark = pytest.mark.timeout(300)
INBOX = "/can-bo/hop-cong-viec"
CLAIM = re.compile("^Nhận việc")
SECOND_RECEPTION = ("reception.b", "reception-b-demo-2026")


@pytest.fixture(scope="module")
def second_reception(live: DemoServer) -> tuple[str, str]:
    """Another reception officer of the demo unit (the demo has one)."""
    username, password = SECOND_RECEPTION
    status, body = live.call(
        "POST",
        "/admin/users",
        "admin",
        {
            "username": username,
            "password": password,
            "full_name": "Lê Văn Bảo (một cửa)",
            "roles": ["reception"],
            "unit_code": "000.00.07.H29",
        },
    )
    assert status in (201, 409), body
    return SECOND_RECEPTION


def photographed(page: Page, name: str) -> None:
    """The shared screenshots (360 and 1280 px) and one at 375 px, the brief's phone."""
    screenshots(page, name)
    original = page.viewport_size
    page.set_viewport_size({"width": 375, "height": 812})
    page.screenshot(path=str(SCREENSHOTS / f"{name}-375.png"), full_page=True)
    if original:
        page.set_viewport_size(original)


def login(page: Page, live: DemoServer, username: str, password: str | None = None) -> None:
    page.goto(live.url("/dang-nhap"))
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(password or f"{username}-demo-2026")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


def row_of(page: Page, code: str):  # type: ignore[no-untyped-def]
    return page.locator("tbody tr", has=page.get_by_role("link", name=code, exact=True))


def claim_and_open(page: Page, live: DemoServer, code: str) -> None:
    """From the inbox: claim the dossier's task in place, then open its page."""
    page.goto(live.url(INBOX))
    row = row_of(page, code)
    expect(row).to_have_count(1)
    page.evaluate("() => { window.__samePage = true; }")
    row.get_by_role("button", name=CLAIM).click()
    expect(row_of(page, code)).to_contain_text("Bạn đã nhận công việc")
    assert page.evaluate("() => window.__samePage") is True  # the row was swapped, no reload
    row_of(page, code).get_by_role("link", name=code).click()
    expect(page.get_by_role("heading", level=2, name="Xử lý bước")).to_be_visible()


def complete(page: Page, code: str, step: str) -> None:
    page.get_by_role("button", name="Hoàn thành bước").click()
    expect(page.locator(".banner--success")).to_contain_text(
        f"Đã hoàn thành bước “{step}” của hồ sơ {code}."
    )


def test_a_dossier_is_worked_through_to_the_end_from_the_inbox(
    page: Page, live: DemoServer
) -> None:
    code = live.submit(submission())["code"]

    login(page, live, "reception")
    claim_and_open(page, live, code)
    expect(page.locator(".diagram[data-ready='true']")).to_be_visible()  # bpmn-js drew it
    assert page.locator(".djs-element.diagram-current").count() >= 1
    assert_accessible(page)
    photographed(page, "workspace-task")
    page.locator("input[name='decision'][value='accept']").check()
    if page.locator("[name='documents_received.0.name']").count() == 0:
        page.get_by_role("button", name=re.compile("Thêm dòng")).first.click()
    page.locator("[name='documents_received.0.name']").fill("Tờ khai TK1-TS")
    page.locator("[name='documents_received.0.kind'][value='original']").check()
    page.locator("[name='documents_received.0.quantity']").fill("1")
    complete(page, code, "Kiểm tra, tiếp nhận hồ sơ")
    assert_accessible(page)
    photographed(page, "workspace-inbox")

    page.context.clear_cookies()
    login(page, live, "specialist")
    claim_and_open(page, live, code)
    page.locator("input[name='decision'][value='approve']").check()
    page.locator("[name='opinion']").fill("Đủ điều kiện cấp lại thẻ")
    page.locator("[name='new_card_number']").fill("DN4010123456790")
    complete(page, code, "Thẩm định hồ sơ")

    page.context.clear_cookies()
    login(page, live, "leader")
    claim_and_open(page, live, code)
    page.locator("input[name='decision'][value='approve']").check()
    page.get_by_role("button", name="Hoàn thành bước").click()
    expect(page.locator(".banner--success")).to_contain_text(code)

    page.context.clear_cookies()
    login(page, live, "reception")
    claim_and_open(page, live, code)
    page.locator("input[name='returned_via'][value='direct']").check()
    page.locator("[name='recipient_name']").fill("Nguyễn Văn An")
    page.get_by_role("button", name="Hoàn thành bước").click()
    expect(page.locator(".banner--success")).to_contain_text(code)

    status, dossier = live.call("GET", f"/dossiers/{code}", "reception")
    assert status == 200 and dossier["status"]["code"] == 10, dossier["status"]
    expect(row_of(page, code)).to_have_count(0)


def test_two_officers_claim_one_task_at_once_and_the_loser_is_told(
    chromium: Browser, live: DemoServer, second_reception: tuple[str, str]
) -> None:
    code = live.submit(submission())["code"]
    pages = []
    for username, password in (("reception", None), second_reception):
        context = new_context(chromium)
        visitor = context.new_page()
        login(visitor, live, username, password)
        visitor.goto(live.url(INBOX))
        expect(row_of(visitor, code).get_by_role("button", name=CLAIM)).to_be_visible()
        pages.append(visitor)
    # Both press the button at the same moment (one clock: the same machine), not one by one.
    handles = [row_of(p, code).get_by_role("button", name=CLAIM).element_handle() for p in pages]
    moment = pages[0].evaluate("() => Date.now() + 400")
    for p, handle in zip(pages, handles, strict=True):
        p.evaluate("([el, at]) => setTimeout(() => el.click(), at - Date.now())", [handle, moment])
    for p in pages:
        expect(row_of(p, code).locator(".inbox-row__message")).to_be_visible()
    messages = [row_of(p, code).locator(".inbox-row__message").inner_text() for p in pages]
    won = [m for m in messages if m.startswith("Bạn đã nhận công việc")]
    lost = [m for m in messages if m.startswith("Không nhận được: cán bộ")]
    assert len(won) == 1 and len(lost) == 1, messages
    loser = pages[messages.index(lost[0])]
    assert row_of(loser, code).locator("[role='alert']").count() == 1
    assert_accessible(loser)
    photographed(loser, "workspace-inbox-claim-lost")
    for p in pages:
        p.context.close()


def test_a_task_is_completed_with_the_keyboard_alone(page: Page, live: DemoServer) -> None:
    code = live.submit(submission())["code"]
    login(page, live, "reception")
    page.goto(live.url(INBOX))
    # From the inbox to the task, claiming it, by keyboard only.
    assert tab_to(page, "a", code).visible
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kiểm tra, tiếp nhận hồ sơ")
    assert tab_to(page, "button", "Nhận việc").visible
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=2, name="Xử lý bước")).to_be_visible()
    # Refuse: the decision's radios with the arrow keys, the reasons typed, then submit.
    first = tab_to(page, "input", "decision")
    assert first.visible
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.locator("input[name='decision'][value='refuse']").is_checked()
    tab_to(page, "textarea", "reasons")
    page.keyboard.type("Không thuộc thẩm quyền giải quyết của đơn vị")
    assert focused(page).name == "reasons"
    assert tab_to(page, "button", "Hoàn thành bước").visible
    page.keyboard.press("Enter")
    expect(page.locator(".banner--success")).to_contain_text(code)
    status, dossier = live.call("GET", f"/dossiers/{code}", "reception")
    assert status == 200 and dossier["status"]["code"] == 3  # not accepted


def test_the_inbox_refreshes_itself(page: Page, live: DemoServer) -> None:
    login(page, live, "reception")
    page.goto(live.url(INBOX))
    page.evaluate("() => { window.__samePage = true; }")
    code = live.submit(submission())["code"]
    # htmx polls every 30 s; trigger the poll now rather than waiting (no sleeps in tests).
    page.evaluate(
        "() => htmx.ajax('GET', location.href,"
        " {target: '#ket-qua-hop-cong-viec', swap: 'outerHTML'})"
    )
    expect(row_of(page, code)).to_have_count(1)
    assert page.evaluate("() => window.__samePage") is True
