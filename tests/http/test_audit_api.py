"""/api/v1/audit over HTTP: who may use it, verify, checkpoints, timeline, replay, bundle."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import update

from engine.audit.bundle import verify_bundle
from engine.context import EngineContext
from engine.events import dossier_chain
from storage.audit_models import Event
from tests.support import ACCEPT, HttpApi
from tests.tampering import tampering


@pytest.fixture
def code(http: HttpApi) -> str:
    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    return str(code)


def endpoints(code: str) -> list[tuple[str, str, Any]]:
    return [
        ("POST", "/api/v1/audit/verify", {}),
        ("POST", "/api/v1/audit/checkpoints", None),
        ("GET", "/api/v1/audit/checkpoints", None),
        ("GET", "/api/v1/audit/public-key", None),
        ("GET", f"/api/v1/audit/dossiers/{code}/events", None),
        ("GET", f"/api/v1/audit/dossiers/{code}/replay", None),
        ("GET", f"/api/v1/audit/dossiers/{code}/bundle", None),
    ]


def test_only_auditors_and_administrators_use_the_audit(http: HttpApi, code: str) -> None:
    for method, path, body in endpoints(code):
        for user in ("citizen", "reception", "specialist", "leader", "analyst"):
            problem = http.call(method, path, user, json=body, expect=403)
            assert problem["code"] == "permission-denied"
        http.call(method, path, None, json=body, expect=401)
        for user in ("auditor", "admin"):
            response = http.client.open(
                path,
                method=method,
                json=body,
                headers={"Authorization": f"Bearer {http.token(user)}"},
            )
            assert response.status_code in (200, 201), (path, user, response.status_code)


def test_verify_says_ok_then_names_the_damaged_event(
    http: HttpApi, code: str, ctx: EngineContext
) -> None:
    report = http.call("POST", "/api/v1/audit/verify", "auditor", json={})
    assert report["ok"] is True and report["problems"] == []
    assert report["dossiers"] == 1 and report["events"] > 0
    with tampering(ctx) as conn:
        conn.execute(
            update(Event)
            .where(Event.chain == dossier_chain(code), Event.seq == 4)
            .values(payload={"task_id": "x", "data": {"decision": "refuse"}})
        )
    report = http.call("POST", "/api/v1/audit/verify", "auditor", json={"dossier": code})
    assert report["ok"] is False
    assert report["problems"] == [
        {
            "kind": "modified",
            "dossier": code,
            "chain": f"dossier:{code}",
            "seq": 4,
            "detail": "its content no longer matches its hash",
        }
    ]


def test_verify_takes_the_key_the_auditor_trusts(http: HttpApi, ctx: EngineContext) -> None:
    http.submit()
    http.call("POST", "/api/v1/audit/checkpoints", "auditor", expect=201)
    pem = http.call("GET", "/api/v1/audit/public-key", "auditor")["pem"]
    assert http.call("POST", "/api/v1/audit/verify", "auditor", json={"public_key": pem})["ok"]
    problem = http.call(
        "POST", "/api/v1/audit/verify", "auditor", json={"public_key": "not a key"}, expect=422
    )
    assert [e["field"] for e in problem["errors"]] == ["public_key"]
    http.call("POST", "/api/v1/audit/verify", "auditor", json={"dossier": "nope"}, expect=404)


def test_checkpoints_are_signed_on_demand_and_listed(http: HttpApi, code: str) -> None:
    http.call("GET", "/api/v1/audit/checkpoints", "admin")  # logged in: a login is an event too
    created = http.call("POST", "/api/v1/audit/checkpoints", "auditor", expect=201)
    assert created["created"] is True and created["refused"] == []
    assert created["checkpoint"]["seq"] == 1 and created["checkpoint"]["chains"] == 2
    again = http.call("POST", "/api/v1/audit/checkpoints", "admin", expect=200)
    assert again["created"] is False and again["checkpoint"]["seq"] == 1
    listed = http.call("GET", "/api/v1/audit/checkpoints", "auditor")
    assert listed["total"] == 1 and listed["items"][0]["created_at"].endswith("+07:00")


def test_the_public_key_is_exported_in_pem(http: HttpApi, ctx: EngineContext) -> None:
    key = http.call("GET", "/api/v1/audit/public-key", "auditor")
    assert key["algorithm"] == "Ed25519"
    assert key["pem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert key["key_id"] == ctx.audit_key.key_id


def test_the_timeline_puts_each_event_into_words(http: HttpApi, code: str) -> None:
    page = http.call(
        "GET", f"/api/v1/audit/dossiers/{code}/events", "auditor", query={"page_size": 5}
    )
    assert page["total"] == 10 and len(page["items"]) == 5
    first, opened, claimed, completed, accepted = page["items"]
    assert first["type"] == "dossier_submitted" and first["seq"] == 1
    assert first["time"] == "2026-03-10T09:00:00+07:00"
    assert first["time_utc"] == "2026-03-10T02:00:00+00:00"
    assert first["actor"]["username"] == "citizen" and first["actor"]["role"] == "citizen"
    assert first["action"] == "Nộp hồ sơ (trực tuyến)"
    assert first["action_en"] == "Submitted the dossier (online)"
    assert first["data"]["data"]["social_insurance_code"] == "0123456789"
    assert first["data"]["applicant"]["full_name"] == "Nguyễn Văn An"
    assert opened["step"] == "Kiểm tra, tiếp nhận hồ sơ"
    assert opened["action_en"] == (
        "Handed step 'Kiểm tra, tiếp nhận hồ sơ' to the reception role of unit 000.00.07.H29"
    )
    assert claimed["actor"] == {
        "username": "reception",
        "role": "reception",
        "unit": "000.00.07.H29",
        "user_id": claimed["actor"]["user_id"],
    }
    assert completed["action"] == "Hoàn thành bước «Kiểm tra, tiếp nhận hồ sơ», quyết định: accept"
    assert completed["data"] == {"data": ACCEPT}
    assert accepted["action_en"] == "Status changed: Newly submitted (1) → Accepted (2)"
    assert all(item["intact"] for item in page["items"])
    rest = http.call(
        "GET",
        f"/api/v1/audit/dossiers/{code}/events",
        "auditor",
        query={"page": 2, "page_size": 5},
    )
    assert [item["seq"] for item in rest["items"]] == [6, 7, 8, 9, 10]
    assert rest["items"][0]["action_en"] == "Appointment set: 2026-03-19 09:30 UTC (7 working_days)"
    assert rest["items"][1]["action"] == ("Ban hành Mẫu 01 Giấy tiếp nhận hồ sơ và hẹn trả kết quả")
    assert rest["items"][4]["action_en"] == (
        "Timer '1 ngày làm việc trước hẹn trả' set for 2026-03-18 00:30 UTC"
    )
    assert rest["items"][0]["intact"]
    http.call("GET", "/api/v1/audit/dossiers/nope/events", "auditor", expect=404)


def test_replay_over_http_matches_and_checks_until(http: HttpApi, code: str) -> None:
    replayed = http.call("GET", f"/api/v1/audit/dossiers/{code}/replay", "auditor")
    assert replayed["matches_stored"] is True and replayed["complete"] is True
    assert replayed["dossier"] == {
        key: value for key, value in http.dossier(code).items() if key != "version"
    }
    early = http.call("GET", f"/api/v1/audit/dossiers/{code}/replay", "auditor", query={"until": 2})
    assert early["at_seq"] == 2 and early["dossier"]["status"]["code"] == 1
    for until in (0, -1, "x"):
        problem = http.call(
            "GET",
            f"/api/v1/audit/dossiers/{code}/replay",
            "auditor",
            query={"until": until},
            expect=422,
        )
        assert [e["field"] for e in problem["errors"]] == ["until"]
    problem = http.call(
        "GET", f"/api/v1/audit/dossiers/{code}/replay", "auditor", query={"until": 999}, expect=422
    )
    assert [e["field"] for e in problem["errors"]] == ["until"]
    http.call("GET", "/api/v1/audit/dossiers/nope/replay", "auditor", expect=404)


def test_the_bundle_downloads_and_verifies_offline(http: HttpApi, code: str) -> None:
    response = http.client.get(
        f"/api/v1/audit/dossiers/{code}/bundle",
        headers={"Authorization": f"Bearer {http.token('auditor')}"},
    )
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert "attachment" in response.headers["Content-Disposition"]
    report = verify_bundle(response.data)
    assert report.ok, report.problems
    assert report.dossier == code and report.events == 11  # the export is its last event
    http.call("GET", "/api/v1/audit/dossiers/nope/bundle", "auditor", expect=404)


def test_the_openapi_document_lists_the_audit(http: HttpApi) -> None:
    spec = http.call("GET", "/api/v1/openapi.json", None)
    for path in (
        "/api/v1/audit/verify",
        "/api/v1/audit/checkpoints",
        "/api/v1/audit/public-key",
        "/api/v1/audit/dossiers/{code}/events",
        "/api/v1/audit/dossiers/{code}/replay",
        "/api/v1/audit/dossiers/{code}/bundle",
    ):
        assert path in spec["paths"], path
