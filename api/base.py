"""flask-smorest customised in one place: problem+json errors, strict schemas, local times, the
documentation of authenticated endpoints (`Blueprint.authenticated`) and page envelopes
(`page_schema`)."""

from __future__ import annotations

import http
import logging
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from typing import Any, TypeVar

import flask_smorest
import marshmallow as ma
from flask import current_app, request
from flask_smorest.utils import prepare_response
from werkzeug.exceptions import HTTPException

from api.contract import bound_integers
from api.payloads import StrictParser

PROBLEM_CONTENT_TYPE = "application/problem+json"
BEARER_SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]
F = TypeVar("F", bound=Callable[..., Any])
log = logging.getLogger("motcua.api")


class ProblemFieldSchema(ma.Schema):
    field = ma.fields.String(metadata={"description": "dotted path of the offending input"})
    message = ma.fields.String()
    severity = ma.fields.String()
    file = ma.fields.String(allow_none=True)
    line = ma.fields.Integer(allow_none=True)
    element_id = ma.fields.String(allow_none=True)


class ProblemSchema(ma.Schema):
    """RFC 9457 problem details, plus our stable `code` and per-field `errors`."""

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String()
    instance = ma.fields.String()
    code = ma.fields.String(required=True)
    errors = ma.fields.List(ma.fields.Nested(ProblemFieldSchema))


def problem(
    status: int, code: str, detail: str | None = None, errors: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": http.HTTPStatus(status).phrase,
        "status": status,
        "code": code,
        "instance": request.path,
    }
    if detail:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = errors
    return body


class Api(flask_smorest.Api):
    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(
        self, error: HTTPException
    ) -> tuple[dict[str, Any], int, dict[str, str]]:
        status = error.code or 500
        data = getattr(error, "data", None) or {}
        headers = {"Content-Type": PROBLEM_CONTENT_TYPE, **dict(data.get("headers") or {})}
        if status >= 500:
            log.error(
                "unhandled error on %s %s",
                request.method,
                request.path,
                exc_info=getattr(error, "original_exception", None),
            )
            return (
                problem(
                    status, "internal-error", "an unexpected error occurred; it has been logged"
                ),
                status,
                headers,
            )
        errors = None
        if "messages" in data:
            errors = [
                {"field": field, "message": message}
                for field, message in flatten_messages(data["messages"])
            ]
        code = "validation-failed" if errors is not None else _code_for(status)
        detail = data.get("message") or (
            error.description if status != 422 else "the request is not valid"
        )
        return problem(status, code, detail, errors), status, headers

    def _register_responses(self) -> None:
        # Same as flask-smorest's, but documents error bodies as application/problem+json.
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if not (100 <= status < 200) and status not in (204, 304):
                response["schema"] = self.ERROR_SCHEMA
            prepare_response(response, self.spec, PROBLEM_CONTENT_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "Default error response", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, PROBLEM_CONTENT_TYPE)
        self.spec.components.response("DEFAULT_ERROR", default, lazy=True)


class Blueprint(flask_smorest.Blueprint):
    ARGUMENTS_PARSER = StrictParser()

    def alt_response(self, status_code: Any, *args: Any, **kwargs: Any) -> Any:
        """Error responses are documented as problem+json, the media type they are sent as."""
        is_error = str(status_code).isdigit() and int(status_code) >= 400
        if is_error and kwargs.get("schema") is not None and kwargs.get("content_type") is None:
            kwargs["content_type"] = PROBLEM_CONTENT_TYPE
        return super().alt_response(status_code, *args, **kwargs)

    def authenticated(self, forbidden: str | None, *problems: tuple[int, str]) -> Callable[[F], F]:
        """Document an endpoint that needs a bearer token: its security scheme, 401 without a
        valid token, 403 `forbidden` (None: any authenticated caller may), then `problems`
        (status, when), every one answered as problem+json."""
        refusals = [(401, "No valid token")] + ([(403, forbidden)] if forbidden else [])

        def decorate(func: F) -> F:
            for status, text in (*refusals, *problems):
                func = self.alt_response(status, schema=ProblemSchema, description=text)(func)
            documented: F = self.doc(security=BEARER_SECURITY)(func)
            return documented

        return decorate


class Schema(ma.Schema):
    """Unknown fields are refused (422), integers kept in the database's BIGINT range."""

    class Meta:
        unknown = ma.RAISE

    def on_bind_field(self, field_name: str, field_obj: ma.fields.Field[Any]) -> None:
        bound_integers(field_obj)


class HeaderSchema(Schema):
    """The headers an operation reads. A request carries many others (Host, Cookie, a proxy's
    own) that are none of ours, so they are left out, not refused; only these classes may."""

    class Meta:
        unknown = ma.EXCLUDE


def page_schema(item: type[ma.Schema], name: str) -> type[ma.Schema]:
    """The envelope of a paginated list: `items` of `item`, `total` across pages, the `page`
    (from 1) and its `page_size`. `name` (e.g. "TaskListSchema") names it in the OpenAPI
    document, where names must be unique."""
    fields: dict[str, ma.fields.Field[Any]] = {
        "items": ma.fields.List(ma.fields.Nested(item), required=True),
        "total": ma.fields.Integer(required=True),
        "page": ma.fields.Integer(required=True),
        "page_size": ma.fields.Integer(required=True),
    }
    return Schema.from_dict(fields, name=name)


class LocalDateTime(ma.fields.DateTime):
    """Stored in UTC, shown in the deployment's time zone (Asia/Ho_Chi_Minh) with its offset."""

    def _serialize(
        self, value: datetime | None, attr: str | None, obj: Any, **kwargs: Any
    ) -> str | None:
        if value is None:
            return None
        tz = current_app.extensions["motcua"].tz
        return str(super()._serialize(value.astimezone(tz), attr, obj, **kwargs))


_LOCATIONS = frozenset({"json", "query", "form", "files", "headers", "view_args", "path"})


def flatten_messages(messages: Any) -> Iterator[tuple[str, str]]:
    """Flatten webargs messages (keyed by location, then nested by field) to (field, message)."""
    if isinstance(messages, Mapping) and set(map(str, messages)) <= _LOCATIONS:
        for value in messages.values():
            yield from _flatten_fields(value, "")
    else:
        yield from _flatten_fields(messages, "")


def _flatten_fields(messages: Any, prefix: str) -> Iterator[tuple[str, str]]:
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            key = str(key)
            name = key if key != "_schema" else ""
            yield from _flatten_fields(value, f"{prefix}.{name}".strip(".") if name else prefix)
    elif isinstance(messages, list | tuple):
        for item in messages:
            yield from _flatten_fields(item, prefix)
    else:
        yield (prefix or "(body)", str(messages))


def _code_for(status: int) -> str:
    return {
        400: "bad-request",
        401: "authentication-required",
        403: "permission-denied",
        404: "not-found",
        405: "method-not-allowed",
        409: "conflict",
        413: "too-large",
        415: "unsupported-media-type",
        422: "validation-failed",
        429: "too-many-requests",
    }.get(status, "http-error")
