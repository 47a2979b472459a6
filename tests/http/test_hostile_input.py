"""Hostile input gets a problem+json 4xx naming what is wrong: never a 500, a hang, a stack trace
or a stored byte (docs/architecture.md section 6, docs/domain.md section 8)."""

from __future__ import annotations

import importlib
import inspect
import json
import pkgutil
from typing import Any

import marshmallow as ma
import pytest
from flask import Flask
from flask.testing import FlaskClient

import api
from api.base import Blueprint, HeaderSchema, ProblemFieldSchema, ProblemSchema
from api.payloads import MAX_JSON_DEPTH, MAX_JSON_VALUES
from tests.support import PROCEDURE, UNIT, HttpApi, applicant, submission

LEAKS = ("Traceback", 'File "', "sqlalchemy", "werkzeug", ".py", "SELECT ", "psycopg")


def _post_raw(http: HttpApi, body: bytes | str, user: str = "citizen") -> Any:
    return http.client.post(
        "/api/v1/dossiers",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {http.token(user)}"},
    )


def _problem(response: Any, status: int) -> dict[str, Any]:
    text = response.get_data(as_text=True)
    assert response.status_code == status, text[:500]
    assert response.content_type == "application/problem+json"
    assert not [leak for leak in LEAKS if leak in text], text[:500]
    return dict(response.get_json())


def _dossier_body(**data: Any) -> dict[str, Any]:
    return {
        "procedure": PROCEDURE,
        "unit": UNIT,
        "applicant": applicant(),
        "data": submission(**data),
    }


def test_a_body_over_one_megabyte_is_413(http: HttpApi) -> None:
    body = json.dumps(_dossier_body(result_address="x" * 2_000_000))
    problem = _problem(_post_raw(http, body), 413)
    assert problem["code"] == "too-large"
    assert http.call("GET", "/api/v1/dossiers", "citizen")["total"] == 0


def test_json_nested_a_hundred_thousand_levels_deep_is_refused_quickly(http: HttpApi) -> None:
    depth = 100_000
    body = '{"data":' + '{"a":' * depth + "1" + "}" * depth + "}"
    problem = _problem(_post_raw(http, body), 422)
    assert problem["errors"] == [
        {"field": "(body)", "message": f"JSON nested deeper than {MAX_JSON_DEPTH} levels"}
    ]


def test_json_nested_just_too_deep_names_the_field(http: HttpApi) -> None:
    nested: Any = "leaf"
    for _ in range(MAX_JSON_DEPTH):
        nested = {"a": nested}
    body = _dossier_body()
    body["data"]["attachments"] = nested
    problem = _problem(_post_raw(http, json.dumps(body)), 422)
    [error] = problem["errors"]
    assert error["field"].startswith("data.attachments.a.a.")
    assert "nested deeper" in error["message"]


def test_a_body_of_too_many_values_is_413(http: HttpApi) -> None:
    body = _dossier_body()
    body["data"]["attachments"] = [0] * (MAX_JSON_VALUES + 1)
    _problem(_post_raw(http, json.dumps(body)), 413)


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        (json.dumps(_dossier_body(result_address="12 Phố Huế\u0000")), "data.result_address"),
        (
            json.dumps(_dossier_body(result_address="12 Phố Huế \ud800")),
            "data.result_address",
        ),
        (json.dumps({**_dossier_body(), "a\u0000": 1}), "(body)"),
        ('{"data": {"n": 1e999}}', "(body)"),
        ('{"data": {"n": NaN}}', "(body)"),
        ('{"data": {"n": ' + "9" * 5000 + "}}", "(body)"),
        (b'{"data": "\xff\xfe"}', "(body)"),
        ("{not json", "(body)"),
    ],
    ids=["nul", "surrogate", "nul-key", "infinity", "nan", "huge-int", "bad-utf8", "broken"],
)
def test_unstorable_or_broken_json_is_422_naming_the_field(
    http: HttpApi, raw: str | bytes, field: str
) -> None:
    problem = _problem(_post_raw(http, raw), 422)
    assert [e["field"] for e in problem["errors"]] == [field]
    assert http.call("GET", "/api/v1/dossiers", "citizen")["total"] == 0


