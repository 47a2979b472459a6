"""Where a citizen's account links go in production: by SMTP (no mail directory at all) and by
the SMS gateway, as applicants' notifications do. A transport that fails gives a page that says
so, never a 500, and asking again at once sends the link (the failed one is not counted by the
resend limit). The SMTP server and the gateway are real local servers (tests/outbox)."""

from __future__ import annotations

import json
import logging
import re
import socket
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import pytest
from flask import Flask

import web
from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.notification_settings import NotificationSettings, SmsSettings, SmtpSettings
from engine.settings import Settings
from tests.conftest import failing_on_5xx, make_settings
from tests.outbox.receiver import Receiver, receiver
from tests.outbox.smtp_sink import SmtpSink, smtp_sink
from tests.pages.browsing import Browser, Page

EMAIL = "an.nguyen@example.vn"
PHONE = "0912345678"
PASSWORD = "mot cau de nho 2026"
SMS_TOKEN = "gateway-token-for-tests"
LINK = re.compile(r"http://localhost(/(?:xac-nhan-tai-khoan|dat-lai-mat-khau)/[A-Za-z0-9_-]+)")
NOT_SENT = "Chưa gửi được thư hoặc tin nhắn"


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with smtp_sink() as server:
        yield server


@pytest.fixture
def gateway() -> Iterator[Receiver]:
    with receiver("/sms/send") as fake:
        yield fake


@pytest.fixture
def settings(tmp_path: Path, database_url: str, sink: SmtpSink, gateway: Receiver) -> Settings:
    """Production's shape: SMTP and the SMS gateway, no MOTCUA_MAIL_DIR."""
    return make_settings(
        tmp_path / "var",
        database_url,
        MOTCUA_SMTP_HOST="127.0.0.1",
        MOTCUA_SMTP_PORT=str(sink.port),
        MOTCUA_SMTP_STARTTLS="false",
        MOTCUA_SMTP_TIMEOUT_SECONDS="1",
        MOTCUA_SMS_URL=gateway.url,
        MOTCUA_SMS_TOKEN=SMS_TOKEN,
    )


