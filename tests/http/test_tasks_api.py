"""The task inbox and the claim / release / complete contract (issue: foundation)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from flask import Flask

from tests.support import ACCEPT, OTHER_UNIT, HttpApi


def test_each_officer_sees_only_tasks_of_their_role_and_unit(http: HttpApi) -> None:
    code = http.submit()["code"]
    other = http.submit(unit=OTHER_UNIT)["code"]

    reception = http.tasks("reception")
    assert [t["dossier_code"] for t in reception["items"]] == [code]
    assert reception["total"] == 1
    assert reception["items"][0]["role"] == "reception"
    assert [t["dossier_code"] for t in http.tasks("reception_other")["items"]] == [other]
    assert http.tasks("specialist")["total"] == 0
    assert http.tasks("leader")["total"] == 0

    http.act(code, "reception", ACCEPT)
    assert [t["bpmn_id"] for t in http.tasks("specialist")["items"]] == ["appraise"]
    assert http.tasks("specialist_other")["total"] == 0
    assert http.tasks("reception")["total"] == 0


def test_inbox_filters_by_assignee_procedure_and_dossier_and_pages(http: HttpApi) -> None:
    codes = [http.submit()["code"] for _ in range(3)]
    first = http.task_for(codes[0], "reception")
    http.claim(first["id"], "reception")

    assert [t["dossier_code"] for t in http.tasks("reception", assignee="me")["items"]] == [
        codes[0]
    ]
    assert [t["dossier_code"] for t in http.tasks("reception", assignee="none")["items"]] == codes[
        1:
    ]
    assert http.tasks("reception2", assignee="me")["total"] == 0
    assert http.tasks("reception", procedure="other_procedure")["total"] == 0
    page = http.tasks("reception", page=2, page_size=2)
    assert page["total"] == 3 and [t["dossier_code"] for t in page["items"]] == [codes[2]]
    assert page["items"][0]["claimed_by"] is None
    http.call("GET", "/api/v1/tasks", "reception", query={"assignee": "someone"}, expect=422)
    http.call("GET", "/api/v1/tasks", "reception", query={"page_size": 1000}, expect=422)


def test_citizens_auditors_and_analysts_have_no_inbox(http: HttpApi) -> None:
    for user in ("citizen", "auditor", "analyst", "admin"):
        http.call("GET", "/api/v1/tasks", user, expect=403)
    http.call("GET", "/api/v1/tasks", None, expect=401)


def test_task_detail_carries_its_form_and_the_dossier_data(http: HttpApi) -> None:
    code = http.submit()["code"]
    task = http.task_for(code, "reception")
    detail = http.call("GET", f"/api/v1/tasks/{task['id']}", "reception")
    assert detail["form_key"] == "reception_check"
    assert detail["form_schema"]["properties"]["decision"]["enum"] == [
        "accept",
        "supplement",
        "refuse",
    ]
    assert detail["data"]["submission"]["social_insurance_code"] == "0123456789"
    assert detail["dossier"]["code"] == code
    http.call("GET", f"/api/v1/tasks/{task['id']}", "reception_other", expect=403)
    http.call("GET", f"/api/v1/tasks/{task['id']}", "specialist", expect=403)
    http.call("GET", "/api/v1/tasks/00000000-0000-0000-0000-000000000000", "reception", expect=404)


def test_claiming_is_idempotent_for_the_claimant_and_a_conflict_for_others(http: HttpApi) -> None:
    task = http.task_for(http.submit()["code"], "reception")
    claimed = http.claim(task["id"], "reception")
    assert claimed["claimed_by"] == "reception"
    assert http.claim(task["id"], "reception")["claimed_by"] == "reception"
    problem = http.claim(task["id"], "reception2", expect=409)
    assert problem["code"] == "task-already-claimed"
    http.claim(task["id"], "specialist", expect=403)
    http.claim(task["id"], "reception_other", expect=403)
    http.claim("not-a-task", "reception", expect=404)


def test_only_the_claimant_can_release_and_then_anyone_can_claim(http: HttpApi) -> None:
    task = http.task_for(http.submit()["code"], "reception")
    http.call("POST", f"/api/v1/tasks/{task['id']}/release", "reception", expect=409)
    http.claim(task["id"], "reception")
    http.call("POST", f"/api/v1/tasks/{task['id']}/release", "reception2", expect=409)
    released = http.call("POST", f"/api/v1/tasks/{task['id']}/release", "reception")
    assert released["claimed_by"] is None
    assert http.claim(task["id"], "reception2")["claimed_by"] == "reception2"


def test_twenty_threads_claiming_one_task_get_one_winner(app: Flask, http: HttpApi) -> None:
    task = http.task_for(http.submit()["code"], "reception")
    # Twenty officers of the same unit and role, each with their own token.
    from engine.services import users
    from engine.services.users import NewUser
    from tests.conftest import ADMIN
    from tests.support import DEMO_PASSWORD, UNIT

    ctx = app.extensions["motcua"]
    officers = [f"counter{i:02d}" for i in range(20)]
    for user in officers:
        users.create_user(ctx, ADMIN, NewUser(user, DEMO_PASSWORD, user, ("reception",), UNIT))
    tokens = {user: http.token(user) for user in officers}
    barrier = threading.Barrier(len(officers))

    def claim(user: str) -> int:
        client = app.test_client()
        barrier.wait()
        response = client.post(
            f"/api/v1/tasks/{task['id']}/claim", headers={"Authorization": f"Bearer {tokens[user]}"}
        )
        return response.status_code

    with ThreadPoolExecutor(max_workers=len(officers)) as pool:
        statuses = list(pool.map(claim, officers))
    assert sorted(statuses) == [200] + [409] * 19
    winner = officers[statuses.index(200)]
    assert http.task_for(task["dossier_code"], "reception")["claimed_by"] == winner


def test_completing_needs_the_claim(http: HttpApi) -> None:
    code = http.submit()["code"]
    task = http.task_for(code, "reception")
    problem = http.complete(task["id"], "reception", ACCEPT, expect=409)
    assert problem["code"] == "task-not-claimed"
    http.claim(task["id"], "reception")
    http.complete(task["id"], "reception2", ACCEPT, expect=409)
    http.complete(task["id"], "reception", ACCEPT)
    again = http.complete(task["id"], "reception", ACCEPT, expect=409)
    assert again["code"] == "task-not-ready"
    assert http.dossier(code)["status"]["code"] == 4


def test_invalid_form_data_is_refused_per_field_and_changes_nothing(http: HttpApi) -> None:
    code = http.submit()["code"]
    task = http.task_for(code, "reception")
    http.claim(task["id"], "reception")
    before = http.dossier(code)

    problem = http.complete(task["id"], "reception", {"decision": "maybe"}, expect=422)
    assert {
        "field": "data.decision",
        "message": "must be one of 'accept', 'supplement', 'refuse'",
    } in problem["errors"]
    problem = http.complete(task["id"], "reception", {"decision": "supplement"}, expect=422)
    assert {e["field"] for e in problem["errors"]} == {"data.missing_documents", "data.reasons"}
    problem = http.complete(task["id"], "reception", {**ACCEPT, "surprise": 1}, expect=422)
    assert problem["errors"] == [{"field": "data.surprise", "message": "unknown field"}]
    http.call(
        "POST", f"/api/v1/tasks/{task['id']}/complete", "reception", json={"data": "x"}, expect=422
    )
    http.call(
        "POST", f"/api/v1/tasks/{task['id']}/complete", "reception", json={"oops": {}}, expect=422
    )

    after = http.dossier(code)
    assert after == before
    assert http.task_for(code, "reception")["claimed_by"] == "reception"
