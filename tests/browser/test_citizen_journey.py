"""A citizen's journey in Chromium: register, open the confirmation link from the mail sink, log
in, submit a dossier of `cap_lai_the_bhyt` with an attachment, see its code and the file's
SHA-256; the same submission with the keyboard alone; every page of it scanned by axe-core and
photographed at phone and desktop widths (var/screenshots/).

`register_and_submit(page, live)` is the journey as one step for tests that continue from a
submitted dossier (supplement, result, rating): it returns the dossier's code.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from playwright.sync_api import FilePayload, Page, expect

from tests.browser.chromium import DESKTOP, assert_accessible, tab, tab_to
from tests.browser.chromium import screenshots as _screenshots
from tests.browser.test_citizen_dossier import supplement_follow_download_and_rate
from tests.live_server import DemoServer
from tests.support import applicant

pytestmark = pytest.mark.timeout(300)
PASSWORD = "mot cau de nho 2026"
#: A small valid PDF: what a scanned document looks like to the upload rules.
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
_LINK = re.compile(r"https?://[^/\s]+(/(?:xac-nhan-tai-khoan|dat-lai-mat-khau)/[A-Za-z0-9_-]+)")
_numbers = itertools.count(1)
#: An iPhone's width (375) as well as the desktop's.
SIZES = ((375, 812), DESKTOP)


def screenshots(page: Page, name: str) -> None:
    _screenshots(page, name, SIZES)


def pdf(name: str, content: bytes) -> FilePayload:
    return {"name": name, "mimeType": "application/pdf", "buffer": content}


def confirmation_link(live: DemoServer, email: str, purpose: str = "confirm") -> str:
    """The path of the confirmation (or `reset`) link last sent to `email` (the mail setting's
    directory)."""
    mail_dir = Path(live.env["MOTCUA_MAIL_DIR"])
    sent = mail_dir.glob(f"account_{purpose}_*.eml")
    for path in sorted(sent, key=lambda p: -p.stat().st_mtime):
        mail = message_from_bytes(path.read_bytes(), policy=policy.default)
        if mail["To"] == email:
            found = _LINK.search(str(mail.get_content()))
            assert found, path
            return found.group(1)
    raise AssertionError(f"no {purpose} e-mail to {email}")


def register(page: Page, live: DemoServer, email: str, *, shots: bool = False) -> None:
    """Register `email`, open the link sent to it, confirm, and log in."""
    page.goto(live.url("/dang-nhap"))
    page.get_by_role("link", name="Đăng ký tài khoản").click()
    page.get_by_label("Thư điện tử hoặc số điện thoại di động").fill(email)
    page.get_by_label("Họ và tên").fill("Nguyễn Văn An")
    page.get_by_label("Mật khẩu", exact=True).fill(PASSWORD)
    page.get_by_label("Nhập lại mật khẩu").fill(PASSWORD)
    if shots:
        assert_accessible(page)
        screenshots(page, "account-register")
    page.get_by_role("button", name="Đăng ký").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kiểm tra thư hoặc tin nhắn của bạn")
    if shots:
        assert_accessible(page)
        screenshots(page, "account-register-sent")
    page.goto(live.url(confirmation_link(live, email)))
    if shots:
        assert_accessible(page)
        screenshots(page, "account-confirm")
    page.get_by_role("button", name="Kích hoạt tài khoản").click()
    expect(page.get_by_text("Tài khoản đã được kích hoạt")).to_be_visible()
    page.get_by_label("Tên đăng nhập").fill(email)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("header")).to_contain_text(email)


def fill_submission(page: Page) -> None:
    """The TK1-TS declaration of tests.support.submission(), typed into the page."""
    person = applicant()
    page.get_by_label("BHXH quận Ba Đình", exact=False).first.check()
    page.get_by_label("Họ và tên người nộp").fill(person["full_name"])
    page.locator("[name='applicant.id_number']").fill(person["id_number"])
    page.locator("[name='applicant.phone']").fill(person["phone"])
    page.get_by_label("[01] Họ và tên").fill(person["full_name"])
    page.get_by_label("Nam", exact=True).check()
    page.get_by_label("[03] Ngày, tháng, năm sinh").fill("1990-05-17")
    page.get_by_label("[07] Địa chỉ nhận kết quả").fill("12 Phố Huế, Hà Nội")
    page.get_by_label("[08] Số CCCD/ĐDCN/Hộ chiếu").fill(person["id_number"])
    page.get_by_label("Mã số BHXH").fill("0123456789")
    page.get_by_label("Cấp lại do mất thẻ").check()


def register_and_submit(
    page: Page,
    live: DemoServer,
    *,
    email: str | None = None,
    attachment: tuple[str, bytes] = ("to-khai-tk1-ts.pdf", PDF),
    shots: bool = False,
) -> str:
    """A new citizen registers, confirms, logs in and submits a `cap_lai_the_bhyt` dossier with
    `attachment` through the portal's pages; the dossier's code (the page shows it). The page is
    left on the acknowledgement, logged in as that citizen."""
    email = email or f"cong.dan.{next(_numbers)}.{id(page) % 100000}@example.vn"
    register(page, live, email, shots=shots)
    page.goto(live.url("/thu-tuc/cap_lai_the_bhyt"))
    page.get_by_role("link", name="Nộp hồ sơ trực tuyến").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cấp lại, đổi thẻ bảo hiểm y tế")
    fill_submission(page)
    name, content = attachment
    page.get_by_label("Chọn tệp").set_input_files(pdf(name, content))
    if shots:
        assert_accessible(page)
        screenshots(page, "submit-form")
    page.get_by_role("button", name="Tiếp tục", exact=True).last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Xem lại hồ sơ trước khi nộp")
    if shots:
        assert_accessible(page)
        screenshots(page, "submit-review")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    code = page.locator("[data-dossier-code]").inner_text().strip()
    assert code
    return code


def test_a_citizen_registers_confirms_logs_in_and_submits_with_an_attachment(
    page: Page, live: DemoServer
) -> None:
    code = register_and_submit(page, live, shots=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("Đã nộp hồ sơ")
    expect(page.locator("[data-sha256]")).to_have_text(hashlib.sha256(PDF).hexdigest())
    expect(page.get_by_text("to-khai-tk1-ts.pdf")).to_be_visible()
    assert_accessible(page)
    screenshots(page, "submit-done")
    page.goto(live.url("/ho-so-cua-toi"))
    expect(page.locator("main")).to_contain_text(code)


def test_a_new_citizen_goes_from_registration_to_the_rating(page: Page, live: DemoServer) -> None:
    """The whole journey by one new account: register, confirm, submit with an attachment, see
    the code; then a supplement request, the supplement, the result, a download, the rating."""
    code = register_and_submit(page, live)
    supplement_follow_download_and_rate(page, live, code)


def test_form_errors_are_next_to_their_fields_and_pass_axe(page: Page, live: DemoServer) -> None:
    register(page, live, "loi.nhap@example.vn")
    page.goto(live.url("/nop-ho-so/cap_lai_the_bhyt"))
    page.locator("[name='applicant.id_number']").fill("12")
    page.get_by_role("button", name="Tiếp tục", exact=True).last.click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(page.locator(".error-summary")).to_be_focused()
    assert page.title().startswith("Lỗi:")
    assert_accessible(page)
    screenshots(page, "submit-errors")


def test_the_other_account_pages_pass_axe(page: Page, live: DemoServer) -> None:
    for path, name in (
        ("/quen-mat-khau", "account-forgot"),
        ("/xac-nhan-tai-khoan/khong-dung", "account-link-unknown"),
    ):
        page.goto(live.url(path))
        assert_accessible(page)
        screenshots(page, name)
    email = "quen.mat.khau@example.vn"
    register(page, live, email)
    page.get_by_role("button", name="Đăng xuất").click()
    page.goto(live.url("/quen-mat-khau"))
    page.get_by_label("Thư điện tử hoặc số điện thoại di động").fill(email)
    page.get_by_role("button", name="Gửi liên kết").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kiểm tra thư hoặc tin nhắn của bạn")
    assert_accessible(page)
    page.goto(live.url(confirmation_link(live, email, "reset")))
    assert "/dat-lai-mat-khau/" not in page.url  # the token left the address at once
    page.get_by_label("Mật khẩu mới", exact=True).fill("mat khau moi cua toi")
    page.get_by_label("Nhập lại mật khẩu mới").fill("khac han")
    page.get_by_role("button", name="Đặt mật khẩu").click()
    expect(page.locator(".error-summary")).to_be_focused()
    assert_accessible(page)
    screenshots(page, "account-reset-errors")
    page.get_by_label("Mật khẩu mới", exact=True).fill("mat khau moi cua toi")
    page.get_by_label("Nhập lại mật khẩu mới").fill("mat khau moi cua toi")
    page.get_by_role("button", name="Đặt mật khẩu").click()
    expect(page.get_by_text("Đã đặt mật khẩu mới")).to_be_visible()
    page.get_by_label("Tên đăng nhập").fill(email)
    page.get_by_label("Mật khẩu").fill("mat khau moi cua toi")
    page.get_by_role("button", name="Đăng nhập").click()
    expect(page.locator("header")).to_contain_text(email)


def test_the_submission_can_be_done_with_the_keyboard_alone(page: Page, live: DemoServer) -> None:
    # Playwright asks Chromium to intercept file choosers only once a listener exists, and sends
    # that request without waiting for it; subscribing here, long before the key press, keeps a
    # busy machine from pressing Space before the interception is on (the native dialog would
    # open and close unseen, and the test would wait for a chooser that never comes).
    page.on("filechooser", lambda _chooser: None)
    register(page, live, "ban.phim@example.vn")
    page.goto(live.url("/nop-ho-so/cap_lai_the_bhyt"))
    person = applicant()
    keyboard = page.keyboard

    def type_into(name: str, text: str) -> None:
        assert tab_to(page, "input", name, limit=80).visible, name
        keyboard.type(text)

    def choose_first(name: str) -> None:
        assert tab_to(page, "input", name, limit=80).visible, name
        keyboard.press("Space")

    choose_first("receiving_unit")
    type_into("applicant.full_name", person["full_name"])
    type_into("applicant.id_number", person["id_number"])
    type_into("full_name", person["full_name"])
    choose_first("gender")
    type_into("date_of_birth", "17051990")  # the date input's day, month, year
    type_into("result_address", "12 Phố Huế, Hà Nội")
    type_into("id_number", person["id_number"])
    type_into("social_insurance_code", "0123456789")
    choose_first("request_type")
    assert tab_to(page, "input", "_files", limit=80).visible
    with page.expect_file_chooser() as chooser:
        keyboard.press("Space")
    chooser.value.set_files(pdf("giay-to.pdf", PDF))
    button = tab_to(page, "button", "Tiếp tục", limit=10)
    assert button.visible
    keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Xem lại hồ sơ trước khi nộp")
    assert tab_to(page, "button", "Nộp hồ sơ", limit=80).visible
    keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Đã nộp hồ sơ")
    expect(page.locator("[data-sha256]")).to_have_text(hashlib.sha256(PDF).hexdigest())
    assert tab(page).visible
