"""Counter reception and the leader's dashboard in Chromium (issue 16): a reception officer
registers a counter dossier with a scanned attachment, accepts it and prints Mẫu 01 (a PDF); a
leader gives the step of a deactivated officer to another officer. Every page is scanned with
axe-core (0 serious or critical violations) and photographed at 375 and 1280 px."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.chromium import SCREENSHOTS, assert_accessible
from tests.live_server import DEMO_UNIT, DemoServer
from tests.support import ACCEPT, applicant, submission

pytestmark = pytest.mark.timeout(300)
SCAN = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
WIDTHS = (375, 1280)


def photograph(page: Page, name: str) -> list[Path]:
    """Full-page screenshots at a phone's and a desktop's width (the viewport is restored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    saved = []
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        path = SCREENSHOTS / f"{name}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        saved.append(path)
    if original:
        page.set_viewport_size(original)
    return saved


def login(page: Page, live: DemoServer, username: str) -> None:
    page.goto(live.url("/dang-nhap"))
    page.get_by_label("Tên đăng nhập").fill(username)
    page.get_by_label("Mật khẩu").fill(f"{username}-demo-2026")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Trang làm việc")


def test_reception_registers_a_counter_dossier_with_a_scan_and_prints_mau_01(
    page: Page, live: DemoServer
) -> None:
    login(page, live, "reception")
    page.get_by_role("link", name="Tiếp nhận một cửa").click()
    assert_accessible(page)
    photograph(page, "ws-counter-home")
    page.get_by_role("button", name="Tiếp nhận hồ sơ mới").click()
    page.get_by_label("Thủ tục hành chính").select_option(label="Cấp lại, đổi thẻ bảo hiểm y tế")
    assert_accessible(page)
    page.get_by_role("button", name="Tiếp tục").click()

    # Sent empty first: every error is next to its field and in the summary.
    page.get_by_role("button", name="Đăng ký hồ sơ").click()
    expect(page.locator("[data-error-summary]")).to_be_visible()
    expect(page.locator("#applicant_full_name-error")).to_contain_text("Nhập họ và tên người nộp")
    assert_accessible(page)
    photograph(page, "ws-counter-register-errors")

    person, declared = applicant(), submission()
    page.get_by_label("Họ và tên người nộp").fill(person["full_name"])
    page.get_by_label("Số CCCD/ĐDCN/Hộ chiếu").first.fill(person["id_number"])
    page.get_by_label("Qua dịch vụ bưu chính").first.check()
    page.get_by_label("[01] Họ và tên").fill(declared["full_name"])
    page.get_by_label("Nam", exact=True).check()
    page.get_by_label("[03] Ngày, tháng, năm sinh").fill(declared["date_of_birth"])
    page.get_by_label("[07] Địa chỉ nhận kết quả").fill(declared["result_address"])
    page.get_by_label("[08] Số CCCD/ĐDCN/Hộ chiếu").fill(declared["id_number"])
    page.get_by_label("Mã số BHXH").fill(declared["social_insurance_code"])
    page.get_by_label("Cấp lại do mất thẻ").check()
    page.get_by_label("Tệp đính kèm").set_input_files(
        {"name": "to-khai-tk1.pdf", "mimeType": "application/pdf", "buffer": SCAN}
    )
    photograph(page, "ws-counter-register")
    page.get_by_role("button", name="Đăng ký hồ sơ").click()

    expect(page.locator(".banner--success")).to_contain_text("với 1 tệp đính kèm")
    code = page.get_by_role("heading", level=1).inner_text().removeprefix("Hồ sơ ")
    expect(page.get_by_role("link", name="to-khai-tk1.pdf")).to_be_visible()
    status, dossier = live.call("GET", f"/dossiers/{code}", "reception")
    assert status == 200 and dossier["channel"] == "postal" and dossier["unit_code"] == DEMO_UNIT
    assert_accessible(page)
    photograph(page, "ws-counter-dossier-new")

    # Acceptance at the desk issues Mẫu 01.
    heading = page.get_by_role("heading", name="Kiểm tra, tiếp nhận hồ sơ")
    step = page.locator("section", has=heading)
    step.get_by_label("Tiếp nhận", exact=True).check()
    step.get_by_label("Tên giấy tờ").fill("Tờ khai TK1-TS")
    step.get_by_label("Bản chính").check()
    step.get_by_label("Số lượng").fill("1")
    step.get_by_role("button", name="Hoàn thành bước").click()
    expect(page.locator(".banner--success")).to_contain_text("Đã hoàn thành bước")
    receipt = page.get_by_role("link", name="Mẫu 01")
    expect(receipt).to_be_visible()
    pdf = page.request.get(live.url(receipt.get_attribute("href") or ""))
    assert pdf.status == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")
    assert_accessible(page)
    photograph(page, "ws-counter-dossier-accepted")


def test_a_leader_gives_the_step_of_a_deactivated_officer_to_another(
    page: Page, live: DemoServer
) -> None:
    status, body = live.call(
        "POST",
        "/admin/users",
        "admin",
        {
            "username": "specialist3",
            "password": "specialist3-demo-2026",
            "full_name": "Ngô Thị Lan (chuyên viên)",
            "roles": ["specialist"],
            "unit_code": DEMO_UNIT,
        },
    )
    assert status == 201, body
    code = live.submit(submission())["code"]
    live.act(code, "reception", ACCEPT)
    status, inbox = live.call("GET", f"/tasks?dossier={code}", "specialist3")
    task_id = inbox["items"][0]["id"]
    assert live.call("POST", f"/tasks/{task_id}/claim", "specialist3")[0] == 200
    assert live.call("POST", "/admin/users/specialist3/deactivate", "admin")[0] == 200

    login(page, live, "leader")
    page.get_by_role("link", name="Điều hành đơn vị").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Điều hành đơn vị")
    assert_accessible(page)
    photograph(page, "ws-leader-dashboard")
    row = page.locator(f"#bang-dang-mo tr[data-dossier='{code}']")
    expect(row).to_contain_text("Thẩm định hồ sơ")
    expect(row).to_contain_text("Chưa có người nhận")  # the deactivation released the claim
    row.get_by_label("Giao cho").select_option("specialist")
    row.get_by_role("button", name="Giao việc").click()
    expect(page.locator(".banner--success")).to_contain_text(f"hồ sơ {code} cho specialist")
    status, task = live.call("GET", f"/tasks/{task_id}", "leader")
    assert status == 200 and task["claimed_by"] == "specialist", task
    page.goto(live.url("/can-bo/lanh-dao?can-bo=specialist"))
    expect(page.locator(f"#bang-dang-mo tr[data-dossier='{code}']")).to_contain_text("Phạm Văn")
    assert_accessible(page)
    photograph(page, "ws-leader-officer")
