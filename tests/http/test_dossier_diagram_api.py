"""A dossier's diagram: who may see it, and what it marks."""

from __future__ import annotations

import re

from tests.support import ACCEPT, HttpApi


def diagram(http: HttpApi, code: str, as_user: str) -> tuple[int, str]:
    response = http.client.get(
        f"/api/v1/dossiers/{code}/diagram.svg",
        headers={"Authorization": f"Bearer {http.token(as_user)}"},
    )
    return response.status_code, response.get_data(as_text=True)


def states(svg: str) -> dict[str, str]:
    return dict(re.findall(r'data-element-id="([^"]+)" data-kind="[^"]+" data-state="(\w+)"', svg))


def test_officers_of_the_unit_and_auditors_see_the_progress(http: HttpApi) -> None:
    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    for user in ("reception", "specialist", "leader", "auditor", "admin"):
        status, svg = diagram(http, code, user)
        assert status == 200, user
    marked = states(svg)
    assert marked["appraise"] == "current"
    assert {"start_submitted", "init_dossier", "check_dossier", "received"} <= {
        bpmn_id for bpmn_id, state in marked.items() if state == "completed"
    }
    assert "return_result" not in marked


def test_the_applicant_and_other_units_do_not_see_the_diagram(http: HttpApi) -> None:
    code = http.submit()["code"]
    for user in ("citizen", "reception_other", "analyst"):
        status, body = diagram(http, code, user)
        assert status == 403, (user, body)
    assert diagram(http, "000.00.07.H29-260310-9999", "auditor")[0] == 404


def test_a_dossier_waiting_for_a_supplement_shows_the_waiting_step(http: HttpApi) -> None:
    code = http.submit()["code"]
    http.act(
        code,
        "reception",
        {"decision": "supplement", "missing_documents": ["CCCD"], "reasons": "Thiếu bản sao"},
    )
    marked = states(diagram(http, code, "reception")[1])
    assert marked["wait_supplement"] == "current"
    assert marked["check_dossier"] == "completed"
