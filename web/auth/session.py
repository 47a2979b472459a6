"""Who is signed in: the cookie session holds the engine's login token, nothing else about them.

Any way of logging in (the password form today, the national e-ID later) ends with `sign_in`
given the token an engine login service issued; every request turns it back into an `Actor` with
`logins.authenticate`, exactly as the API does with a bearer token, so a deactivated account
or an expired token stops working at once. The session lasts as long as the token
(`MOTCUA_TOKEN_TTL_SECONDS`).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

from flask import abort, flash, g, redirect, request, session, url_for

from engine.errors import AuthenticationError
from engine.results import TokenResult
from engine.security.authz import OFFICER_ROLES, Actor, Role
from engine.services import logins
from web.context import engine
from web.i18n import _

TOKEN_KEY = "token"  # noqa: S105 - the name of the session entry, not a secret
#: A random id per signed-in session: a new one at every login (no session fixation).
SESSION_ID_KEY = "sid"
F = TypeVar("F", bound=Callable[..., Any])
#: Roles whose pages are the workspace (Hệ thống thông tin một cửa điện tử).
WORKSPACE_ROLES = frozenset({*OFFICER_ROLES, Role.AUDITOR, Role.ANALYST, Role.ADMIN})


def sign_in(login: TokenResult) -> None:
    """Start a new session for this login: nothing of the anonymous session is kept (its CSRF
    token included), and the session gets a new id."""
    session.clear()
    session[SESSION_ID_KEY] = secrets.token_urlsafe(24)
    session[TOKEN_KEY] = login.access_token
    session.permanent = True
    g.pop("motcua_actor", None)


def sign_out() -> None:
    session.clear()
    g.motcua_actor = None


def current_actor() -> Actor | None:
    """The signed-in person, or None; an expired or revoked session is ended here."""
    if "motcua_actor" in g:
        return cast(Actor | None, g.motcua_actor)
    token = session.get(TOKEN_KEY)
    found: Actor | None = None
    if isinstance(token, str) and token:
        try:
            found = logins.authenticate(engine(), token)
        except AuthenticationError:
            session.clear()
            flash(_("Phiên đăng nhập đã hết hạn. Vui lòng đăng nhập lại."), "info")
    g.motcua_actor = found
    return found


def is_workspace_user(actor: Actor) -> bool:
    return bool(actor.roles & WORKSPACE_ROLES)


def landing_url(actor: Actor) -> str:
    """Where a person goes after logging in: officers and staff to the workspace."""
    if is_workspace_user(actor):
        return url_for("workspace.home")
    return url_for("portal.my_dossiers")


def login_required(*roles: str) -> Callable[[F], F]:
    """Send anonymous visitors to the login page (and back); 403 for the wrong role."""

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            actor = current_actor()
            if actor is None:
                return redirect(url_for("auth.login", next=request.path))
            if roles and not actor.has(*roles):
                abort(403)
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate


def safe_next(target: str | None) -> str | None:
    """A local path to return to after login, or None (no open redirect to another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
