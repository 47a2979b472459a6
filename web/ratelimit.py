"""Per-address rate limits of the pages anyone can post to without an account: the login form
(`MOTCUA_RATELIMIT_LOGIN`) and the public lookup (`MOTCUA_RATELIMIT_PUBLIC`), the same limits and
store (`MOTCUA_RATELIMIT_STORAGE_URL`) as the API's token and lookup endpoints. Only POSTs count:
opening the form is free. Over the limit: a 429 page with `Retry-After`."""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING, cast

from flask import Flask, Response
from flask_limiter import Limiter, RateLimitExceeded
from flask_limiter.util import get_remote_address

from engine.settings import Settings
from web.errors import error_page

if TYPE_CHECKING:
    from flask.typing import RouteCallable


def init_rate_limits(app: Flask, settings: Settings, limited: dict[str, str]) -> Limiter:
    """`limited` maps an endpoint to the limit it gets, e.g. {"auth.login": "20/minute"}."""
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=settings.ratelimit_storage_url,
        strategy="moving-window",
        key_prefix="motcua-web",
        headers_enabled=False,
        swallow_errors=True,
        in_memory_fallback_enabled=True,
    )
    for endpoint, limit in limited.items():
        view = app.view_functions[endpoint]
        app.view_functions[endpoint] = cast(
            "RouteCallable", limiter.limit(limit, methods=["POST"])(view)
        )

    @app.errorhandler(RateLimitExceeded)
    def _too_many(error: RateLimitExceeded) -> Response:
        current = limiter.current_limit
        retry_after = max(1, math.ceil(current.reset_at - time.time())) if current else 60
        html, status = error_page(429)
        response = Response(html, status=status, mimetype="text/html")
        response.headers["Retry-After"] = str(retry_after)
        return response

    return limiter
