"""The first portal pages as a citizen uses them: the catalogue and its search, a procedure's
page, the public lookup, logging in and out, "Hồ sơ của tôi", the officers' landing page."""

from __future__ import annotations

from datetime import timedelta

from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.definitions.bundles import bundle_from_directory
from engine.services import definitions
from tests.conftest import ADMIN, REPO
from tests.http.test_employer_applicant import EMPLOYER, submit
from tests.pages.browsing import Browser
from tests.support import HttpApi, applicant
from web.portal.catalogue import fold

ID_NUMBER = applicant()["id_number"]


def names(page_html_browser: Browser, query: str) -> list[str]:
    page = page_html_browser.get(f"/?q={query}")
    return [
        " ".join(a.text_content().split()) for a in page.all("//ul[@class='procedure-list']//h3/a")
    ]


def test_the_catalogue_lists_every_procedure_with_its_time_limit(browser: Browser) -> None:
    page = browser.get("/")
    items = page.all("//ul[@class='procedure-list']/li")
    assert len(items) == 2  # bpmn/: cap_lai_the_bhyt and bhxh_mot_lan
    assert "Cấp lại, đổi thẻ bảo hiểm y tế" in page.text()
    assert "Thời hạn: 7 ngày làm việc" in page.text()
    assert "2 thủ tục đang nhận hồ sơ trực tuyến" in page.text("//p[@id='so-ket-qua']")


def test_search_finds_procedures_whatever_the_accents_and_case(browser: Browser) -> None:
    reissue = ["Cấp lại, đổi thẻ bảo hiểm y tế"]
    assert names(browser, "cap lai the") == reissue
    assert names(browser, "CẤP LẠI THẺ") == reissue
    assert names(browser, "the bao hiem y te") == reissue
    assert names(browser, "doi the") == reissue
    assert len(names(browser, "mot lan")) == 1
    assert names(browser, "thẻ xe máy") == []
    assert "Không có thủ tục nào khớp" in browser.get("/?q=xe+m%C3%A1y").text()
    assert fold("Đăng ký ĐỔI thẻ") == "dang ky doi the"


def test_a_procedure_page_shows_what_its_diagram_declares_and_marks_the_rest(
    browser: Browser,
) -> None:
    page = browser.get("/thu-tuc/cap_lai_the_bhyt")
    rows = {
        " ".join(row.xpath("dt")[0].text_content().split()): " ".join(
            row.xpath("dd")[0].text_content().split()
        )
        for row in page.all("//dl[@class='summary-list']/div")
    }
    assert rows["Thời hạn giải quyết"] == "7 ngày làm việc"
    assert rows["Căn cứ pháp lý"] == "Luật BHYT điều 18, 19; Quyết định 595/QĐ-BHXH"
    assert rows["Kết quả thực hiện"] == "Thẻ BHYT cấp lại / cấp đổi"
    assert rows["Phí, lệ phí"] == "Quy trình chưa khai báo"
    assert rows["Cơ quan thực hiện"] == "Quy trình chưa khai báo"
    assert rows["Thành phần hồ sơ"].startswith("Tờ khai tham gia, điều chỉnh thông tin BHXH, BHYT")
    steps = page.text("//ol[@class='steps']")
    assert "Nộp hồ sơ" in steps and "Bộ phận Một cửa" in steps and "Lãnh đạo" in steps
    assert "thời hạn 8 giờ làm việc" in steps
    mau_04 = "Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết (Mẫu 04)"
    assert f"{mau_04} Lãnh đạo · thời hạn trong ngày" in steps
    # The process documentation is the analysts' note (in English here), not citizens' text.
    assert "Reissue" not in page.text()
    assert "BHXH quận Ba Đình" in page.text()  # the units that receive dossiers


def test_an_unknown_procedure_is_a_page_not_found_in_vietnamese(browser: Browser) -> None:
    page = browser.get("/thu-tuc/khong_co", expect=404)
    assert "Không tìm thấy trang" in page.text()
    assert page.tree.xpath("/html/@lang") == ["vi"]


def test_the_public_lookup_shows_only_what_the_api_shows(browser: Browser, http: HttpApi) -> None:
    dossier = http.submit()
    public = http.call(
        "GET", f"/api/v1/public/dossiers/{dossier['code']}", None, query={"id_number": ID_NUMBER}
    )
    page = browser.post(
        "/tra-cuu", {"code": dossier["code"].lower(), "id_number": f" {ID_NUMBER} "}, expect=200
    )
    text = page.text()
    assert f"Hồ sơ {dossier['code']}" in text
    assert "Mới đăng ký" in text  # the DVCQG status 1 label
    assert public["applicant_name"] in text  # masked, as the API masks it
    assert "Nguyễn Văn An" not in text
    assert ID_NUMBER not in page.html  # not even in the form, which is shown again empty
    assert "10/03/2026 09:00" in text  # submitted at, in Vietnamese format and Hanoi time
    assert "Chưa tiếp nhận" in text


def test_an_employer_looks_its_dossier_up_with_its_tax_code(
    browser: Browser, http: HttpApi, ctx: EngineContext
) -> None:
    definitions.deploy(
        ctx, ADMIN, bundle_from_directory(REPO / "bpmn" / "om_dau.bpmn", REPO / "forms")
    )
    dossier = submit(http)
    page = browser.post(
        "/tra-cuu", {"code": dossier["code"], "id_number": EMPLOYER["tax_code"]}, expect=200
    )
    assert f"Hồ sơ {dossier['code']}" in page.text()
    assert EMPLOYER["tax_code"] not in page.html
    browser.post("/tra-cuu", {"code": dossier["code"], "id_number": ID_NUMBER}, expect=404)


