"""Engine errors -> HTTP status and problem+json (the only place that knows the mapping)."""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, jsonify

from api.base import PROBLEM_CONTENT_TYPE, problem
from engine.errors import (
    AuthenticationError,
    CodeSequenceExhaustedError,
    ConflictError,
    EngineError,
    InvalidDefinitionError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    ProcessError,
    TooManyAttemptsError,
    UnsupportedMediaTypeError,
    ValidationFailedError,
)
from engine.settings import SettingsError

log = logging.getLogger("motcua.api")

#: Looked up along the exception's MRO, most specific first.
STATUS_BY_ERROR: dict[type[Exception], int] = {
    AuthenticationError: 401,
    PermissionDeniedError: 403,
    NotFoundError: 404,
    ConflictError: 409,
    CodeSequenceExhaustedError: 409,
    PayloadTooLargeError: 413,
    UnsupportedMediaTypeError: 415,
    TooManyAttemptsError: 429,
    ValidationFailedError: 422,
    InvalidDefinitionError: 422,
    ProcessError: 422,
    EngineError: 400,
}


def status_for(error: EngineError) -> int:
    for cls in type(error).__mro__:
        if cls in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[cls]
    return 400


def engine_error_response(error: EngineError) -> Response:
    status = status_for(error)
    errors: list[dict[str, Any]] | None = None
    if isinstance(error, ValidationFailedError):
        errors = [{"field": e.field, "message": e.message} for e in error.errors]
    elif isinstance(error, InvalidDefinitionError):
        errors = [
            {
                "severity": p.severity,
                "message": p.message,
                "file": p.file,
                "line": p.line,
                "element_id": p.element_id,
            }
            for p in error.problems
        ]
    response = jsonify(problem(status, error.code, error.detail, errors))
    response.status_code = status
    response.content_type = PROBLEM_CONTENT_TYPE
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="motcua"'
    if isinstance(error, TooManyAttemptsError):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def register(app: Flask) -> None:
    app.register_error_handler(EngineError, engine_error_response)

    @app.errorhandler(SettingsError)
    def _settings(
        error: SettingsError,
    ) -> Response:  # configuration problems surface as 500s, logged
        log.error("configuration error: %s", error)
        response = jsonify(problem(500, "internal-error", "the service is misconfigured"))
        response.status_code = 500
        response.content_type = PROBLEM_CONTENT_TYPE
        return response
