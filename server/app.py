"""One WSGI application made of the JSON API and the web pages.

`api` and `web` are two entry points over the same engine that never import each other
(import-linter). This package builds both around one `EngineContext` (one connection pool, one
definition cache, one clock) and sends each request to one of them by its path: `/api/...` to the
API (bearer tokens, problem+json), everything else to the web pages (cookie sessions, HTML).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import api
import web
from engine.context import EngineContext, build
from engine.settings import Settings

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment
    from flask import Flask

#: Paths under this prefix belong to the JSON API; it keeps its full paths (`/api/v1/...`).
API_PATH_PREFIX = "/api"


class ComposedApp:
    """A WSGI callable dispatching by path; `context` is the engine both apps share."""

    def __init__(self, context: EngineContext, api_app: Flask, web_app: Flask) -> None:
        self.context = context
        self.api = api_app
        self.web = web_app
        #: Objects that live as long as the process serves (e.g. the timer scheduler).
        self.extensions: dict[str, Any] = {}

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "") or "/"
        if path == API_PATH_PREFIX or path.startswith(API_PATH_PREFIX + "/"):
            return self.api(environ, start_response)
        return self.web(environ, start_response)


def create_app(
    settings: Settings | None = None, *, context: EngineContext | None = None
) -> ComposedApp:
    """Build the API and the web pages around one engine; tests pass their own `context`."""
    if context is None:
        context = build(settings or Settings.from_env())
    return ComposedApp(context, api.create_app(context=context), web.create_app(context=context))
