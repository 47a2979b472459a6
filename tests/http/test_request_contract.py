"""One request contract for every operation, checked by walking the OpenAPI document and the URL
map: integers beyond the database's BIGINT range are 404/422/401 (never 500), and unknown query
parameters, body fields, form fields and multipart parts are 422 naming each one."""

from __future__ import annotations

import io
import re
from typing import Any

import jwt
from flask import Flask
from flask.testing import FlaskClient

from tests.support import HttpApi

BIG = 2**63  # one past BIGINT
HUGE = 10**30
#: Blueprints of the API app that are not operations: the OpenAPI document and the docs page.
NOT_OPERATIONS = {"api-docs", "swagger-ui", "static"}
PLACEHOLDER = re.compile(r"\{([^}]+)\}")


def operations(client: FlaskClient) -> list[tuple[str, str, dict[str, Any]]]:
    spec = client.get("/api/v1/openapi.json").get_json()
    return [
        (
            method.upper(),
            path,
            {
                **operation,
                "parameters": item.get("parameters", []) + operation.get("parameters", []),
            },
        )
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def concrete(path: str, operation: dict[str, Any], integer: int = 1) -> str:
    kinds = {
        p["name"]: p.get("schema", {}).get("type")
        for p in operation.get("parameters", [])
        if p["in"] == "path"
    }
    return PLACEHOLDER.sub(
        lambda m: str(integer) if kinds.get(m.group(1)) == "integer" else "x", path
    )


def body_types(operation: dict[str, Any]) -> set[str]:
    return set(operation.get("requestBody", {}).get("content", {}))


def fields(response: Any) -> set[str]:
    assert response.status_code == 422, (response.status_code, response.get_data(as_text=True))
    assert response.content_type == "application/problem+json"
    return {e["field"] for e in response.get_json()["errors"]}


def test_every_rule_of_the_api_is_an_operation_of_the_document(app: Flask) -> None:
    client = app.test_client()
    documented = {(method, PLACEHOLDER.sub("", path)) for method, path, _ in operations(client)}
    for rule in app.url_map.iter_rules():
        if rule.rule == "/" or rule.endpoint.split(".")[0] in NOT_OPERATIONS:
            continue
        template = re.sub(r"<(?:[^:>]+:)?[^>]+>", "", rule.rule)
        for method in (rule.methods or set()) - {"HEAD", "OPTIONS"}:
            assert (method, template) in documented, (method, rule.rule)


def test_unknown_query_parameters_are_refused_by_every_operation(client: FlaskClient) -> None:
    for method, path, operation in operations(client):
        url = concrete(path, operation)
        response = client.open(url, method=method, query_string={"zz_unknown": "1"})
        assert "zz_unknown" in fields(response), (method, path)


def test_unknown_body_fields_and_parts_are_refused_by_every_operation(
    client: FlaskClient,
) -> None:
    for method, path, operation in operations(client):
        url = concrete(path, operation)
        types = body_types(operation)
        if "multipart/form-data" in types:
            extra_part = {"zz_part": (io.BytesIO(b"%PDF-1.4"), "x.pdf"), "zz_field": "1"}
            response = client.open(url, method=method, data=extra_part)
            assert {"zz_part", "zz_field"} <= fields(response), (method, path)
        elif "application/json" in types:
            response = client.open(url, method=method, json={"zz_unknown": 1})
            assert "zz_unknown" in fields(response), (method, path)
        else:  # takes no body: neither fields, nor parts, nor text
            response = client.open(url, method=method, json={"zz_unknown": 1})
            assert "zz_unknown" in fields(response), (method, path)
            response = client.open(url, method=method, data={"zz_field": "1"})
            assert "zz_field" in fields(response), (method, path)
            response = client.open(url, method=method, data="hello", content_type="text/plain")
            assert "(body)" in fields(response), (method, path)


def test_integers_beyond_bigint_never_reach_the_database(
    client: FlaskClient, http: HttpApi
) -> None:
    headers = {"Authorization": f"Bearer {http.token('admin')}"}
    checked = 0
    for method, path, operation in operations(client):
        if "{" in path and any(
            p["in"] == "path" and p.get("schema", {}).get("type") == "integer"
            for p in operation.get("parameters", [])
        ):
            for number in (BIG, HUGE):
                response = client.open(
                    concrete(path, operation, number), method=method, headers=headers
                )
                assert response.status_code == 404, (method, path, response.status_code)
                checked += 1
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "query" and parameter.get("schema", {}).get("type") == "integer":
                url = concrete(path, operation)
                for number in (BIG, -BIG - 1, HUGE):
                    response = client.open(
                        url,
                        method=method,
                        headers=headers,
                        query_string={parameter["name"]: number},
                    )
                    assert parameter["name"] in fields(response), (method, path)
                    checked += 1
    assert checked >= 10  # versions and diagrams, diff, page sizes, years, replay


def test_a_token_whose_subject_is_beyond_bigint_is_just_invalid(app: Flask, http: HttpApi) -> None:
    secret = app.extensions["motcua"].settings.secret_key
    now = int(app.extensions["motcua"].clock.now().timestamp())
    for subject in (str(BIG), str(HUGE), str(-BIG - 1)):
        claims = {"sub": subject, "iat": now, "exp": now + 600, "iss": "motcua"}
        token = jwt.encode(claims, secret, algorithm="HS256")
        response = http.client.get("/api/v1/dossiers", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, response.get_data(as_text=True)


def test_a_multipart_part_without_a_readable_name_is_refused_not_a_crash(
    client: FlaskClient,
) -> None:
    # Found by the fuzz test: a part named by a bare line break reaches Flask named None.
    for method, path, operation in operations(client):
        if "multipart/form-data" not in body_types(operation):
            continue
        boundary = "b0undary"
        body = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="\n"\r\n\r\nnull\r\n'
            f"--{boundary}--\r\n"
        )
        response = client.open(
            concrete(path, operation),
            method=method,
            data=body,
            content_type=f"multipart/form-data; boundary={boundary}",
        )
        assert response.status_code < 500, (method, path, response.status_code)
        assert "(unnamed part)" in fields(response), (method, path)
