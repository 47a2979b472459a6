"""The pages' defences: CSRF on every post, the session cookie and its renewal at login, the
security headers and the Content-Security-Policy, rate limits on the anonymous forms."""

from __future__ import annotations

from dataclasses import replace

import pytest
from flask import Flask

import web
from engine.context import EngineContext
from engine.events import SYSTEM_CHAIN
from engine.services import users
from tests.conftest import ADMIN
from tests.pages.browsing import Browser, Page
from tests.support import DEMO_PASSWORD, HttpApi, applicant

PAGES = ("/", "/?q=the", "/thu-tuc/cap_lai_the_bhyt", "/tra-cuu", "/dang-nhap", "/khong-co")


def system_events(ctx: EngineContext) -> int:
    with ctx.uow(write=False) as uow:
        return int(uow.audit.count_events(SYSTEM_CHAIN))


def test_a_post_without_or_with_a_wrong_csrf_token_is_refused_and_changes_nothing(
    browser: Browser, ctx: EngineContext
) -> None:
    before = system_events(ctx)
    for token in (None, "forged-token"):
        data = {"username": "citizen", "password": DEMO_PASSWORD}
        if token:
            data["csrf_token"] = token
        page = Page.of(browser.client.post("/dang-nhap", data=data))
        assert page.status == 400
        assert "Biểu mẫu đã hết hạn" in page.text()
        assert browser.session_cookie() is None or "token" not in str(
            browser.client.application.session_interface.get_signing_serializer(  # type: ignore[attr-defined]
                browser.client.application
            ).loads(browser.session_cookie())
        )
    assert system_events(ctx) == before  # the engine was never called: not even a failed login
    browser.get("/ho-so-cua-toi", expect=302)  # not logged in


def test_logging_out_needs_the_token_too(browser: Browser) -> None:
    browser.login("citizen")
    page = Page.of(browser.client.post("/dang-xuat", data={}))
    assert page.status == 400
    browser.get("/ho-so-cua-toi", expect=200)  # still logged in: nothing changed
    assert Page.of(browser.client.get("/dang-xuat")).status == 405


def test_the_lookup_refuses_a_post_without_its_token(browser: Browser, http: HttpApi) -> None:
    code = http.submit()["code"]
    page = Page.of(
        browser.client.post("/tra-cuu", data={"code": code, "id_number": applicant()["id_number"]})
    )
    assert page.status == 400 and code not in page.text()


def test_a_login_starts_a_new_session_and_the_old_cookie_gets_nothing(web_app: Flask) -> None:
    browser = Browser(web_app.test_client())
    browser.get("/dang-nhap")  # an anonymous session with a CSRF token, as a fixation would plant
    planted = browser.session_cookie()
    assert planted is not None
    browser.login("citizen")
    signed_in = browser.session_cookie()
    assert signed_in is not None and signed_in != planted
    attacker = Browser(web_app.test_client())
    attacker.client.set_cookie("motcua_session", planted)
    assert attacker.get("/ho-so-cua-toi", expect=302).headers["Location"].startswith("/dang-nhap")
    # The anonymous session's CSRF token does not survive the login either.
    serializer = web_app.session_interface.get_signing_serializer(web_app)  # type: ignore[attr-defined]
    before, after = serializer.loads(planted), serializer.loads(signed_in)
    assert before.get("csrf_token") != after.get("csrf_token")
    browser.post("/dang-xuat", {}, csrf_from="/ho-so-cua-toi", expect=302)
    browser.login("citizen")
    assert serializer.loads(browser.session_cookie())["sid"] != after["sid"]


def test_the_session_cookie_is_httponly_lax_and_secure_in_production(
    ctx: EngineContext,
) -> None:
    for production in (False, True):
        settings = replace(ctx.settings, env="production" if production else "test")
        app = web.create_app(context=replace(ctx, settings=settings))
        client = app.test_client()
        response = client.get("/dang-nhap", base_url="https://localhost")
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert ("Secure" in cookie) is production
        assert cookie.startswith("__Host-motcua_session=" if production else "motcua_session=")
        hsts = response.headers.get("Strict-Transport-Security")
        assert (hsts is not None) is production


@pytest.mark.parametrize("path", PAGES)
def test_every_page_sends_a_strict_content_security_policy_and_the_api_s_headers(
    browser: Browser, path: str
) -> None:
    response = browser.client.get(path)
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in csp and "http" not in csp and "*" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    html = response.get_data(as_text=True)
    assert " style=" not in html and "<style" not in html  # nothing the CSP would block
    assert "<script>" not in html and " on" + "click=" not in html


def test_the_lookup_and_the_login_form_are_rate_limited_per_address(ctx: EngineContext) -> None:
    limited = replace(ctx.settings, ratelimit_public="3/minute", ratelimit_login="2/minute")
    app = web.create_app(context=replace(ctx, settings=limited))
    browser = Browser(app.test_client())
    for _ in range(3):
        browser.post("/tra-cuu", {"code": "X", "id_number": "1"}, expect=404)
    page = browser.post("/tra-cuu", {"code": "X", "id_number": "1"}, expect=429)
    assert "Quá nhiều yêu cầu" in page.text()
    assert int(page.headers["Retry-After"]) > 0
    browser.get("/tra-cuu", expect=200)  # opening the form is not limited
    for _ in range(2):
        browser.login("citizen", "wrong", expect=401)
    browser.login("citizen", expect=429)


def test_a_web_session_started_before_a_deactivation_stays_ended_after_re_activation(
    browser: Browser, ctx: EngineContext
) -> None:
    """Issue 12, C10: the session holds a token, revoked for good like any other."""
    browser.login("leader")
    browser.get("/can-bo")
    users.deactivate_user(ctx, ADMIN, "leader")
    users.activate_user(ctx, ADMIN, "leader")
    assert browser.get("/can-bo", expect=302).headers["Location"].startswith("/dang-nhap")