def test_nul_in_a_url_is_400(http: HttpApi) -> None:
    headers = {"Authorization": f"Bearer {http.token('reception')}"}
    _problem(http.client.get("/api/v1/dossiers/abc%00def", headers=headers), 400)
    _problem(http.client.get("/api/v1/tasks?dossier=a%00b", headers=headers), 400)


def test_unknown_fields_and_query_parameters_are_422(http: HttpApi) -> None:
    problem = http.call(
        "POST", "/api/v1/dossiers", "citizen", json={**_dossier_body(), "owner": 1}, expect=422
    )
    assert [e["field"] for e in problem["errors"]] == ["owner"]
    problem = http.call(
        "GET", "/api/v1/dossiers", "citizen", query={"owner_user_id": "2"}, expect=422
    )
    assert [e["field"] for e in problem["errors"]] == ["owner_user_id"]
    body = {"username": "x.y.z", "password": "a" * 12, "full_name": "X", "roles": ["admin"]}
    problem = http.call(
        "POST", "/api/v1/admin/users", "admin", json={**body, "is_demo": True}, expect=422
    )
    assert [e["field"] for e in problem["errors"]] == ["is_demo"]


def _api_schemas() -> list[type[ma.Schema]]:
    found: list[type[ma.Schema]] = []
    for module_info in pkgutil.iter_modules(api.__path__):
        if module_info.name in ("__main__", "wsgi"):  # entry points: importing them runs them
            continue
        module = importlib.import_module(f"api.{module_info.name}")
        found += [
            cls
            for _, cls in inspect.getmembers(module, inspect.isclass)
            if issubclass(cls, ma.Schema) and cls.__module__ == module.__name__
        ]
    return found


def test_every_schema_refuses_unknown_fields_and_every_blueprint_parses_strictly(
    app: Flask,
) -> None:
    schemas = _api_schemas()
    assert len(schemas) > 20
    lax = [
        cls.__qualname__
        for cls in schemas
        if cls not in (ProblemSchema, ProblemFieldSchema)
        and not issubclass(cls, HeaderSchema)  # a request's other headers are not ours
        and cls.Meta.unknown != ma.RAISE
    ]
    assert lax == []
    loose = [name for name, bp in app.blueprints.items() if not isinstance(bp, Blueprint)]
    # flask-smorest's OpenAPI document and our Swagger UI page take no input
    assert sorted(loose) == ["api-docs", "swagger-ui"]


def test_security_headers_are_on_every_kind_of_response(http: HttpApi, client: FlaskClient) -> None:
    responses = {
        "json": client.get("/api/v1/procedures"),
        "not found": client.get("/api/v1/nothing"),
        "unauthorized": client.get("/api/v1/dossiers"),
        "validation": client.get("/api/v1/public/dossiers/x"),
        "too large": _post_raw(http, b"[" + b"0," * 600_000 + b"0]"),
        "docs": client.get("/api/v1/docs"),
        "openapi": client.get("/api/v1/openapi.json"),
    }
    for kind, response in responses.items():
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff", kind
        assert headers["X-Frame-Options"] == "DENY", kind
        assert headers["Referrer-Policy"] == "no-referrer", kind
        assert headers["Cache-Control"] == "no-store", kind
        assert "frame-ancestors 'none'" in headers["Content-Security-Policy"], kind
        assert "Strict-Transport-Security" not in headers, kind  # only in production
    assert responses["json"].headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "script-src" in responses["docs"].headers["Content-Security-Policy"]


def test_errors_carry_no_internal_detail(http: HttpApi) -> None:
    for response in (
        http.client.get("/api/v1/tasks/../../etc/passwd"),
        http.client.get("/api/v1/dossiers/x", headers={"Authorization": "Bearer a.b.c"}),
        http.client.get("/api/v1/tasks", headers={"Authorization": "Basic YTpi"}),
        http.client.post("/api/v1/auth/token", data="[]", content_type="application/json"),
    ):
        assert response.status_code in (400, 401, 404, 422)
        _problem(response, response.status_code)
