"""Refuse text that no database stores faithfully, before it reaches a use case.

PostgreSQL rejects NUL (U+0000) in text and JSONB; lone UTF-16 surrogates (`"\\ud800"`) cannot
be encoded as UTF-8 at all. Both would otherwise surface as a 500 deep in a transaction (and
NUL would be accepted on SQLite but not on PostgreSQL). Checked once at the edge, for every
endpoint: a 422 problem naming the field, or a 404 for such a path.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Flask, Response, jsonify, request

from api.base import PROBLEM_CONTENT_TYPE, problem

#: The JSON escapes that can produce such text; raw NUL bytes are invalid JSON already.
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:0000|d[89a-f][0-9a-f]{2})", re.IGNORECASE)
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
MESSAGE = "text may not contain NUL (U+0000) or unpaired surrogate characters"


def register(app: Flask) -> None:
    app.before_request(_refuse_unstorable_text)


def _refuse_unstorable_text() -> Response | None:
    for value in (request.view_args or {}).values():
        if isinstance(value, str) and _UNSTORABLE.search(value):
            return _problem(404, "not-found", "no such resource", None)
    for name, values in request.args.lists():
        if _UNSTORABLE.search(name) or any(_UNSTORABLE.search(v) for v in values):
            return _problem(422, "validation-failed", MESSAGE, _clean(name))
    if request.is_json and _SUSPECT_ESCAPE.search(request.get_data(cache=True)):
        field = _first_unstorable(request.get_json(silent=True), [])
        if field is not None:
            return _problem(422, "validation-failed", MESSAGE, field)
    return None


def _first_unstorable(value: Any, path: list[str]) -> str | None:
    if isinstance(value, str):
        return ".".join(path) if _UNSTORABLE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            if _UNSTORABLE.search(key):
                return ".".join([*path, _clean(key)])
            found = _first_unstorable(item, [*path, key])
            if found is not None:
                return found
    if isinstance(value, list):
        for index, item in enumerate(value):
            found = _first_unstorable(item, [*path, str(index)])
            if found is not None:
                return found
    return None


def _clean(name: str) -> str:
    return _UNSTORABLE.sub("?", name)


def _problem(status: int, code: str, detail: str, field: str | None) -> Response:
    errors = None if field is None else [{"field": field or "(body)", "message": MESSAGE}]
    response = jsonify(problem(status, code, detail, errors))
    response.status_code = status
    response.content_type = PROBLEM_CONTENT_TYPE
    return response
