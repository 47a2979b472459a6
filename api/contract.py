"""The request contract, the same for every operation of the API.

- Integers stay inside the database's BIGINT range: the `int` path converter (404 outside it)
  and every marshmallow integer field of `api.base.Schema` (422 outside it).
- Nothing undeclared is accepted: query parameters, form fields, multipart parts and a request
  body are refused with 422 naming each one, unless the operation declares that location with
  `@blp.arguments(...)`; where it does, the schema (`unknown = RAISE`) refuses unknown names.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import marshmallow as ma
from flask import Request, current_app, request
from flask_smorest import abort
from werkzeug.routing import IntegerConverter, Map

from engine.identifiers.numbers import BIGINT_MAX, BIGINT_MIN

BODY_LOCATIONS = frozenset({"json", "form", "files", "json_or_form"})


class BigIntConverter(IntegerConverter):
    """`<int:...>` bounded to BIGINT: a larger number is no such resource (404), never a 500."""

    regex = r"\d{1,19}"

    def __init__(
        self,
        map: Map,
        fixed_digits: int = 0,
        min: int | None = None,
        max: int | None = None,
        signed: bool = False,
    ) -> None:
        super().__init__(
            map,
            fixed_digits,
            BIGINT_MIN if min is None else min,
            BIGINT_MAX if max is None else max,
            signed,
        )


BIGINT_RANGE = ma.validate.Range(
    min=BIGINT_MIN, max=BIGINT_MAX, error="must be between {min} and {max}"
)


def bound_integers(field: ma.fields.Field[Any]) -> None:
    """Give an integer field (or a list of them) the BIGINT range, whatever else it checks."""
    if isinstance(field, ma.fields.List):
        bound_integers(field.inner)
    elif isinstance(field, ma.fields.Integer) and BIGINT_RANGE not in field.validators:
        field.validators = [*field.validators, BIGINT_RANGE]


def declared_inputs(
    view: Callable[..., Any] | None, method: str
) -> dict[str, frozenset[str]] | None:
    """Location (`query`, `json`, `files`, ...) -> the names the operation declares there; None
    when the view is not an API operation (the OpenAPI document, an automatic OPTIONS answer)."""
    view_class = getattr(view, "view_class", None)
    handler = getattr(view_class, method.lower(), None) if view_class is not None else view
    if handler is None and method == "HEAD" and view_class is not None:
        handler = getattr(view_class, "get", None)
    doc = getattr(handler, "_apidoc", None)
    if doc is None:
        return None
    declared: dict[str, frozenset[str]] = {}
    for parameter in doc.get("arguments", {}).get("parameters", []):
        schema = parameter["schema"]
        names = schema_names(schema() if isinstance(schema, type) else schema)
        location = str(parameter["in"])
        declared[location] = declared.get(location, frozenset()) | names
    return declared


def refuse_undeclared_input() -> None:
    """Before every request: 422 for query parameters, form fields, multipart parts or a body
    the operation does not declare, each named."""
    if request.endpoint is None or request.method == "OPTIONS":
        return
    declared = declared_inputs(current_app.view_functions.get(request.endpoint), request.method)
    if declared is None:
        return
    messages: dict[str, dict[str, list[str]]] = {}
    unknown = _unknown(request.args, declared.get("query"), "unknown query parameter")
    if unknown:
        messages["query"] = unknown
    if not declared.keys() & BODY_LOCATIONS:
        # An operation that declares a body reads it after its blueprint has set the size limit
        # (uploads may be larger than other bodies): its parser checks parts (`StrictParser`).
        unknown = _body_fields()
        if unknown:
            messages["json"] = unknown
    if messages:
        abort(
            422, messages=messages, message="the request holds input this operation does not take"
        )


def unknown_parts(req: Request, schema: ma.Schema) -> dict[str, list[str]]:
    """Multipart parts and form fields the schema of a `files` argument does not declare."""
    names = schema_names(schema)
    return {
        **_unknown(req.files, names, "unknown multipart part"),
        **_unknown(req.form, names, "unknown form field"),
    }


def schema_names(schema: ma.Schema) -> frozenset[str]:
    """The names a schema takes as input."""
    return frozenset(
        field.data_key or name for name, field in schema.fields.items() if not field.dump_only
    )


def _unknown(
    sent: Mapping[str, Any], declared: frozenset[str] | None, message: str
) -> dict[str, list[str]]:
    # A part whose name the multipart parser could not read (e.g. a bare line break) has None.
    return {
        (name[:100] if isinstance(name, str) else "(unnamed part)"): [message]
        for name in list(sent)[:50]
        if name not in (declared or ())
    }


def _body_fields() -> dict[str, list[str]]:
    """The fields of a body sent to an operation that takes none (an empty object is no body)."""
    if request.files or request.form:
        return {
            **{name: ["unknown multipart part"] for name in request.files},
            **{name: ["unknown form field"] for name in request.form},
        }
    raw = request.get_data(cache=True)
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        body = None
    if isinstance(body, dict):
        return {str(name)[:100]: ["unknown field"] for name in list(body)[:50]}
    return {"(body)": ["this operation takes no request body"]}
