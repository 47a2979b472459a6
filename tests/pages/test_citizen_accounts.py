"""A citizen opens an account on the portal: register, confirm by the link in the mail sink,
log in; the same answer for an address that has an account; password reset by a single-use,
expiring link; CSRF; no e-mail address or phone number in an address or a log line."""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest

import web
from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.events import SYSTEM_CHAIN
from engine.settings import Settings
from tests.conftest import make_settings
from tests.pages.browsing import Browser, Page

EMAIL = "an.nguyen@example.vn"
PASSWORD = "mot cau de nho 2026"
LINK = re.compile(r"http://localhost(/(?:xac-nhan-tai-khoan|dat-lai-mat-khau)/[A-Za-z0-9_-]+)")


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(tmp_path / "var", database_url, MOTCUA_MAIL_DIR=str(tmp_path / "mail"))


def mails(settings: Settings) -> list[EmailMessage]:
    assert settings.mail_dir is not None
    found = sorted(settings.mail_dir.glob("account_*"), key=lambda p: p.stat().st_mtime_ns)
    return [message_from_bytes(p.read_bytes(), policy=policy.default) for p in found]


def link_in(mail: EmailMessage) -> str:
    body = str(mail.get_content())
    found = LINK.search(body)
    assert found, body
    return found.group(1)


def open_link(browser: Browser, link: str, expect: int = 302) -> str:
    """Open a link from a message: the page moves its token into the session and reloads
    without it; the address it reloads at."""
    page = browser.get(link, expect=expect)
    return page.headers.get("Location", "")


def register(browser: Browser, identifier: str = EMAIL, password: str = PASSWORD) -> Page:
    return browser.post(
        "/dang-ky",
        {
            "identifier": identifier,
            "full_name": "Nguyễn Văn An",
            "password": password,
            "password_repeat": password,
        },
    )


def test_a_citizen_registers_confirms_and_logs_in(browser: Browser, settings: Settings) -> None:
    page = register(browser, " An.Nguyen@Example.vn ")
    assert page.status == 302 and page.headers["Location"] == "/dang-ky/da-gui"
    assert EMAIL not in page.headers["Location"]
    (mail,) = mails(settings)
    assert mail["To"] == EMAIL and "Xác nhận" in str(mail["Subject"])
    # Not confirmed yet: the password does not open the account.
    browser.login(EMAIL, PASSWORD, expect=401)
    link = link_in(mail)
    target = open_link(browser, link)
    assert target == "/xac-nhan-tai-khoan"  # the token is in no later address
    assert "Kích hoạt tài khoản" in browser.get(target).text()  # opening it changes nothing
    browser.login(EMAIL, PASSWORD, expect=401)
    confirmed = browser.post(target, {}, expect=302)
    assert confirmed.headers["Location"] == "/dang-nhap"
    browser.login("AN.NGUYEN@example.vn", PASSWORD, expect=302)
    assert "an.nguyen@example.vn" in browser.get("/ho-so-cua-toi").text("//header")
    # The link worked once.
    open_link(browser, link, expect=410)


def test_a_phone_number_gets_its_link_as_a_text_message(
    browser: Browser, settings: Settings
) -> None:
    register(browser, "+84 912 345 678")
    assert settings.mail_dir is not None
    (sms,) = list(settings.mail_dir.glob("account_confirm_*.sms.txt"))
    text = sms.read_text()
    assert text.startswith("To: 0912345678")
    assert LINK.search(text)


def test_registering_an_address_that_has_an_account_answers_the_same(
    browser: Browser, other_browser: Browser, settings: Settings, clock: FrozenClock
) -> None:
    first = register(browser)
    browser.post(open_link(browser, link_in(mails(settings)[0])), {}, expect=302)
    clock.advance(timedelta(minutes=5))
    second = register(other_browser, EMAIL, "another sentence 2026")
    assert (first.status, first.headers["Location"]) == (second.status, second.headers["Location"])
    notice = mails(settings)[-1]
    assert "đã có tài khoản" in str(notice.get_content())
    # The first password still works; no second account was made.
    other_browser.login(EMAIL, "another sentence 2026", expect=401)
    browser.login(EMAIL, PASSWORD, expect=302)


def test_the_password_rules_are_the_accounts_rules_and_the_input_is_kept(
    browser: Browser, settings: Settings
) -> None:
    page = register(browser, EMAIL, "short")
    assert page.status == 422
    assert page.field_error("password") == "Mật khẩu phải có ít nhất 10 ký tự"
    assert page.all("//input[@name='identifier']/@value") == [EMAIL]
    assert page.all("//input[@name='password']/@value") == [""]
    page = register(browser, EMAIL, "an.nguyen@example.vn!!")
    assert "không được chứa tên đăng nhập" in (page.field_error("password") or "")
    page = register(browser, "not an address", PASSWORD)
    assert "thư điện tử hoặc số điện thoại" in (page.field_error("identifier") or "")
    assert mails(settings) == []


def test_without_a_csrf_token_no_account_is_made(browser: Browser, settings: Settings) -> None:
    for token in (None, "wrong"):
        data = {
            "identifier": EMAIL,
            "full_name": "An",
            "password": PASSWORD,
            "password_repeat": PASSWORD,
        }
        if token:
            data["csrf_token"] = token
        assert browser.client.post("/dang-ky", data=data).status_code == 400
    assert mails(settings) == []


def confirmed_account(browser: Browser, settings: Settings, clock: FrozenClock) -> None:
    register(browser)
    browser.post(open_link(browser, link_in(mails(settings)[0])), {}, expect=302)
    clock.advance(timedelta(minutes=5))


