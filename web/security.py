"""Cookie sessions, CSRF and response headers of the web pages.

- Session: Flask's signed cookie (HttpOnly, SameSite=Lax, Secure and `__Host-` in production),
  signed with a key derived from `MOTCUA_SECRET_KEY`, lasting as long as the login token.
- CSRF: Flask-WTF's CSRFProtect checks every POST/PUT/PATCH/DELETE before its view runs; a
  missing or wrong token is a 400 page and nothing changes.
- Content-Security-Policy: scripts, styles, images, fonts and requests from this origin only; no
  inline script or style, no eval, no framing (`frame-ancestors 'none'`), forms post only here.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import Flask, Response
from flask_wtf.csrf import CSRFProtect

from engine.settings import Settings

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    )
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    # The API sends no-referrer; pages send their address only to this site, where CSRF
    # protection over HTTPS checks it (a URL never holds a personal identifier anyway).
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
#: Pages show personal data: no cache keeps them (assets set their own, long, Cache-Control).
PAGE_CACHE_CONTROL = "no-store"
HSTS = "max-age=31536000; includeSubDomains"
DEV_COOKIE = "motcua_session"
#: `__Host-`: the browser accepts it only over HTTPS, for this host, for every path.
PRODUCTION_COOKIE = "__Host-motcua_session"


def session_key(secret: str) -> str:
    """The cookie-signing key: derived from the deployment secret, distinct from the token key."""
    return hmac.new(secret.encode(), b"motcua web session cookie", hashlib.sha256).hexdigest()


def init_security(app: Flask, settings: Settings) -> CSRFProtect:
    production = settings.is_production
    app.config.update(
        SECRET_KEY=session_key(settings.secret_key),
        SESSION_COOKIE_NAME=PRODUCTION_COOKIE if production else DEV_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production,
        PERMANENT_SESSION_LIFETIME=timedelta(seconds=settings.token_ttl_seconds),
        # A token is good for the whole session (which the login token already bounds): a
        # citizen filling a long form is not refused for being slow.
        WTF_CSRF_TIME_LIMIT=None,
        WTF_CSRF_SSL_STRICT=True,
    )

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Cache-Control", PAGE_CACHE_CONTROL)
        if production:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response

    return CSRFProtect(app)
