"""The interactive API documentation works without internet access: the page loads only files the
server itself serves (from the installed Swagger UI package), and its CSP allows exactly those."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


def _csp(header: str) -> dict[str, list[str]]:
    directives = (part.split() for part in header.split(";") if part.strip())
    return {name: values for name, *values in directives}


def test_the_docs_page_references_only_assets_the_server_serves(client: FlaskClient) -> None:
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    text = page.get_data(as_text=True)
    references = re.findall(r'(?:src|href)="([^"]*)"', text)
    assert len(references) >= 3
    assert [ref for ref in references if not ref.startswith("/api/v1/docs/assets/")] == []
    assert "<script>" not in text  # no inline script: the CSP need not allow any
    for reference in references:
        asset = client.get(reference)
        suffix = reference[reference.rindex(".") :]
        assert asset.status_code == 200, reference
        assert asset.mimetype == MEDIA_TYPES[suffix], reference
        assert len(asset.get_data()) > 100, reference
    start = client.get(next(ref for ref in references if ref.endswith("motcua-docs.js")))
    assert '"/api/v1/openapi.json"' in start.get_data(as_text=True)


def test_the_docs_page_policy_allows_its_own_origin_and_nothing_else(client: FlaskClient) -> None:
    policy = _csp(client.get("/api/v1/docs").headers["Content-Security-Policy"])
    assert policy["default-src"] == ["'none'"]
    assert policy["script-src"] == ["'self'"]  # no 'unsafe-inline', no CDN
    assert policy["style-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]  # "Try it out" calls this API only
    assert set(policy["img-src"]) <= {"'self'", "data:"}
    assert policy["frame-ancestors"] == ["'none'"]
    assert not any("http" in value for values in policy.values() for value in values)


def test_only_the_listed_assets_are_reachable(client: FlaskClient) -> None:
    for name in ("index.html", "swagger-initializer.js", "..%2F__init__.py", "swagger-ui.js.map"):
        response = client.get(f"/api/v1/docs/assets/{name}")
        assert response.status_code == 404, name
        assert response.mimetype == "application/problem+json", name
