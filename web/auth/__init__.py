"""Logging in and out of the web pages (`/dang-nhap`, `/dang-xuat`).

The password form calls the engine's login service exactly as `POST /api/v1/auth/token` does:
the same per-account lockout (in the database, shared with the API) and a per-address rate limit
(`MOTCUA_RATELIMIT_LOGIN`, see web/ratelimit.py). Another way of logging in (the national e-ID)
becomes another view that ends with `sign_in(...)`, listed on this page (web/auth/methods.py).
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from engine.errors import AuthenticationError, TooManyAttemptsError
from engine.services import logins
from engine.services.citizen_accounts import account_name
from web.auth.methods import other_login_methods
from web.auth.session import current_actor, landing_url, safe_next, sign_in, sign_out
from web.context import engine
from web.formatting import wait_text
from web.i18n import _
from web.simple_forms import FormErrors

blp = Blueprint("auth", __name__)
MAX_USERNAME = 80
MAX_PASSWORD = 200


@blp.route("/dang-nhap", methods=["GET", "POST"])
def login() -> Response | tuple[str, int] | str:
    """The password login form; on success a new session, then where the person was going."""
    next_url = safe_next(request.values.get("next"))
    actor = current_actor()
    if request.method == "GET":
        if actor is not None:
            return redirect(next_url or landing_url(actor))
        return render_template(
            "auth/login.html",
            values={},
            errors=FormErrors(),
            next=next_url,
            methods=other_login_methods(),
        )
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    errors = FormErrors()
    errors.check_text(
        "username",
        username,
        missing=_("Nhập tên đăng nhập"),
        max_length=MAX_USERNAME,
        too_long=_("Tên đăng nhập dài tối đa %(n)s ký tự", n=MAX_USERNAME),
    )
    errors.check_text(
        "password",
        password,
        missing=_("Nhập mật khẩu"),
        max_length=MAX_PASSWORD,
        too_long=_("Mật khẩu dài tối đa %(n)s ký tự", n=MAX_PASSWORD),
    )
    status = 422
    if not errors:
        try:
            # A citizen may type their phone number as +84 ... or their e-mail in capitals.
            name = account_name(username) or username
            result = logins.login(engine(), name, password, client=request.remote_addr)
        except TooManyAttemptsError as exc:
            status = 429
            errors.add(
                "username",
                _(
                    "Tài khoản tạm khoá vì đăng nhập sai nhiều lần. Vui lòng thử lại sau %(wait)s.",
                    wait=wait_text(exc.retry_after),
                ),
            )
        except AuthenticationError:
            status = 401
            errors.add("username", _("Tên đăng nhập hoặc mật khẩu không đúng"))
        else:
            sign_in(result)
            signed_in = current_actor()
            assert signed_in is not None
            return redirect(next_url or landing_url(signed_in))
    page = render_template(
        "auth/login.html",
        values={"username": username},
        errors=errors,
        next=next_url,
        methods=other_login_methods(),
    )
    return page, status


@blp.post("/dang-xuat")
def logout() -> Response:
    sign_out()
    flash(_("Bạn đã đăng xuất."), "success")
    return redirect(url_for("portal.home"))
