"""The OpenAPI document is served, complete, and every error is problem+json."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.support import HttpApi


def test_openapi_lists_the_contract_paths(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/v1/auth/token",
        "/api/v1/procedures",
        "/api/v1/procedures/{key}",
        "/api/v1/dossiers",
        "/api/v1/dossiers/{code}",
        "/api/v1/dossiers/{code}/supplements",
        "/api/v1/public/dossiers/{code}",
        "/api/v1/tasks",
        "/api/v1/tasks/{task_id}",
        "/api/v1/tasks/{task_id}/claim",
        "/api/v1/tasks/{task_id}/release",
        "/api/v1/tasks/{task_id}/complete",
    ):
        assert path in spec["paths"], path
    problem_ref = spec["components"]["responses"]["UNPROCESSABLE_ENTITY"]["content"]
    assert list(problem_ref) == ["application/problem+json"]
    assert client.get("/api/v1/docs").status_code == 200


def test_unknown_paths_and_methods_answer_problem_json(http: HttpApi) -> None:
    problem = http.call("GET", "/api/v1/nothing-here", None, expect=404)
    assert problem["status"] == 404 and problem["instance"] == "/api/v1/nothing-here"
    http.call("DELETE", "/api/v1/procedures", None, expect=405)
    response = http.client.post(
        "/api/v1/dossiers",
        data="{not json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {http.token('citizen')}"},
    )
    assert response.status_code in (400, 422)
    assert response.content_type == "application/problem+json"


def test_every_response_carries_security_headers(client: FlaskClient) -> None:
    response = client.get("/api/v1/procedures")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
