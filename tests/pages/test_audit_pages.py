"""The auditors' pages (/can-bo/kiem-tra) as an auditor uses them: search dossiers, read the
timeline, replay to an event, verify one dossier or the whole log, download the signed bundle,
browse the system chain; and who may not."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update

from engine.audit.bundle import verify_bundle
from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.events import dossier_chain
from storage.audit_models import Event
from tests.pages.browsing import Browser
from tests.support import ACCEPT, OTHER_UNIT, UNIT, HttpApi
from tests.tampering import tampering
from web.workspace import audit_pages


@pytest.fixture
def code(http: HttpApi) -> str:
    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    return str(code)


def pages(code: str) -> list[str]:
    return [
        "/can-bo/kiem-tra",
        f"/can-bo/kiem-tra/ho-so/{code}",
        f"/can-bo/kiem-tra/ho-so/{code}/dung-lai?den=2",
        f"/can-bo/kiem-tra/ho-so/{code}/goi-kiem-tra",
        "/can-bo/kiem-tra/xac-minh",
        "/can-bo/kiem-tra/nhat-ky-he-thong",
    ]


def test_only_auditors_and_administrators_open_the_audit_pages(
    browser: Browser, web_app: object, code: str
) -> None:
    for path in pages(code):
        assert browser.client.get(path).status_code == 302  # to the login page
    for user in ("citizen", "reception", "specialist", "leader", "analyst"):
        visitor = Browser(browser.client.application.test_client())
        visitor.login(user)
        for path in pages(code):
            visitor.get(path, expect=403)
        verify_path = f"/can-bo/kiem-tra/ho-so/{code}/xac-minh"
        visitor.post(verify_path, {}, csrf_from="/", expect=403)
    for user in ("auditor", "admin"):
        visitor = Browser(browser.client.application.test_client())
        visitor.login(user)
        for path in pages(code):
            visitor.get(path)
    browser.login("auditor")
    assert "Kiểm tra" in browser.get("/can-bo").text("//nav")


def test_the_search_finds_dossiers_by_code_procedure_unit_and_period(
    browser: Browser, code: str, clock: FrozenClock, ctx: EngineContext
) -> None:
    browser.login("auditor")

    def codes(query: str) -> list[str]:
        page = browser.get(f"/can-bo/kiem-tra?{query}")
        return [a.text_content() for a in page.all("//table//td[1]/a")]

    assert code in codes("")
    assert codes(f"ma={code[:-2]}") == [code]
    assert codes("thu_tuc=cap_lai_the_bhyt") == [code]
    assert codes(f"don_vi={UNIT}") == [code]
    assert codes(f"don_vi={OTHER_UNIT}") == []
    assert codes("tu_ngay=2000-01-01&den_ngay=2000-01-02") == []
    today = clock.now().astimezone(ctx.tz).date()
    assert codes(f"tu_ngay={today:%d/%m/%Y}&den_ngay={today.isoformat()}") == [code]
    assert codes(f"tu_ngay={today + timedelta(days=1)}") == []
    page = browser.get(f"/can-bo/kiem-tra?ma={code}")
    assert "Tìm thấy 1 hồ sơ." in page.text()
    assert "Cấp lại, đổi thẻ bảo hiểm y tế" in page.text("//table")
    assert "Nguyễn Văn An" not in page.html  # the applicant's name is masked


def test_a_bad_period_is_named_next_to_its_field_and_kept(browser: Browser) -> None:
    browser.login("auditor")
    page = browser.get("/can-bo/kiem-tra?tu_ngay=31/02/2026&den_ngay=hom-qua", expect=422)
    assert page.field_error("tu_ngay") == "Nhập ngày dạng ngày/tháng/năm"
    assert page.field_error("den_ngay") == "Nhập ngày dạng ngày/tháng/năm"
    assert page.all("//input[@id='tu_ngay']/@value") == ["31/02/2026"]
    assert page.tree.xpath("//title")[0].text.startswith("Lỗi:")
    page = browser.get("/can-bo/kiem-tra?tu_ngay=2026-12-03&den_ngay=2026-12-01", expect=422)
    assert page.field_error("den_ngay") == "“Đến ngày” phải sau hoặc bằng “Từ ngày”"
    page = browser.get("/can-bo/kiem-tra?thu_tuc=khong_co&don_vi=X", expect=422)
    assert page.field_error("thu_tuc") == "Chọn một thủ tục trong danh sách"
    assert page.field_error("don_vi") == "Chọn một đơn vị trong danh sách"


def test_the_timeline_lists_every_event_intact_with_a_link_to_its_state(
    browser: Browser, http: HttpApi, code: str
) -> None:
    events = http.call("GET", f"/api/v1/audit/dossiers/{code}/events", "auditor")
    browser.login("auditor")
    page = browser.get(f"/can-bo/kiem-tra/ho-so/{code}")
    rows = page.all("//table/tbody/tr")
    assert len(rows) == events["total"] + 1  # the API's read above is an event too
    assert "Nguyên vẹn" in page.text("//table") and "Sai lệch" not in page.text("//table")
    assert page.all("//tr[@id='su-kien-3']//a/@href") == [
        f"/can-bo/kiem-tra/ho-so/{code}/dung-lai?den=3"
    ]


def test_replay_to_the_third_event_shows_the_state_then(
    browser: Browser, http: HttpApi, code: str
) -> None:
    api = http.call("GET", f"/api/v1/audit/dossiers/{code}/replay", "auditor", query={"until": 3})
    browser.login("auditor")
    page = browser.get(f"/can-bo/kiem-tra/ho-so/{code}/dung-lai?den=3")
    assert f"Trạng thái sau sự kiện {api['at_seq']} / " in page.text("//h2")
    assert api["dossier"]["status"]["label"] in page.text("//dl[@id='trang-thai-ho-so']")
    steps = page.text("//dd[@id='buoc-dang-mo']")
    for step in api["dossier"]["current_steps"]:
        assert step["name"] in steps
    end = browser.get(f"/can-bo/kiem-tra/ho-so/{code}/dung-lai")
    assert "Kết quả dựng lại khớp với dữ liệu đang lưu." in end.text()


def test_replay_to_an_event_that_does_not_exist_says_which_exist(
    browser: Browser, code: str
) -> None:
    browser.login("auditor")
    page = browser.get(f"/can-bo/kiem-tra/ho-so/{code}/dung-lai?den=abc", expect=422)
    assert page.field_error("den") == "Nhập số thứ tự sự kiện (số nguyên từ 1)"
    page = browser.get(f"/can-bo/kiem-tra/ho-so/{code}/dung-lai?den=9999", expect=422)
    assert (page.field_error("den") or "").startswith("Hồ sơ có các sự kiện từ 1 đến ")
    assert page.all("//input[@id='den']/@value") == ["9999"]
    browser.get("/can-bo/kiem-tra/ho-so/KHONG-CO/dung-lai", expect=404)
    browser.get("/can-bo/kiem-tra/ho-so/KHONG-CO", expect=404)


def test_verify_a_dossier_says_ok_then_names_the_damaged_event(
    browser: Browser, code: str, ctx: EngineContext
) -> None:
    browser.login("auditor")
    path = f"/can-bo/kiem-tra/ho-so/{code}/xac-minh"
    timeline = f"/can-bo/kiem-tra/ho-so/{code}"
    page = browser.post(path, {}, csrf_from=timeline, expect=200)
    assert page.text("//*[@id='ket-qua-xac-minh']").startswith("Hợp lệ")
    with tampering(ctx) as conn:
        conn.execute(
            update(Event)
            .where(Event.chain == dossier_chain(code), Event.seq == 4)
            .values(payload={"task_id": "x", "data": {"decision": "refuse"}})
        )
    page = browser.post(path, {}, csrf_from=timeline, expect=200)
    assert "Phát hiện" in page.text("//*[@id='ket-qua-xac-minh']")
    assert "Sự kiện bị sửa" in page.text("//table")
    browser.client.post(path)  # no CSRF token: refused before anything runs
    assert browser.client.post(path).status_code == 400


def test_verify_all_runs_when_the_log_is_small_and_refuses_past_the_bound(
    browser: Browser, code: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    browser.login("auditor")
    path = "/can-bo/kiem-tra/xac-minh"
    page = browser.post(path, {}, expect=200)
    assert page.text("//*[@id='ket-qua-xac-minh']").startswith("Hợp lệ")
    assert "motcua audit verify" in page.text()
    monkeypatch.setattr(audit_pages, "WEB_VERIFY_MAX_EVENTS", 3)
    page = browser.get(path)
    assert "vượt giới hạn 3" in page.text("//*[@id='qua-lon']")
    assert not page.all("//main//form[@method='post']")
    refused = browser.post(path, {}, csrf_from="/can-bo/kiem-tra/ho-so/" + code, expect=413)
    assert not refused.all("//*[@id='ket-qua-xac-minh']")


def test_the_bundle_downloads_signed_and_verifies_offline(
    browser: Browser, code: str, ctx: EngineContext
) -> None:
    browser.login("auditor")
    response = browser.client.get(f"/can-bo/kiem-tra/ho-so/{code}/goi-kiem-tra")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == f'attachment; filename="{code}.json"'
    report = verify_bundle(response.get_data(), ctx.audit_key.public)
    assert report.ok and report.dossier == code


def test_the_system_chain_is_browsable_by_kind_person_and_period(
    browser: Browser, clock: FrozenClock, ctx: EngineContext
) -> None:
    browser.login("auditor")
    today = clock.now().astimezone(ctx.tz).date()
    path = "/can-bo/kiem-tra/nhat-ky-he-thong"
    assert "Tạo tài khoản" in browser.get(f"{path}?tu_ngay={today}&den_ngay={today}").text()
    assert "0 sự kiện." in browser.get(f"{path}?den_ngay={today - timedelta(days=1)}").text()
    assert "Tạo tài khoản" in browser.get(f"{path}?nguoi=test-admin&nhom=user").text()
    page = browser.get("/can-bo/kiem-tra/nhat-ky-he-thong?nhom=user")
    assert "Tạo tài khoản" in page.text("//table")
    assert "Triển khai quy trình" not in page.text("//table")
    page = browser.get("/can-bo/kiem-tra/nhat-ky-he-thong?nhom=deployment")
    assert "Triển khai quy trình" in page.text("//table")
    page = browser.get("/can-bo/kiem-tra/nhat-ky-he-thong?nguoi=khong-ai")
    assert "0 sự kiện." in page.text()
    page = browser.get("/can-bo/kiem-tra/nhat-ky-he-thong?nhom=x&tu_ngay=ngay", expect=422)
    assert page.field_error("nhom") == "Chọn một loại sự kiện trong danh sách"
    assert page.field_error("tu_ngay") == "Nhập ngày dạng ngày/tháng/năm"


def test_odd_addresses_and_filters_never_fail(browser: Browser, code: str) -> None:
    browser.login("admin")  # administrators use the audit pages too
    for path in (
        "/can-bo/kiem-tra?trang=99999999999&ma=%27%22<b>",
        "/can-bo/kiem-tra?ma=" + "9" * 500,
        f"/can-bo/kiem-tra/ho-so/{code}?trang=-3",
        f"/can-bo/kiem-tra/ho-so/{code}?trang=100000",
        "/can-bo/kiem-tra/nhat-ky-he-thong?trang=0&nguoi=%25_",
    ):
        browser.get(path)
    for path in (
        f"/can-bo/kiem-tra/ho-so/{code}/dung-lai?den=0",
        f"/can-bo/kiem-tra/ho-so/{code}/dung-lai?den=1e3",
        f"/can-bo/kiem-tra/ho-so/{code}/dung-lai?den=99999999999999",
    ):
        browser.get(path, expect=422)
    browser.get("/can-bo/kiem-tra?ma=%00%27", expect=400)  # NUL never reaches SQL
    browser.get("/can-bo/kiem-tra/ho-so/" + "X" * 300, expect=404)
    browser.get("/can-bo/kiem-tra/ho-so/%C4%90%E1%BB%97/goi-kiem-tra", expect=404)
    browser.post("/can-bo/quan-tri/lich/khong-phai-ngay/xoa", {}, csrf_from="/can-bo", expect=302)
    browser.post("/can-bo/quan-tri/cap-vai-tro/999/duyet", {}, csrf_from="/can-bo", expect=404)
