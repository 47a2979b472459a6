"""The administrators' pages (/can-bo/quan-tri) as an administrator uses them: accounts (create,
edit, deactivate, activate, unlock), the two-person role grants, units, calendar overrides;
errors next to their fields in Vietnamese with what was typed kept; and who may not."""

from __future__ import annotations

import contextlib

from engine.context import EngineContext
from engine.errors import AuthenticationError, TooManyAttemptsError
from engine.services import grants, logins, users
from engine.services.users import NewUser
from tests.conftest import ADMIN, SECOND_ADMIN
from tests.pages.browsing import Browser
from tests.support import DEMO_PASSWORD, UNIT

PAGES = [
    "/can-bo/quan-tri/nguoi-dung",
    "/can-bo/quan-tri/nguoi-dung/moi",
    "/can-bo/quan-tri/nguoi-dung/specialist",
    "/can-bo/quan-tri/cap-vai-tro",
    "/can-bo/quan-tri/don-vi",
    f"/can-bo/quan-tri/don-vi/{UNIT}",
    "/can-bo/quan-tri/lich",
    "/can-bo/quan-tri/hop-thu-di",
]


def new_browser(browser: Browser, user: str) -> Browser:
    visitor = Browser(browser.client.application.test_client())
    visitor.login(user)
    return visitor


def test_only_administrators_open_the_administration_pages(browser: Browser) -> None:
    for path in PAGES:
        assert browser.client.get(path).status_code == 302  # to the login page
    for user in ("citizen", "reception", "specialist", "leader", "analyst", "auditor"):
        visitor = new_browser(browser, user)
        for path in PAGES:
            visitor.get(path, expect=403)
        visitor.post("/can-bo/quan-tri/nguoi-dung/specialist/khoa", {}, csrf_from="/", expect=403)
    admin = new_browser(browser, "admin")
    for path in PAGES:
        admin.get(path)
    assert "Quản trị" in admin.get("/can-bo").text("//nav")
    admin.get("/can-bo/quan-tri/nguoi-dung/khong-co", expect=404)
    admin.get("/can-bo/quan-tri/don-vi/KHONG", expect=404)


def test_the_user_list_filters_by_name_role_unit_and_state(browser: Browser) -> None:
    browser.login("admin")

    def names(query: str) -> list[str]:
        page = browser.get(f"/can-bo/quan-tri/nguoi-dung?{query}")
        return [a.text_content() for a in page.all("//table//td[1]/a")]

    assert names("ten=recep") == ["reception", "reception2", "reception_other"]
    assert names("vai_tro=leader") == ["leader", "leader_other"]
    assert names(f"don_vi={UNIT}&vai_tro=specialist") == ["specialist"]
    assert names("trang_thai=da-khoa") == []
    assert names("vai_tro=khong-co&trang=abc") != []  # an unknown filter is ignored, no 500


def test_creating_an_account_shows_errors_next_to_fields_and_keeps_what_was_typed(
    browser: Browser,
) -> None:
    browser.login("admin")
    path = "/can-bo/quan-tri/nguoi-dung/moi"
    page = browser.post(path, {"username": "", "full_name": "", "password": "ngan"}, expect=422)
    assert page.field_error("username") == "Nhập tên đăng nhập"
    assert page.field_error("password") == "Mật khẩu dài 10–200 ký tự"
    assert page.field_error("full_name") == "Nhập họ và tên (tối đa 200 ký tự)"
    assert page.field_error("roles") == "Chọn ít nhất một vai trò"
    assert page.error_summary() == [
        "Nhập tên đăng nhập",
        "Mật khẩu dài 10–200 ký tự",
        "Nhập họ và tên (tối đa 200 ký tự)",
        "Chọn ít nhất một vai trò",
    ]
    officer = {
        "username": "nv.moi",
        "full_name": "Nguyễn Văn Mới",
        "password": "mat-khau-dai-du",
        "roles": ["specialist"],
    }
    page = browser.post(path, officer, expect=422)
    assert page.field_error("unit_code") == (
        "Cán bộ Một cửa, chuyên viên và lãnh đạo phải thuộc một đơn vị"
    )
    assert page.all("//input[@id='username']/@value") == ["nv.moi"]
    assert page.all("//input[@id='full_name']/@value") == ["Nguyễn Văn Mới"]
    assert page.all("//input[@id='roles-specialist']/@checked") == ["checked"]
    assert page.all("//input[@id='password']/@value") == [""]  # never sent back
    page = browser.post(path, {**officer, "username": "a b"}, expect=422)
    assert page.field_error("username") == (
        "Tên đăng nhập dài 3–80 ký tự, chỉ gồm chữ, số và . _ @ -"
    )
    taken = browser.post(path, {**officer, "username": "leader", "unit_code": UNIT}, expect=422)
    assert taken.field_error("username") == "Tên đăng nhập này đã có người dùng"