def test_a_reset_link_works_once(
    browser: Browser, other_browser: Browser, settings: Settings, clock: FrozenClock
) -> None:
    confirmed_account(browser, settings, clock)
    browser.login(EMAIL, PASSWORD)
    sent = other_browser.post("/quen-mat-khau", {"identifier": EMAIL}, expect=200)
    unknown = other_browser.post("/quen-mat-khau", {"identifier": "nobody@example.vn"}, expect=200)
    assert sent.text() == unknown.text()
    link = link_in(mails(settings)[-1])
    new = "mot mat khau moi 2027"
    form = open_link(other_browser, link)
    done = other_browser.post(form, {"password": new, "password_repeat": new}, expect=302)
    assert done.headers["Location"] == "/dang-nhap"
    again = other_browser.get(link, expect=410)
    assert "một lần" in again.text()
    other_browser.get(form, expect=410)  # nor is the token kept in the session
    other_browser.login(EMAIL, PASSWORD, expect=401)
    other_browser.login(EMAIL, new, expect=302)
    # The session opened with the old password ended.
    assert browser.client.get("/ho-so-cua-toi").status_code == 302


def test_a_reset_link_expires_after_an_hour(
    browser: Browser, settings: Settings, clock: FrozenClock
) -> None:
    confirmed_account(browser, settings, clock)
    browser.post("/quen-mat-khau", {"identifier": EMAIL}, expect=200)
    link = link_in(mails(settings)[-1])
    form = open_link(browser, link)
    clock.advance(timedelta(hours=1, seconds=1))
    new = "mot mat khau moi 2027"
    page = browser.post(form, {"password": new, "password_repeat": new})
    assert page.status == 410  # opened in time, used too late
    open_link(browser, link, expect=410)
    browser.login(EMAIL, PASSWORD, expect=302)


def test_a_weak_new_password_keeps_the_link_usable(
    browser: Browser, settings: Settings, clock: FrozenClock
) -> None:
    confirmed_account(browser, settings, clock)
    browser.post("/quen-mat-khau", {"identifier": EMAIL}, expect=200)
    form = open_link(browser, link_in(mails(settings)[-1]))
    page = browser.post(form, {"password": "short", "password_repeat": "short"}, expect=422)
    assert page.field_error("password") == "Mật khẩu phải có ít nhất 10 ký tự"
    new = "mot mat khau moi 2027"
    browser.post(form, {"password": new, "password_repeat": new}, expect=302)


def test_no_address_appears_in_a_url_or_a_log_line(
    browser: Browser, settings: Settings, clock: FrozenClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    confirmed_account(browser, settings, clock)
    browser.login(EMAIL, PASSWORD)
    browser.post("/quen-mat-khau", {"identifier": EMAIL})
    link = link_in(mails(settings)[-1])
    assert EMAIL not in link and "0912345678" not in link
    assert EMAIL not in caplog.text


def test_the_events_are_on_the_system_chain(
    browser: Browser, ctx: EngineContext, settings: Settings, clock: FrozenClock
) -> None:
    confirmed_account(browser, settings, clock)
    with ctx.uow(write=False) as uow:
        user = uow.users.by_username(EMAIL)
        assert user is not None and user.active and user.roles == ["citizen"]
        types = [
            e.type for e in uow.events.for_chain(SYSTEM_CHAIN) if e.payload.get("username") == EMAIL
        ]
    assert types == ["user_created", "user_activated"]


def test_registration_and_the_reset_form_are_rate_limited_per_address(
    ctx: EngineContext, settings: Settings
) -> None:
    limited = replace(ctx.settings, ratelimit_login="2/minute")
    browser = Browser(web.create_app(context=replace(ctx, settings=limited)).test_client())
    for n in range(2):
        register(browser, f"nguoi.{n}@example.vn")
    assert register(browser, "nguoi.3@example.vn").status == 429
    for _ in range(2):
        browser.post("/quen-mat-khau", {"identifier": EMAIL}, expect=200)
    browser.post("/quen-mat-khau", {"identifier": EMAIL}, expect=429)
    assert len(mails(settings)) == 2  # the registrations; no account had EMAIL


def test_links_use_the_public_address_never_the_request_s_host(
    ctx: EngineContext, settings: Settings
) -> None:
    # A Host header is the client's to choose: a reset link built from it would send the
    # victim's token to the attacker's site.
    public = replace(ctx.settings, public_url="https://dichvucong.example.vn")
    browser = Browser(web.create_app(context=replace(ctx, settings=public)).test_client())
    attacker = {"Host": "evil.example"}
    token = Page.of(browser.client.get("/dang-ky", headers=attacker)).csrf_token()
    form = {
        "csrf_token": token,
        "identifier": EMAIL,
        "full_name": "Nguyễn Văn An",
        "password": PASSWORD,
        "password_repeat": PASSWORD,
    }
    assert browser.client.post("/dang-ky", data=form, headers=attacker).status_code == 302
    body = str(mails(settings)[-1].get_content())
    assert "https://dichvucong.example.vn/xac-nhan-tai-khoan/" in body
    assert "evil.example" not in body


def test_in_production_without_a_public_address_no_link_is_sent(
    ctx: EngineContext, settings: Settings
) -> None:
    production = replace(ctx.settings, env="production", public_url=None)
    browser = Browser(web.create_app(context=replace(ctx, settings=production)).test_client())
    token = browser.get("/quen-mat-khau").csrf_token()
    answer = browser.client.post("/quen-mat-khau", data={"csrf_token": token, "identifier": EMAIL})
    assert answer.status_code == 503
    assert register(browser).status == 503
    assert mails(settings) == []