def mails(sink: SmtpSink) -> list[EmailMessage]:
    found = []
    for _sender, _recipients, data in sink.messages:
        parsed = message_from_bytes(data, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        found.append(parsed)
    return found


def link_in(text: str) -> str:
    found = LINK.search(text)
    assert found, text
    return found.group(1)


def mailed_link(sink: SmtpSink) -> str:
    return link_in(str(mails(sink)[-1].get_content()))


def texted_link(gateway: Receiver) -> str:
    return link_in(json.loads(gateway.received[-1].body)["text"])


def register(browser: Browser, identifier: str = EMAIL) -> Page:
    return browser.post(
        "/dang-ky",
        {
            "identifier": identifier,
            "full_name": "Nguyễn Văn An",
            "password": PASSWORD,
            "password_repeat": PASSWORD,
        },
    )


def confirm(browser: Browser, link: str) -> None:
    """Open the link from the message and press its button."""
    target = browser.get(link, expect=302).headers["Location"]
    done = browser.post(target, {}, expect=302)
    assert done.headers["Location"] == "/dang-nhap"


def is_active(ctx: EngineContext, username: str) -> bool:
    with ctx.uow(write=False) as uow:
        user = uow.users.by_username(username)
        return user is not None and user.active


def app_with(ctx: EngineContext, notify: NotificationSettings | None = None) -> Flask:
    """The web app on the same database with other settings (a transport that is down), and
    without the fixture's 5xx check: the failure page is a 503 on purpose."""
    settings = replace(ctx.settings, notify=notify or ctx.settings.notify)
    return web.create_app(context=replace(ctx, settings=settings))


def closed_port() -> int:
    """A local port nothing listens on: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_registration_by_smtp_alone_sends_a_working_link(
    browser: Browser, ctx: EngineContext, settings: Settings, sink: SmtpSink
) -> None:
    assert settings.mail_dir is None
    page = register(browser, " An.Nguyen@Example.vn ")
    assert page.status == 302 and page.headers["Location"] == "/dang-ky/da-gui"
    ((sender, recipients, _),) = sink.messages
    assert EMAIL in recipients[0] and settings.mail_from in sender
    (mail,) = mails(sink)
    assert mail["To"] == EMAIL and "Xác nhận" in str(mail["Subject"])
    browser.login(EMAIL, PASSWORD, expect=401)
    confirm(browser, mailed_link(sink))
    assert is_active(ctx, EMAIL)
    browser.login(EMAIL, PASSWORD, expect=302)


def test_a_reset_link_by_smtp_sets_a_new_password(
    browser: Browser, other_browser: Browser, clock: FrozenClock, sink: SmtpSink
) -> None:
    register(browser)
    confirm(browser, mailed_link(sink))
    clock.advance(timedelta(minutes=5))
    other_browser.post("/quen-mat-khau", {"identifier": EMAIL}, expect=200)
    assert len(sink.messages) == 2
    assert "Đặt lại mật khẩu" in str(mails(sink)[-1]["Subject"])
    form = other_browser.get(mailed_link(sink), expect=302).headers["Location"]
    new = "mot mat khau moi 2027"
    other_browser.post(form, {"password": new, "password_repeat": new}, expect=302)
    other_browser.login(EMAIL, PASSWORD, expect=401)
    other_browser.login(EMAIL, new, expect=302)


def test_a_phone_number_gets_its_link_from_the_sms_gateway(
    browser: Browser, ctx: EngineContext, gateway: Receiver, sink: SmtpSink
) -> None:
    assert register(browser, "+84 912 345 678").status == 302
    (request,) = gateway.received
    sent = json.loads(request.body)
    assert sent["to"] == PHONE and sent["id"].startswith("account_confirm_")
    assert request.headers["Authorization"] == f"Bearer {SMS_TOKEN}"
    assert request.headers["Idempotency-Key"] == sent["id"]
    assert sink.messages == []  # a phone number is not mailed
    confirm(browser, texted_link(gateway))
    assert is_active(ctx, PHONE)
    browser.login(PHONE, PASSWORD, expect=302)


def test_a_refusing_smtp_server_gives_a_page_and_asking_again_works(
    ctx: EngineContext,
    sink: SmtpSink,
    clock: FrozenClock,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    browser = Browser(app_with(ctx).test_client())
    sink.refusals.append(b"421 4.3.2 service not available")
    page = register(browser)
    assert page.status == 503 and page.headers["Retry-After"] == "60"
    assert NOT_SENT in page.text() and "thử lại" in page.text()
    assert sink.messages == []
    assert "not sent" in caplog.text and EMAIL not in caplog.text
    # At once (no wait for the resend limit): the same form sends the link.
    with failing_on_5xx(app_with(ctx)) as healthy:
        again = Browser(healthy.test_client())
        assert register(again).status == 302
        (mail,) = mails(sink)
        link = link_in(str(mail.get_content()))
        assert link.rsplit("/", 1)[1] not in caplog.text  # the token is in no log line
        confirm(again, link)
    assert is_active(ctx, EMAIL)
    # The reset: refused for good (550) this time, then asked again.
    sink.refusals.append(b"550 5.7.1 relaying denied")
    clock.advance(timedelta(minutes=5))
    assert NOT_SENT in browser.post("/quen-mat-khau", {"identifier": EMAIL}, expect=503).text()
    browser.post("/quen-mat-khau", {"identifier": EMAIL}, expect=200)
    assert "Đặt lại mật khẩu" in str(mails(sink)[-1]["Subject"])
    assert len(sink.messages) == 2


def test_an_unreachable_smtp_server_gives_a_page_then_the_link_goes_when_it_is_back(
    ctx: EngineContext, settings: Settings, sink: SmtpSink
) -> None:
    assert settings.notify.smtp is not None
    down = replace(settings.notify, smtp=replace(settings.notify.smtp, port=closed_port()))
    browser = Browser(app_with(ctx, notify=down).test_client())
    page = register(browser)
    assert page.status == 503 and NOT_SENT in page.text()
    with failing_on_5xx(app_with(ctx)) as healthy:
        again = Browser(healthy.test_client())
        assert register(again).status == 302
        confirm(again, mailed_link(sink))
    assert is_active(ctx, EMAIL)


def test_an_smtp_server_that_never_answers_is_given_up_after_its_timeout(
    ctx: EngineContext, settings: Settings
) -> None:
    with socket.socket() as silent:  # accepts connections (the backlog), never greets
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        smtp = SmtpSettings("127.0.0.1", silent.getsockname()[1], starttls=False, timeout_seconds=1)
        browser = Browser(app_with(ctx, notify=replace(settings.notify, smtp=smtp)).test_client())
        page = register(browser)
    assert page.status == 503 and NOT_SENT in page.text()


def test_a_failing_sms_gateway_gives_a_page_and_asking_again_works(
    ctx: EngineContext, gateway: Receiver, clock: FrozenClock
) -> None:
    browser = Browser(app_with(ctx).test_client())
    gateway.answers.append(502)
    page = register(browser, PHONE)
    assert page.status == 503 and NOT_SENT in page.text()
    assert register(browser, PHONE).status == 302
    assert len(gateway.received) == 2
    confirm(browser, texted_link(gateway))
    assert is_active(ctx, PHONE)
    # An unreachable gateway for the reset, then asked again with it back.
    clock.advance(timedelta(minutes=5))
    gone = SmsSettings(f"http://127.0.0.1:{closed_port()}/sms/send", timeout_seconds=1)
    down = Browser(app_with(ctx, notify=replace(ctx.settings.notify, sms=gone)).test_client())
    down.post("/quen-mat-khau", {"identifier": PHONE}, expect=503)
    browser.post("/quen-mat-khau", {"identifier": PHONE}, expect=200)
    assert "đặt lại mật khẩu" in json.loads(gateway.received[-1].body)["text"]


def test_a_channel_without_a_transport_is_unavailable_and_nothing_is_made(
    ctx: EngineContext, settings: Settings, gateway: Receiver
) -> None:
    # SMTP only: e-mail addresses can register, phone numbers cannot (no gateway, no directory).
    smtp_only = replace(settings.notify, sms=None)
    browser = Browser(app_with(ctx, notify=smtp_only).test_client())
    page = register(browser, PHONE)
    assert page.status == 503 and "Chức năng chưa sẵn sàng" in page.text()
    assert gateway.received == []
    with ctx.uow(write=False) as uow:
        assert uow.users.by_username(PHONE) is None
    assert register(browser, EMAIL).status == 302
