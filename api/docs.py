"""The interactive API documentation (`/api/v1/docs`): Swagger UI served by the app itself.

Its files come from the `swagger-ui-bundle-v2` package that `make run` installs, so the page
works without internet access (flask-smorest's default page loads them from a CDN). The page
starts Swagger UI from a script file of ours rather than an inline script, so its Content
Security Policy allows scripts and styles from this origin only.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from flask import Blueprint, Response, abort, request
from swagger_ui_bundle import swagger_ui_path

DOCS_PATH = "/api/v1/docs"
ASSETS_PATH = f"{DOCS_PATH}/assets"
#: The only files served, with their media types: nothing else of the package is reachable.
ASSETS = {
    "swagger-ui.css": "text/css",
    "swagger-ui-bundle.js": "text/javascript",
    "favicon-32x32.png": "image/png",
}
START_SCRIPT = "motcua-docs.js"
#: What the page may load: its own origin's scripts, styles, images and API calls.
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
ASSET_MAX_AGE_S = 24 * 3600

blp = Blueprint("swagger-ui", __name__)

_PAGE = f"""<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>motcua API</title>
  <link rel="icon" href="{ASSETS_PATH}/favicon-32x32.png">
  <link rel="stylesheet" href="{ASSETS_PATH}/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{ASSETS_PATH}/swagger-ui-bundle.js"></script>
  <script src="{ASSETS_PATH}/{START_SCRIPT}"></script>
</body>
</html>
"""
# validatorUrl null: Swagger UI would otherwise send the document to an online validator.
_START = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/api/v1/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null
  });
});
"""


@blp.get(DOCS_PATH)
def page() -> Response:
    return Response(_PAGE, mimetype="text/html", headers={"Content-Security-Policy": DOCS_CSP})


@blp.get(f"{ASSETS_PATH}/{START_SCRIPT}")
def start_script() -> Response:
    return Response(_START, mimetype="text/javascript")


@blp.get(f"{ASSETS_PATH}/<string:name>")
def asset(name: str) -> Response:
    media_type = ASSETS.get(name)
    if media_type is None:
        abort(404)
    response = Response(_content(name), mimetype=media_type)
    response.headers["Cache-Control"] = f"public, max-age={ASSET_MAX_AGE_S}"
    response.add_etag()
    response.make_conditional(request)
    return response


@cache
def _content(name: str) -> bytes:
    """The package's file, read once per process (about 2 MB in all)."""
    return (Path(swagger_ui_path) / name).read_bytes()
