"""The leader's dashboard (issue 16): the unit's dossiers by status, what is due within one
working day or late with its open step and officer, the work each officer holds, releasing and
reassigning a claimed step, the Mẫu 04 steps; nothing of another unit."""

from __future__ import annotations

from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.scheduler import TimerScheduler
from engine.services import users
from engine.services.users import NewUser
from tests.conftest import ADMIN
from tests.pages.browsing import Browser, Page
from tests.support import ACCEPT, DEMO_PASSWORD, UNIT, HttpApi, at

DASHBOARD = "/can-bo/lanh-dao"


def counts(page: Page) -> dict[str, int]:
    return {
        " ".join(item.xpath("strong")[0].text_content().split()): int(
            item.xpath("span[@class='counts__number']")[0].text_content()
        )
        for item in page.all("//ul[@class='counts']/li")
    }


def rows(page: Page, table: str) -> list[str]:
    return [str(r) for r in page.all(f"//table[@id='bang-{table}']//tr/@data-dossier")]


def workload(page: Page) -> dict[str, str]:
    table = page.all("//h2[@id='khoi-luong']/following::table[1]//tbody/tr")
    return {
        " ".join(r.xpath("td")[0].text_content().split()): r.xpath("td")[2].text_content()
        for r in table
    }


def action(page: Page, code: str, table: str, kind: str) -> str:
    row = f"//table[@id='bang-{table}']//tr[@data-dossier='{code}']"
    path = f"{row}//form[contains(@action, '/{kind}')]/@action"
    [found] = page.all(path)
    return str(found)


def test_the_dashboard_counts_the_units_dossiers_and_the_work_each_officer_holds(
    browser: Browser, http: HttpApi
) -> None:
    received = http.submit("citizen")["code"]
    in_process = http.submit("citizen")["code"]
    http.act(in_process, "reception", ACCEPT)
    task = http.task_for(in_process, "specialist")
    http.claim(task["id"], "specialist")
    http.submit("citizen", unit="000.00.08.H29")  # another unit's: not counted

    browser.login("leader")
    page = browser.get(DASHBOARD)
    found = counts(page)
    assert found["Mới đăng ký"] == 1 and found["Đang xử lý"] == 1
    assert sum(found.values()) == 2 and len(found) == 10
    load = workload(page)
    assert load["Specialist"] == "1" and load["Chưa có người nhận"] == "1"
    assert rows(page, "dang-mo") == [received]  # nobody holds its reception step
    held = browser.get(f"{DASHBOARD}?can-bo=specialist")
    assert rows(held, "dang-mo") == [in_process]
    assert "Specialist" in held.text("//table[@id='bang-dang-mo']")


def test_a_leader_releases_and_reassigns_a_claimed_step(
    browser: Browser, http: HttpApi, ctx: EngineContext
) -> None:
    users.create_user(
        ctx, ADMIN, NewUser("specialist2", DEMO_PASSWORD, "Chuyên viên Hai", ("specialist",), UNIT)
    )
    code = http.submit("citizen")["code"]
    http.act(code, "reception", ACCEPT)
    task = http.task_for(code, "specialist")
    http.claim(task["id"], "specialist")
    browser.login("leader")
    page = browser.get(f"{DASHBOARD}?can-bo=specialist")

    assign = action(page, code, "dang-mo", "giao")
    csrf = f"{DASHBOARD}?can-bo=specialist"
    missing = browser.post(assign, {"khu": "dang-mo"}, csrf_from=csrf, expect=422)
    assert missing.field_error(f"dang-mo-officer-{task['id']}") == "Chọn cán bộ nhận việc"
    assert missing.error_summary() == ["Chọn cán bộ nhận việc"]
    wrong = browser.post(assign, {"khu": "dang-mo", "officer": "reception"}, csrf_from=csrf)
    assert wrong.status == 422
    assert "không xử lý được bước" in (wrong.field_error(f"dang-mo-officer-{task['id']}") or "")

    moved = browser.post(assign, {"khu": "dang-mo", "officer": "specialist2"}, csrf_from=csrf)
    assert moved.status == 302
    assert http.task_for(code, "specialist")["claimed_by"] == "specialist2"
    page = browser.get(f"{DASHBOARD}?can-bo=specialist2")
    assert "Đã giao bước Thẩm định hồ sơ" in page.text()
    release = action(page, code, "dang-mo", "tra-lai")
    assert browser.post(release, {}, csrf_from=f"{DASHBOARD}?can-bo=specialist2").status == 302
    assert http.task_for(code, "specialist")["claimed_by"] is None
    assert rows(browser.get(DASHBOARD), "dang-mo") == [code]