def test_an_administrator_creates_deactivates_and_reactivates_an_account(
    browser: Browser, web_app: object
) -> None:
    browser.login("admin")
    created = browser.post(
        "/can-bo/quan-tri/nguoi-dung/moi",
        {
            "username": "nv.moi",
            "full_name": "Nguyễn Văn Mới",
            "password": "mat-khau-dai-du",
            "roles": ["specialist"],
            "unit_code": UNIT,
        },
        expect=302,
    )
    assert created.headers["Location"] == "/can-bo/quan-tri/nguoi-dung/nv.moi"
    page = browser.get("/can-bo/quan-tri/nguoi-dung/nv.moi")
    assert "Đã tạo tài khoản nv.moi." in page.text()
    assert page.text("//*[@id='trang-thai-tai-khoan']") == "Đang hoạt động"
    newcomer = Browser(browser.client.application.test_client())
    newcomer.login("nv.moi", "mat-khau-dai-du")
    newcomer.get("/can-bo")

    page_path = "/can-bo/quan-tri/nguoi-dung/nv.moi"
    browser.post(f"{page_path}/khoa", {}, csrf_from=page_path, expect=302)
    page = browser.get(page_path)
    assert "Đã khoá tài khoản nv.moi." in page.text()
    assert page.text("//*[@id='trang-thai-tai-khoan']").startswith("Đã khoá từ")
    assert newcomer.client.get("/can-bo").status_code == 302  # signed out at once
    browser.post(f"{page_path}/mo-lai", {}, csrf_from=page_path, expect=302)
    assert browser.get(page_path).text("//*[@id='trang-thai-tai-khoan']") == "Đang hoạt động"
    newcomer.login("nv.moi", "mat-khau-dai-du")
    page = browser.post("/can-bo/quan-tri/nguoi-dung/admin/khoa", {}, csrf_from=page_path)
    assert page.status == 302
    assert "Bạn không thể khoá tài khoản của chính mình." in browser.get(page_path).text()


def test_changing_roles_and_unit_and_asking_for_auditor_through_a_grant(
    browser: Browser,
) -> None:
    browser.login("admin")
    path = "/can-bo/quan-tri/nguoi-dung/specialist"
    changes = {"full_name": "Chuyên Viên", "roles": ["leader"], "unit_code": UNIT}
    browser.post(path, changes, expect=302)
    page = browser.get(path)
    assert "Đã lưu thay đổi của tài khoản specialist." in page.text()
    assert "Lãnh đạo" in page.text("//dl")
    page = browser.post(path, {**changes, "roles": ["leader", "auditor"]}, expect=422)
    assert "Đề nghị cấp vai trò" in (page.field_error("roles") or "")
    page = browser.post(path, {**changes, "roles": ["analyst"]}, expect=422)
    assert page.field_error("unit_code") == (
        "Chỉ cán bộ Một cửa, chuyên viên và lãnh đạo thuộc một đơn vị; bỏ chọn đơn vị"
    )
    assert page.all("//input[@id='roles-analyst']/@checked") == ["checked"]


def test_a_role_grant_needs_a_second_administrator(browser: Browser, ctx: EngineContext) -> None:
    users.create_user(ctx, ADMIN, NewUser("admin2", DEMO_PASSWORD, "Quản trị 2", ("admin",), None))
    for grant in grants.list_grants(ctx, ADMIN, "pending", 1, 100).items:
        grants.approve_grant(ctx, SECOND_ADMIN, grant.id)
    browser.login("admin")
    path = "/can-bo/quan-tri/cap-vai-tro"
    page = browser.post(path, {"username": "", "role": "x", "reason": ""}, expect=422)
    assert page.field_error("username") == "Nhập tên đăng nhập của tài khoản"
    assert page.field_error("role") == "Chọn vai trò Kiểm tra hoặc Quản trị hệ thống"
    assert page.field_error("reason") == "Nhập lý do (tối đa 500 ký tự)"
    asked = {"username": "analyst", "role": "auditor", "reason": "Kiểm tra quý I"}
    browser.post(path, asked, expect=302)
    page = browser.get(path)
    assert "Chờ duyệt" in page.text("//table")
    assert not page.all("//button[text()='Duyệt']")  # not by the one who asked
    again = browser.post(path, asked, expect=422)
    assert again.field_error("role") == "Đề nghị này đã có và đang chờ duyệt"
    second = new_browser(browser, "admin2")
    page = second.get(path)
    [approve] = page.all("//form[contains(@action, '/duyet')]/@action")
    second.post(approve, {}, csrf_from=path, expect=302)
    assert "Đã duyệt" in second.get(path).text("//table")
    assert "Kiểm tra" in browser.get("/can-bo/quan-tri/nguoi-dung/analyst").text("//dl")


