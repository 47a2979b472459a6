"""A citizen's own account: register (`/dang-ky`), confirm by the link sent (`/xac-nhan-tai-khoan`),
forgotten password (`/quen-mat-khau`) and reset by link (`/dat-lai-mat-khau`). The rules and the
records are the engine's (`engine.services.citizen_accounts`); these views translate its answers.

The register and forgotten-password pages answer the same whatever the address (no way to learn
who has an account); the links' pages show a button that posts, so a mail scanner opening a link
uses nothing. The tokens are in the links' paths (never an e-mail or ID number); opening one moves
it into the session and reloads the page without it; each works once.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from engine.account_mail import MailNotConfiguredError, SendFailedError
from engine.errors import FieldError, InvalidStateError, ValidationFailedError
from engine.services import citizen_accounts
from engine.services.account_rules import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH
from engine.services.citizen_accounts import CONFIRM, RESET, Registration
from web.context import engine
from web.i18n import _
from web.simple_forms import FormErrors

blp = Blueprint("account", __name__)
MAX_IDENTIFIER = 120
MAX_TOKEN = 100
#: The link being used (purpose and token), between opening it and pressing its button.
LINK_KEY = "account_link"


@blp.context_processor
def _rules() -> dict[str, int]:
    return {"min_password": MIN_PASSWORD_LENGTH}


def _link(purpose: str, token: str) -> str:
    """The link a message carries: on the configured public address, never on the request's
    Host header (an attacker's Host would send the victim's reset link to the attacker)."""
    if purpose == CONFIRM:
        path = url_for("account.confirm_link", token=token)
    elif purpose == RESET:
        path = url_for("account.reset_link", token=token)
    else:
        path = url_for("account.forgot")
    return _site_address() + path


def _site_address() -> str:
    settings = engine().settings
    if settings.public_url is not None:
        return settings.public_url
    if settings.is_production:  # refused before any account is touched (_links_configured)
        raise MailNotConfiguredError("MOTCUA_PUBLIC_URL is not set")
    return request.host_url.rstrip("/")  # development and tests: this machine's address


def _links_configured() -> bool:
    settings = engine().settings
    return settings.public_url is not None or not settings.is_production


def _messages(errors: list[FieldError]) -> FormErrors:
    """The engine's reasons in Vietnamese, by field."""
    found = FormErrors()
    for error in errors:
        if error.field == "identifier":
            found.add(
                "identifier",
                _("Nhập địa chỉ thư điện tử hoặc số điện thoại di động, ví dụ 0912345678"),
            )
        elif error.field == "full_name":
            found.add("full_name", _("Nhập họ và tên, từ 2 đến 100 ký tự"))
        elif error.field == "password":
            found.add("password", _password_message(error.message))
    return found


def _password_message(reason: str) -> str:
    if reason.startswith("at least"):
        return _("Mật khẩu phải có ít nhất %(n)s ký tự", n=MIN_PASSWORD_LENGTH)
    if reason.startswith("at most"):
        return _("Mật khẩu chỉ được dài tối đa %(n)s ký tự", n=MAX_PASSWORD_LENGTH)
    return _("Mật khẩu không được chứa tên đăng nhập (thư điện tử hoặc số điện thoại)")


def _unavailable() -> tuple[str, int]:
    page = render_template("auth/account_unavailable.html")
    return page, 503


#: How long the "not sent" page suggests waiting (the transports retry nothing themselves).
RETRY_AFTER_SECONDS = 60


def _not_sent(again: str) -> tuple[str, int, dict[str, str]]:
    """SMTP or the SMS gateway failed: nothing was sent, asking again (`again`) will send it."""
    page = render_template("auth/account_not_sent.html", again=again)
    return page, 503, {"Retry-After": str(RETRY_AFTER_SECONDS)}


@blp.route("/dang-ky", methods=["GET", "POST"])
def register() -> Response | str | tuple[str, int] | tuple[str, int, dict[str, str]]:
    if request.method == "GET":
        return render_template("auth/register.html", values={}, errors=FormErrors())
    identifier = request.form.get("identifier", "").strip()[:MAX_IDENTIFIER]
    full_name = request.form.get("full_name", "").strip()[:200]
    password = request.form.get("password", "")[: MAX_PASSWORD_LENGTH + 1]
    repeated = request.form.get("password_repeat", "")[: MAX_PASSWORD_LENGTH + 1]
    values = {"identifier": identifier, "full_name": full_name}
    errors = FormErrors()
    if not _links_configured():
        return _unavailable()
    if password != repeated:
        errors.add("password_repeat", _("Mật khẩu nhập lại không khớp"))
    else:
        try:
            citizen_accounts.register(
                engine(), Registration(identifier, password, full_name), _link
            )
        except ValidationFailedError as exc:
            errors = _messages(exc.errors)
        except MailNotConfiguredError:
            return _unavailable()
        except SendFailedError:
            return _not_sent(url_for("account.register"))
    if errors:
        return render_template("auth/register.html", values=values, errors=errors), 422
    return redirect(url_for("account.sent"))