def test_dossiers_due_within_a_working_day_or_late_and_the_mau_04_steps(
    browser: Browser, http: HttpApi, clock: FrozenClock, ctx: EngineContext
) -> None:
    code = http.submit("citizen")["code"]  # Tuesday 10 March 2026
    http.act(code, "reception", ACCEPT)  # due Thursday 19 March
    later = http.submit("citizen")["code"]
    http.act(later, "reception", ACCEPT)
    http.claim(http.task_for(code, "specialist")["id"], "specialist")
    browser.login("leader")
    assert rows(browser.get(DASHBOARD), "den-han") == []

    # One working day before the appointment the warning opens the leader's Mẫu 04 step.
    clock.set(at(18, 7, 31))
    http.forget_tokens()
    assert TimerScheduler(ctx).run_once() == 2
    browser.login("leader")  # the earlier session's token has expired meanwhile
    page = browser.get(DASHBOARD)
    assert sorted(rows(page, "den-han")) == sorted([code, code, later, later])
    appraise, reappoint = (
        " ".join(r.text_content().split())
        for r in page.all(f"//table[@id='bang-den-han']//tr[@data-dossier='{code}']")
    )
    # Due tomorrow by law; the appraisal's own deadline (shown) has passed already.
    assert "N***** V** A*" in appraise and "Thẩm định hồ sơ" in appraise
    assert "Specialist Đến hạn trong 1 ngày làm việc Hẹn trả: 19/03/2026" in appraise
    assert "Hạn bước: 16/03/2026 16:30" in appraise
    assert "Mẫu 04" in reappoint and "Chưa có người nhận" in reappoint
    assert "Đến hạn trong 1 ngày làm việc Hẹn trả: 19/03/2026" in reappoint
    assert sorted(rows(page, "mau-04")) == sorted([code, later])
    assert "Mẫu 04" in page.text("//table[@id='bang-mau-04']")

    clock.set(at(20, 9))
    browser.login("leader")
    late = browser.get(DASHBOARD)
    assert late.text("//table[@id='bang-den-han']/tbody").count("Quá hạn") == 4


def test_a_specialist_cannot_open_the_dashboard_and_another_units_leader_sees_nothing(
    browser: Browser, other_browser: Browser, http: HttpApi
) -> None:
    code = http.submit("citizen")["code"]
    task = http.task_for(code, "reception")
    http.claim(task["id"], "reception")
    browser.login("specialist")
    browser.get(DASHBOARD, expect=403)
    other_browser.login("leader_other")
    page = other_browser.get(DASHBOARD)
    assert sum(counts(page).values()) == 0
    assert code not in page.text()
    assert code not in other_browser.get(f"{DASHBOARD}?can-bo=reception").text()
    release = f"/can-bo/lanh-dao/cong-viec/{task['id']}/tra-lai"
    other_browser.post(release, {}, csrf_from=DASHBOARD, expect=403)
    assign = f"/can-bo/lanh-dao/cong-viec/{task['id']}/giao"
    other_browser.post(assign, {"officer": "specialist_other"}, csrf_from=DASHBOARD, expect=403)
    assert http.task_for(code, "reception")["claimed_by"] == "reception"


def test_long_lists_are_paged_and_counted(browser: Browser, http: HttpApi) -> None:
    codes = [http.submit("citizen")["code"] for _ in range(27)]
    browser.login("leader")
    first = browser.get(DASHBOARD)
    assert rows(first, "dang-mo") == codes[:25]
    assert "27 bước" in first.text("//h2[@id='dang-mo']/following::p[1]")
    assert first.text("//nav[@class='pagination']") == "Trang 1 / 2 Trang sau"
    # Not accepted yet, they have no due date: none is listed as due.
    assert rows(first, "den-han") == []
    second = browser.get(f"{DASHBOARD}?can-bo=-&trang=2")
    assert rows(second, "dang-mo") == codes[25:]
    assert browser.get(f"{DASHBOARD}?trang=abc").status == 200


def test_unknown_or_hostile_addresses_are_plain_error_pages(browser: Browser) -> None:
    browser.login("leader")
    browser.post("/can-bo/lanh-dao/cong-viec/khong-co/tra-lai", {}, csrf_from=DASHBOARD, expect=404)
    browser.post(
        "/can-bo/lanh-dao/cong-viec/khong-co/giao",
        {"officer": "specialist", "khu": "<script>"},
        csrf_from=DASHBOARD,
        expect=404,
    )
    assert browser.get(f"{DASHBOARD}?can-bo=%27%22&trang=-1").status == 200
    assert browser.get(f"{DASHBOARD}?can-bo=%00", expect=400)  # NUL never reaches SQL
    browser.get("/can-bo/ho-so/KHONG-CO/van-ban/1", expect=404)
    browser.get("/can-bo/ho-so/KHONG-CO/tep/xyz", expect=404)
