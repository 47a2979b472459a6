"""Rate limits (flask-limiter): logins and the public lookup per client address, and the
endpoints that render documents on demand (Mẫu 06, Mẫu 07, HTML views) per user, so that one
user cannot keep a worker's Typst compiler busy (docs/documents.md, "Cost control").

Counters live in `MOTCUA_RATELIMIT_STORAGE_URL`: `memory://` by default (one process, nothing to
run), a shared store such as `redis://127.0.0.1:6379` when several workers serve the API (its
client comes with the `redis` extra: `pip install -e '.[redis]'`). If the store fails while
serving, limits fall back to per-process memory rather than refusing service (SEC-8); a store
that cannot be used at all (no client library) stops the start with a message.
"""

from __future__ import annotations

import math
import time

from flask import Flask, Response, jsonify
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import parse_many
from limits.errors import ConfigurationError
from werkzeug.middleware.proxy_fix import ProxyFix

from api import documents, dossiers, outbox, reports, tokens
from api.base import PROBLEM_CONTENT_TYPE, problem
from api.context import actor
from engine.errors import EngineError
from engine.settings import Settings, SettingsError


def _user_or_address() -> str:
    """The authenticated user (whatever address they come from), else the client's address (the
    request is then refused with 401 anyway)."""
    try:
        return f"user:{actor().username}"
    except EngineError:
        return f"address:{get_remote_address()}"


def init_rate_limits(app: Flask, settings: Settings) -> Limiter:
    """Limit logins and public lookups per client address; 429 problem+json with Retry-After."""
    for name, value in (
        ("MOTCUA_RATELIMIT_LOGIN", settings.ratelimit_login),
        ("MOTCUA_RATELIMIT_PUBLIC", settings.ratelimit_public),
        ("MOTCUA_RATELIMIT_RENDER", settings.ratelimit_render),
        ("MOTCUA_RATELIMIT_HEALTH", settings.ratelimit_health),
    ):
        try:
            parse_many(value)
        except ValueError as exc:
            raise SettingsError(f"{name}: not a rate limit such as '20/minute': {value!r}") from exc
    if settings.proxy_count:
        # Only then is X-Forwarded-For the client's address rather than anyone's claim.
        n = settings.proxy_count
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    try:
        limiter = Limiter(
            get_remote_address,
            app=app,
            storage_uri=settings.ratelimit_storage_url,
            strategy="moving-window",
            key_prefix="motcua",
            headers_enabled=False,
            swallow_errors=True,
            in_memory_fallback_enabled=True,
        )
    except ConfigurationError as exc:
        scheme = settings.ratelimit_storage_url.partition("://")[0]
        hint = " (install its client: pip install -e '.[redis]')" if "redis" in scheme else ""
        raise SettingsError(
            f"MOTCUA_RATELIMIT_STORAGE_URL: cannot use {scheme}:// storage{hint}: {exc}"
        ) from exc
    limiter.limit(settings.ratelimit_login)(tokens.blp)
    limiter.limit(settings.ratelimit_public)(dossiers.public_blp)
    # The health check is public too: a monitor polls it, a flood must not reach the database.
    limiter.limit(settings.ratelimit_health)(outbox.health_blp)
    # One budget per user across the rendering endpoints (a shared limit: one counter for all of
    # them); the blueprint's other routes (lists, stored PDFs, corrections) are exempt.
    limiter.shared_limit(
        settings.ratelimit_render,
        scope="render",
        key_func=_user_or_address,
        exempt_when=lambda: not documents.renders_on_demand(),
        cost=documents.render_cost,
        # Only what rendered counts: a refused request (a bad period, a dossier not yours)
        # stops before any render.
        deduct_when=lambda response: response.status_code < 400,
    )(documents.blp)
    # The handling report's PDF (issue 17) renders like Mẫu 07: the same budget.
    limiter.shared_limit(
        settings.ratelimit_render,
        scope="render",
        key_func=_user_or_address,
        exempt_when=lambda: not reports.renders_on_demand(),
        cost=documents.BOOK_COST,
        deduct_when=lambda response: response.status_code < 400,
    )(reports.blp)

    @app.errorhandler(RateLimitExceeded)
    def _too_many(error: RateLimitExceeded) -> Response:
        current = limiter.current_limit
        retry_after = max(1, math.ceil(current.reset_at - time.time())) if current else 60
        body = problem(429, "too-many-requests", f"rate limit of {error.description} exceeded")
        response = jsonify(body)
        response.status_code = 429
        response.content_type = PROBLEM_CONTENT_TYPE
        response.headers["Retry-After"] = str(retry_after)
        return response

    return limiter
