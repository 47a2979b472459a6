"""The web pages: the citizens' portal and the officers' workspace, server-rendered HTML over the
same engine services as the API (docs/architecture.md section 8). See docs/web.md.

`create_app` builds the Flask app of the pages alone (tests use it with their own context);
`server.app.create_app` composes it with the API around one engine.
"""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from engine.context import EngineContext, build
from engine.settings import Settings
from web import auth, portal, workspace
from web.assets import AssetManifest, init_assets
from web.auth import accounts
from web.context import EXTENSION
from web.errors import register_error_pages
from web.formatting import init_formatting
from web.i18n import init_i18n
from web.navigation import init_navigation
from web.portal import submission
from web.ratelimit import init_rate_limits
from web.security import init_security
from web.upload_limits import init_upload_limits


def create_app(
    settings: Settings | None = None,
    *,
    context: EngineContext | None = None,
    assets: AssetManifest | None = None,
) -> Flask:
    """Build the pages; raises SettingsError when the front-end packages are not installed."""
    if context is None:
        context = build(settings or Settings.from_env())
    settings = context.settings
    app = Flask(__name__, static_folder=None)
    init_upload_limits(app, settings)  # before the CSRF check reads the body
    app.extensions[EXTENSION] = context
    init_assets(app, assets or AssetManifest.build())
    init_i18n(app)
    init_formatting(app, context.tz)
    init_navigation(app)
    init_security(app, settings)
    register_error_pages(app)
    for module in (auth, accounts, portal, submission, workspace):
        app.register_blueprint(module.blp)
    init_rate_limits(
        app,
        settings,
        {
            "auth.login": settings.ratelimit_login,
            "portal.lookup": settings.ratelimit_public,
            # Anyone can post these: each may send a message or tries a link's token.
            **dict.fromkeys(
                ("account.register", "account.forgot", "account.confirm", "account.reset"),
                settings.ratelimit_login,
            ),
            # A citizen's posts that store files: each may write megabytes.
            **dict.fromkeys(("submission.submit", "portal.supplement"), settings.ratelimit_upload),
        },
    )
    if settings.proxy_count:
        # Only then is X-Forwarded-For the client's address rather than anyone's claim.
        n = settings.proxy_count
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)  # type: ignore[method-assign]
    return app