@blp.get("/dang-ky/da-gui")
def sent() -> str:
    return render_template("auth/register_sent.html")


def _take_link(purpose: str, token: str) -> Response | tuple[str, int]:
    """Opening a link: a usable token moves into the session and the page reloads without it,
    so it is in no later request line, Referer or form action (only in the one that opened it)."""
    token = token[:MAX_TOKEN]
    if not citizen_accounts.link_is_usable(engine(), purpose, token):
        return render_template("auth/link_invalid.html"), 410
    session[LINK_KEY] = {"purpose": purpose, "token": token}
    endpoint = "account.confirm" if purpose == CONFIRM else "account.reset"
    return redirect(url_for(endpoint))


def _link_token(purpose: str) -> str | None:
    held = session.get(LINK_KEY)
    if isinstance(held, dict) and held.get("purpose") == purpose:
        token = held.get("token")
        return token if isinstance(token, str) else None
    return None


@blp.get("/xac-nhan-tai-khoan/<string:token>")
def confirm_link(token: str) -> Response | tuple[str, int]:
    return _take_link(CONFIRM, token)


@blp.route("/xac-nhan-tai-khoan", methods=["GET", "POST"])
def confirm() -> Response | str | tuple[str, int]:
    token = _link_token(CONFIRM)
    if token is None:
        return render_template("auth/link_invalid.html"), 410
    if request.method == "GET":
        return render_template("auth/confirm.html")
    session.pop(LINK_KEY, None)
    try:
        citizen_accounts.confirm(engine(), token)
    except InvalidStateError:
        return render_template("auth/link_invalid.html"), 410
    flash(_("Tài khoản đã được kích hoạt. Mời bạn đăng nhập."), "success")
    return redirect(url_for("auth.login"))


@blp.route("/quen-mat-khau", methods=["GET", "POST"])
def forgot() -> Response | str | tuple[str, int] | tuple[str, int, dict[str, str]]:
    if request.method == "GET":
        return render_template("auth/forgot.html", values={}, errors=FormErrors())
    identifier = request.form.get("identifier", "").strip()[:MAX_IDENTIFIER]
    errors = FormErrors()
    if citizen_accounts.account_name(identifier) is None:
        errors.add(
            "identifier",
            _("Nhập địa chỉ thư điện tử hoặc số điện thoại di động, ví dụ 0912345678"),
        )
        page = render_template("auth/forgot.html", values={"identifier": identifier}, errors=errors)
        return page, 422
    if not _links_configured():
        return _unavailable()
    try:
        citizen_accounts.request_reset(engine(), identifier, _link)
    except MailNotConfiguredError:
        return _unavailable()
    except SendFailedError:
        return _not_sent(url_for("account.forgot"))
    return render_template("auth/forgot_sent.html")


@blp.get("/dat-lai-mat-khau/<string:token>")
def reset_link(token: str) -> Response | tuple[str, int]:
    return _take_link(RESET, token)


@blp.route("/dat-lai-mat-khau", methods=["GET", "POST"])
def reset() -> Response | str | tuple[str, int]:
    token = _link_token(RESET)
    if token is None:
        return render_template("auth/link_invalid.html"), 410
    errors = FormErrors()
    if request.method == "POST":
        password = request.form.get("password", "")[: MAX_PASSWORD_LENGTH + 1]
        if password != request.form.get("password_repeat", "")[: MAX_PASSWORD_LENGTH + 1]:
            errors.add("password_repeat", _("Mật khẩu nhập lại không khớp"))
        else:
            try:
                citizen_accounts.reset_password(engine(), token, password)
            except InvalidStateError:
                session.pop(LINK_KEY, None)
                return render_template("auth/link_invalid.html"), 410
            except ValidationFailedError as exc:
                errors = _messages(exc.errors)
            else:
                session.pop(LINK_KEY, None)
                flash(_("Đã đặt mật khẩu mới. Mời bạn đăng nhập."), "success")
                return redirect(url_for("auth.login"))
    page = render_template("auth/reset.html", errors=errors)
    return (page, 422) if errors else page