def test_units_are_added_and_renamed_with_errors_by_field(browser: Browser) -> None:
    browser.login("admin")
    path = "/can-bo/quan-tri/don-vi"
    page = browser.post(path, {"code": "", "name": ""}, expect=422)
    assert page.field_error("code") == "Nhập mã đơn vị, ví dụ 000.00.07.H29"
    assert page.field_error("name") == "Nhập tên đơn vị"
    page = browser.post(path, {"code": "a b/c", "name": "BHXH Đống Đa"}, expect=422)
    assert page.field_error("code") == "Mã đơn vị chỉ gồm chữ, số và dấu chấm, ví dụ 000.00.07.H29"
    assert page.all("//input[@id='name']/@value") == ["BHXH Đống Đa"]
    page = browser.post(path, {"code": UNIT, "name": "Trùng"}, expect=422)
    assert page.field_error("code") == "Đã có đơn vị với mã này"
    browser.post(path, {"code": "000.00.09.H29", "name": "BHXH quận Đống Đa"}, expect=302)
    assert "BHXH quận Đống Đa" in browser.get(path).text("//table")
    unit_path = "/can-bo/quan-tri/don-vi/000.00.09.H29"
    assert browser.post(unit_path, {"name": ""}, expect=422).field_error("name") == (
        "Nhập tên đơn vị"
    )
    browser.post(unit_path, {"name": "BHXH Đống Đa"}, expect=302)
    assert "BHXH Đống Đa" in browser.get(path).text("//table")


def test_calendar_overrides_are_added_and_removed(browser: Browser) -> None:
    browser.login("admin")
    path = "/can-bo/quan-tri/lich"
    page = browser.post(path, {"day": "30/02/2027", "kind": "", "note": "x"}, expect=422)
    assert page.field_error("day") == "Nhập ngày dạng ngày/tháng/năm"
    assert page.field_error("kind") == "Chọn ngày làm việc hoặc ngày nghỉ"
    assert page.all("//input[@id='day']/@value") == ["30/02/2027"]
    assert page.all("//input[@id='note']/@value") == ["x"]
    page = browser.post(path, {"day": "1990-01-02", "kind": "day_off"}, expect=422)
    assert (page.field_error("day") or "").startswith("Chọn một ngày trong các năm")
    browser.post(path, {"day": "2027-01-02", "kind": "workday", "note": "Làm bù"}, expect=302)
    page = browser.get(path)
    assert "Đã lưu điều chỉnh ngày 02/01/2027." in page.text()
    assert "02/01/2027 Ngày làm việc (làm bù) Làm bù admin" in page.text("//table")
    [remove] = page.all("//form[contains(@action, '/xoa')]/@action")
    assert remove == "/can-bo/quan-tri/lich/2027-01-02/xoa"
    browser.post(remove, {}, csrf_from=path, expect=302)
    page = browser.get(path)
    assert "Đã bỏ điều chỉnh ngày 02/01/2027." in page.text()
    assert "Chưa có ngày nào được điều chỉnh." in page.text()
    browser.post(remove, {}, csrf_from=path, expect=302)
    assert "Ngày này không có điều chỉnh." in browser.get(path).text()


def test_a_locked_login_is_shown_and_unlocked(browser: Browser, ctx: EngineContext) -> None:
    for _ in range(ctx.settings.login_max_failures):
        with contextlib.suppress(AuthenticationError, TooManyAttemptsError):
            logins.login(ctx, "specialist", "sai-mat-khau")
    browser.login("admin")
    path = "/can-bo/quan-tri/nguoi-dung/specialist"
    page = browser.get(path)
    assert "Tạm khoá đến" in page.text("//dl")
    assert "Tạm khoá đăng nhập" in browser.get("/can-bo/quan-tri/nguoi-dung?ten=spec").text()
    browser.post(f"{path}/mo-khoa-dang-nhap", {}, csrf_from=path, expect=302)
    page = browser.get(path)
    assert "Đã mở khoá đăng nhập của specialist." in page.text()
    assert "Không bị khoá" in page.text("//dl")
    new_browser(browser, "specialist").get("/can-bo")
    browser.post(f"{path}/khong-co", {}, csrf_from=path, expect=302)  # an unknown action: back
