"""Schemathesis fuzzes every operation of /api/v1/openapi.json in-process, as every kind of
caller: no request may get a 5xx, and every response must match what the document promises
(status, content type, headers and body schema). Bounded so it fits CI."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from api import create_app
from engine.context import build
from tests.conftest import make_settings
from tests.support import PROCEDURE, HttpApi

ACTORS: tuple[str | None, ...] = (None, "citizen", "citizen2", "reception", "specialist", "leader")
ACTORS += ("reception_other", "auditor", "analyst", "admin")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
EXAMPLES_PER_OPERATION = 40
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


class Known:
    """Real ids for path parameters, so fuzzed requests reach past the 404s."""

    def __init__(self, http: HttpApi) -> None:
        self.http = http
        code = http.submit()["code"]
        task = http.task_for(code, "reception")["id"]
        response = http.client.post(
            f"/api/v1/dossiers/{code}/files",
            data={"file": (io.BytesIO(PNG), "scan.png")},
            headers={"Authorization": f"Bearer {http.token('citizen')}"},
        )
        self.values = {
            "code": code,
            "task_id": task,
            "key": PROCEDURE,
            "username": "specialist",
            "sha256": response.get_json()["sha256"],
        }
        self.tokens = {actor: http.token(actor) for actor in ACTORS if actor}


@pytest.fixture
def known(http: HttpApi) -> Known:
    return Known(http)


def _load_schema() -> Any:
    """The document as the app serves it; requests go to each test's own app and database."""
    with tempfile.TemporaryDirectory() as tmp:
        context = build(make_settings(Path(tmp), f"sqlite:///{tmp}/spec.db"))
        try:
            loaded = schemathesis.openapi.from_wsgi(
                "/api/v1/openapi.json", create_app(context=context)
            )
        finally:
            context.close()
    loaded.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=EXAMPLES_PER_OPERATION,
        deterministic=True,
        database="none",
        with_security_parameters=False,  # each example's caller sets Authorization itself
    )
    return loaded


# Loaded eagerly (one test per operation): schemathesis' lazy fixture loader does not work
# with pytest 9.2.
schema = _load_schema()


# schemathesis annotates its decorators as bare `Callable`
@schema.parametrize()  # type: ignore[untyped-decorator]
@schema.given(actor=st.sampled_from(ACTORS), use_known=st.booleans())  # type: ignore[untyped-decorator]
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_answers_5xx_or_breaks_its_contract(
    case: Any, actor: str | None, use_known: bool, known: Known, app: Flask
) -> None:
    if use_known and case.path_parameters:
        case.path_parameters = {
            name: known.values.get(name, value) for name, value in case.path_parameters.items()
        }
    headers = {"Authorization": f"Bearer {known.tokens[actor]}"} if actor else {}
    case.call_and_validate(headers=headers, checks=CHECKS, app=app)