def test_a_wrong_id_number_finds_nothing_and_says_what_to_check(
    browser: Browser, http: HttpApi
) -> None:
    dossier = http.submit()
    page = browser.post("/tra-cuu", {"code": dossier["code"], "id_number": "999999999"}, expect=404)
    assert "Không tìm thấy hồ sơ với mã và số giấy tờ này" in page.text()
    assert dossier["code"] in page.all("//input[@name='code']/@value")


def test_a_form_without_errors_has_no_error_summary(browser: Browser) -> None:
    for path in ("/tra-cuu", "/dang-nhap"):
        assert browser.get(path).all("//*[@data-error-summary]") == []


def test_an_incomplete_lookup_lists_what_is_missing(browser: Browser) -> None:
    page = browser.post("/tra-cuu", {"code": "", "id_number": ""}, expect=422)
    assert page.error_summary() == [
        "Nhập mã hồ sơ",
        "Nhập số CCCD/ĐDCN/Hộ chiếu của người nộp hồ sơ",
    ]
    assert page.field_error("code") == "Nhập mã hồ sơ"
    form = page.all("//main//form")[0]
    assert form.get("method") == "post"  # the ID number never travels in an address


def test_a_citizen_logs_in_sees_their_dossiers_and_logs_out(
    browser: Browser, http: HttpApi
) -> None:
    first, second = http.submit(), http.submit()
    http.submit("citizen2")
    response = browser.login("citizen")
    assert response.headers["Location"] == "/ho-so-cua-toi"
    page = browser.get("/ho-so-cua-toi")
    codes = [td.text_content().strip() for td in page.all("//table//td[1]")]
    assert sorted(codes) == sorted([first["code"], second["code"]])
    assert page.text("//table").count("Mới đăng ký") == 2
    assert "Đăng nhập với tên citizen" in page.text("//header")
    out = browser.post("/dang-xuat", {}, csrf_from="/ho-so-cua-toi", expect=302)
    assert out.headers["Location"] == "/"
    assert "Bạn đã đăng xuất." in browser.get("/").text()
    again = browser.get("/ho-so-cua-toi", expect=302)
    assert again.headers["Location"] == "/dang-nhap?next=/ho-so-cua-toi"


def test_login_returns_to_the_page_asked_for_but_never_to_another_site(browser: Browser) -> None:
    page = browser.post(
        "/dang-nhap?next=/ho-so-cua-toi",
        {"username": "citizen", "password": "correct-horse-battery", "next": "/ho-so-cua-toi"},
        expect=302,
    )
    assert page.headers["Location"] == "/ho-so-cua-toi"
    for target in ("//evil.example/x", "https://evil.example/", "/\\evil.example"):
        other = Browser(browser.client.application.test_client())
        page = other.post(
            "/dang-nhap",
            {"username": "reception", "password": "correct-horse-battery", "next": target},
            expect=302,
        )
        assert page.headers["Location"] == "/can-bo", target


def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(browser: Browser) -> None:
    page = browser.login("citizen", "wrong-password", expect=401)
    assert page.error_summary() == ["Tên đăng nhập hoặc mật khẩu không đúng"]
    assert page.all("//input[@name='username']/@value") == ["citizen"]
    assert page.all("//input[@name='password']/@value") == [""]
    assert browser.get("/ho-so-cua-toi", expect=302)


def test_repeated_failures_lock_the_account_for_the_pages_and_the_api_alike(
    browser: Browser, http: HttpApi
) -> None:
    for _ in range(4):
        browser.login("citizen", "wrong-password", expect=401)
    browser.login("citizen", "wrong-password", expect=429)  # the fifth failure locks
    page = browser.login("citizen", "correct-horse-battery", expect=429)
    assert "Tài khoản tạm khoá vì đăng nhập sai nhiều lần" in page.text()
    http.call(
        "POST",
        "/api/v1/auth/token",
        None,
        json={"username": "citizen", "password": "correct-horse-battery"},
        expect=429,
    )


def test_a_session_ends_when_its_login_token_expires(browser: Browser, clock: FrozenClock) -> None:
    browser.login("citizen")
    browser.get("/ho-so-cua-toi")
    clock.advance(timedelta(minutes=31))
    page = browser.get("/ho-so-cua-toi", expect=302)
    assert page.headers["Location"].startswith("/dang-nhap")
    assert "Phiên đăng nhập đã hết hạn" in browser.get("/dang-nhap").text()


def test_officers_land_on_the_workspace_and_citizens_cannot_open_it(
    browser: Browser, other_browser: Browser, http: HttpApi
) -> None:
    http.submit()
    page = browser.login("reception")
    assert page.headers["Location"] == "/can-bo"
    home = browser.get("/can-bo")
    assert "Hệ thống thông tin một cửa điện tử" in home.text("//header")
    assert "Bộ phận Một cửa" in home.text()
    assert home.text("//p[@class='panel__number']") == "1"  # the new dossier's reception check
    browser.get("/ho-so-cua-toi", expect=403)
    other_browser.login("citizen")
    refused = other_browser.get("/can-bo", expect=403)
    assert "Bạn không có quyền xem trang này" in refused.text()
    auditor = Browser(browser.client.application.test_client())
    auditor.login("auditor")
    assert "Kiểm tra" in auditor.get("/can-bo").text()


def test_navigation_links_only_to_pages_that_exist(browser: Browser) -> None:
    for user in (None, "citizen", "reception", "admin"):
        visitor = Browser(browser.client.application.test_client())
        if user:
            visitor.login(user)
        page = visitor.get("/")
        for href in page.all("//a/@href"):
            if href.startswith("#"):
                continue
            assert href.startswith("/"), href
            visitor.get(href, expect=200)
