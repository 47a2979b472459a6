"""The HTTP API: a thin Flask layer (flask-smorest + marshmallow) over `engine`."""

from __future__ import annotations

from typing import Any

from flask import Flask, Response, redirect

from api import (
    admin,
    audit,
    calendar,
    definitions,
    docs,
    documents,
    dossier_versions,
    dossiers,
    errors,
    files,
    notifications,
    outbox,
    overdue,
    procedures,
    public_statistics,
    ratings,
    reports,
    tasks,
    timeliness,
    timers,
    tokens,
    units,
    webhooks,
)
from api.base import Api
from api.contract import BigIntConverter, refuse_undeclared_input
from api.logs import install_log_masking
from api.payloads import refuse_unstorable_url
from api.ratelimit import init_rate_limits
from engine.context import EngineContext, build
from engine.services.documents import ensure_production_keys
from engine.services.logins import demo_accounts_present
from engine.settings import Settings, SettingsError

API_PREFIX = "/api/v1"
MAX_REQUEST_BYTES = 1 * 1024 * 1024
RESOURCES = (
    tokens,
    procedures,
    units,
    dossiers,
    documents,
    tasks,
    files,
    admin,
    audit,
    definitions,
    dossier_versions,
    calendar,
    timers,
    outbox,
    reports,
    webhooks,
    notifications,
    overdue,
    timeliness,
)
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}
#: Every response but the docs page (api/docs.py sets its own): nothing may load anything.
API_CSP = "default-src 'none'; frame-ancestors 'none'"
HSTS = "max-age=31536000; includeSubDomains"


def create_app(settings: Settings | None = None, *, context: EngineContext | None = None) -> Flask:
    """Build the app; tests pass their own `context` (database, frozen clock)."""
    if context is None:
        context = build(settings or Settings.from_env())
    if context.settings.is_production and demo_accounts_present(context):
        raise SettingsError(
            "demo accounts exist: deactivate them before running with MOTCUA_ENV=production "
            "(`motcua user deactivate NAME`)"
        )
    ensure_production_keys(context)  # issue 14: no signing without each unit's real key
    install_log_masking()
    app = Flask("motcua")
    app.config.update(
        API_TITLE="motcua — BHXH one-stop dossier API",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
        OPENAPI_URL_PREFIX=API_PREFIX,
        OPENAPI_JSON_PATH="openapi.json",
        MAX_CONTENT_LENGTH=MAX_REQUEST_BYTES,
    )
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.extensions["motcua"] = context
    app.url_map.converters["int"] = BigIntConverter  # before any route is added
    api = Api(app, spec_kwargs={"info": {"description": _DESCRIPTION}})
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    for module in RESOURCES:
        api.register_blueprint(module.blp)
    api.register_blueprint(dossiers.public_blp)
    api.register_blueprint(files.rules_blp)
    api.register_blueprint(outbox.health_blp)
    api.register_blueprint(public_statistics.blp)
    api.register_blueprint(ratings.blp)
    app.register_blueprint(docs.blp)  # a page, not an API operation: outside the OpenAPI document
    errors.register(app)
    app.before_request(refuse_unstorable_url)
    app.before_request(refuse_undeclared_input)
    init_rate_limits(app, context.settings)
    production = context.settings.is_production

    @app.after_request
    def _security_headers(response: Response) -> Response:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        response.headers.setdefault("Content-Security-Policy", API_CSP)
        if production:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        return response

    @app.get("/")
    def _index() -> Any:
        return redirect(docs.DOCS_PATH)

    return app


_DESCRIPTION = """\
Dossiers of the BHXH Public Service Portal and One-Stop Electronic Information System.
Citizens submit dossiers and follow them by code; officers claim and complete the user tasks of
each procedure's BPMN diagram. Errors are `application/problem+json` (RFC 9457).
Log in with `POST /api/v1/auth/token` and send `Authorization: Bearer <token>`."""
