"""Text a database cannot store (NUL, unpaired surrogates) is refused per field, on every
backend alike, instead of failing inside the transaction (a 500 on PostgreSQL)."""

from __future__ import annotations

import json
from typing import Any

from tests.support import ACCEPT, HttpApi, applicant, submission


def _post_raw(http: HttpApi, path: str, user: str, raw: str) -> tuple[int, Any]:
    response = http.client.post(
        path,
        data=raw,
        headers={"Authorization": f"Bearer {http.token(user)}", "Content-Type": "application/json"},
    )
    assert response.content_type == "application/problem+json", response.get_data(as_text=True)
    return response.status_code, response.get_json()


def test_a_nul_character_in_submitted_data_is_a_422_naming_the_field(http: HttpApi) -> None:
    problem = http.submit(data=submission(full_name="Nguyễn\u0000An"), expect=422)
    assert problem["errors"] == [
        {"field": "data.full_name", "message": problem["errors"][0]["message"]}
    ]
    assert "NUL" in problem["errors"][0]["message"]
    problem = http.submit(applicant=applicant(address="12 Phố Huế\u0000"), expect=422)
    assert [e["field"] for e in problem["errors"]] == ["applicant.address"]
    assert http.call("GET", "/api/v1/dossiers", "citizen")["total"] == 0


def test_an_unpaired_surrogate_is_a_422_naming_the_field(http: HttpApi) -> None:
    body = {
        "procedure": "cap_lai_the_bhyt",
        "unit": "000.00.07.H29",
        "applicant": applicant(),
        "data": submission(result_address="SURROGATE"),
    }
    raw = json.dumps(body).replace("SURROGATE", "\\udc80")
    status, problem = _post_raw(http, "/api/v1/dossiers", "citizen", raw)
    assert status == 422
    assert [e["field"] for e in problem["errors"]] == ["data.result_address"]
    assert "surrogate" in problem["errors"][0]["message"]


def test_a_task_completion_with_nul_text_changes_nothing(http: HttpApi) -> None:
    code = http.submit()["code"]
    task = http.task_for(code, "reception")
    http.claim(task["id"], "reception")
    data = {**ACCEPT, "documents_received": [{"name": "TK1\u0000", "kind": "original"}]}
    problem = http.complete(task["id"], "reception", data, expect=422)
    assert [e["field"] for e in problem["errors"]] == ["data.documents_received.0.name"]
    assert http.dossier(code)["status"]["code"] == 1
    assert http.complete(task["id"], "reception", ACCEPT)["status"]["code"] == 4


def test_nul_in_a_path_or_query_is_refused(http: HttpApi) -> None:
    refused = "NUL characters are not allowed in URLs"
    assert http.dossier("abc%00", expect=400)["detail"] == refused
    problem = http.call(
        "GET", "/api/v1/tasks", "reception", query={"dossier": "x\u0000"}, expect=400
    )
    assert problem["detail"] == refused
    lookup = http.call(
        "GET", "/api/v1/public/dossiers/abc", None, query={"id_number": "\u0000"}, expect=400
    )
    assert lookup["detail"] == refused
