"""Statuses 7 and 8 (docs/domain.md R-2.9): the applicant withdraws a dossier before its result;
a leader of its unit stops its handling with Mẫu 05 and the legal reason. Both close the dossier:
its open steps and timers end, the events are on its chain, replay redoes them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text

from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.documents import verify
from engine.scheduler import TimerScheduler
from engine.services.audit import verify_audit_log
from tests.conftest import ADMIN
from tests.documents_support import flat, texts
from tests.support import ACCEPT, APPRAISE, LEADER_APPROVE, RETURN, SUPPLEMENT, HttpApi, at

REASON = "Người yêu cầu đã được cấp thẻ bảo hiểm y tế tại đơn vị khác"
#: What a leader types (illustrative references, not citations of the law).
BASES = [
    "Văn bản số 123/BHXH-CSYT ngày 11/3/2026 của Bảo hiểm xã hội thành phố Hà Nội",
    "Biên bản xác minh ngày 12/3/2026",
]
STOP = {"reason": REASON, "legal_basis": BASES}


def _events(http: HttpApi, code: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = http.call(
        "GET", f"/api/v1/audit/dossiers/{code}/events", "auditor"
    )["items"]
    return items


def _replays(http: HttpApi, code: str) -> None:
    replay = http.call("GET", f"/api/v1/audit/dossiers/{code}/replay", "auditor")
    assert replay["matches_stored"] is True, replay["mismatches"]


def _timer_statuses(ctx: EngineContext) -> list[str]:
    with ctx.db.engine.connect() as conn:
        return sorted(str(s) for s in conn.execute(text("SELECT status FROM timer")).scalars())


def test_the_applicant_withdraws_a_dossier_in_process_and_its_steps_close(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    clock.set(at(10))
    http.forget_tokens()
    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    task = http.task_for(code, "specialist")
    http.claim(task["id"], "specialist")
    assert "pending" in _timer_statuses(ctx)
    path = f"/api/v1/dossiers/{code}/withdraw"
    body = {"reason": "Tôi đã tìm lại được thẻ cũ"}
    # only the applicant's own account: not another citizen, not the officers of the unit
    for user in ("citizen2", "reception", "specialist", "leader", "auditor", "admin"):
        http.call("POST", path, user, json=body, expect=403)

    clock.set(at(11, 14))
    http.forget_tokens()
    withdrawn = http.call("POST", path, "citizen", json=body)
    assert (withdrawn["status"]["code"], withdrawn["status"]["label"]) == (
        7,
        "Công dân yêu cầu rút hồ sơ",
    )
    assert withdrawn["current_steps"] == []
    assert http.tasks("specialist", dossier=code)["items"] == []
    http.complete(task["id"], "specialist", APPRAISE, expect=409)
    assert "pending" not in _timer_statuses(ctx)
    clock.set(at(30))
    http.forget_tokens()  # long after every timer of the process would have been due
    assert TimerScheduler(ctx).run_once() == 0

    events = _events(http, code)
    types = [e["type"] for e in events]
    start = types.index("dossier_withdrawn")
    assert types[start : start + 3] == ["dossier_withdrawn", "status_changed", "task_cancelled"]
    assert events[start]["payload"] == {"reason": "Tôi đã tìm lại được thẻ cũ"}
    assert events[start]["actor"]["username"] == "citizen"
    assert events[start + 1]["payload"]["to"] == 7
    _replays(http, code)
    assert verify_audit_log(ctx, ADMIN, dossier=code).ok
    # closed for good: no second withdrawal, no stop, no supplement
    http.call("POST", path, "citizen", json=body, expect=409)
    http.call("POST", f"/api/v1/dossiers/{code}/stop", "leader", json=STOP, expect=409)
    public = http.call(
        "GET", f"/api/v1/public/dossiers/{code}", None, query={"id_number": "001090012345"}
    )
    assert public["status"]["code"] == 7


def test_reception_records_the_withdrawal_for_a_counter_applicant(http: HttpApi) -> None:
    code = http.submit("reception", channel="direct")["code"]
    path = f"/api/v1/dossiers/{code}/withdraw"
    body = {"reason": "Người nộp đến quầy xin rút hồ sơ"}
    for user in ("reception_other", "specialist", "leader", "citizen"):
        http.call("POST", path, user, json=body, expect=403)
    assert http.call("POST", path, "reception", json=body)["status"]["code"] == 7
    [event] = [e for e in _events(http, code) if e["type"] == "dossier_withdrawn"]
    assert event["actor"]["username"] == "reception"
    assert event["payload"]["on_behalf_of"] == {
        "full_name": "Nguyễn Văn An",
        "id_number": "001090012345",
        "channel": "direct",
    }
    _replays(http, code)


def test_a_dossier_with_its_result_can_no_longer_be_withdrawn_nor_stopped(
    http: HttpApi,
) -> None:
    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    http.act(code, "specialist", APPRAISE)
    http.act(code, "leader", LEADER_APPROVE)
    assert http.dossier(code)["status"]["code"] == 9
    body = {"reason": "Không cần nữa"}
    problem = http.call(
        "POST", f"/api/v1/dossiers/{code}/withdraw", "citizen", json=body, expect=409
    )
    assert "cannot be withdrawn" in problem["detail"]
    http.call("POST", f"/api/v1/dossiers/{code}/stop", "leader", json=STOP, expect=409)
    assert http.act(code, "reception", RETURN)["status"]["code"] == 10
    http.call("POST", f"/api/v1/dossiers/{code}/withdraw", "citizen", json=body, expect=409)


def test_a_leader_stops_the_handling_and_mau_05_is_issued_signed(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    clock.set(at(10))
    http.forget_tokens()
    code = http.submit()["code"]
    path = f"/api/v1/dossiers/{code}/stop"
    # not received yet: reception refuses it (Mẫu 03), nobody stops it
    problem = http.call("POST", path, "leader", json=STOP, expect=409)
    assert "cannot be stopped" in problem["detail"]
    http.act(code, "reception", ACCEPT)
    for user in ("specialist", "reception", "leader_other", "citizen", "auditor", "admin"):
        http.call("POST", path, user, json=STOP, expect=403)

    clock.set(at(12, 15, 30))
    http.forget_tokens()
    stopped = http.call("POST", path, "leader", json=STOP)
    assert stopped["status"]["code"] == 8 and stopped["current_steps"] == []
    assert http.tasks("specialist", dossier=code)["items"] == []
    assert "pending" not in _timer_statuses(ctx)

    documents = http.call("GET", f"/api/v1/dossiers/{code}/documents", "citizen")["items"]
    notice = documents[-1]
    assert (notice["template"], notice["number"], notice["issued_by"]) == (
        "mau_05",
        "1/TB-BHXHQBĐ",
        "leader",
    )
    response = http.client.get(
        f"/api/v1/dossiers/{code}/documents/{notice['id']}",
        headers={"Authorization": f"Bearer {http.token('citizen')}", "Accept": "application/pdf"},
    )
    assert response.status_code == 200
    assert verify(response.data, ctx.signers.trust_roots()).valid
    for extracted in texts(response.data):
        words = flat(extracted)
        assert "THÔNG BÁO" in words and "Về việc dừng giải quyết hồ sơ" in words
        assert REASON in words
        assert all(basis in words for basis in BASES)
        assert f"Mã hồ sơ: {code}" in words
        assert "ngày 12 tháng 3 năm 2026" in words

    events = _events(http, code)
    types = [e["type"] for e in events]
    start = types.index("handling_stopped")
    assert types[start:] == [
        "handling_stopped",
        "status_changed",
        "task_cancelled",
        "document_issued",
    ]
    assert events[start]["payload"] == STOP
    assert events[start]["actor"]["role"] == "leader"
    _replays(http, code)
    assert verify_audit_log(ctx, ADMIN, dossier=code).ok
    http.call("POST", path, "leader", json=STOP, expect=409)
    http.call(
        "POST", f"/api/v1/dossiers/{code}/withdraw", "citizen", json={"reason": "x"}, expect=409
    )


def test_a_stop_without_its_reason_or_legal_basis_is_refused_naming_the_field(
    http: HttpApi,
) -> None:
    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    path = f"/api/v1/dossiers/{code}/stop"
    cases: list[tuple[Any, str]] = [
        ({"reason": REASON}, "legal_basis"),
        ({**STOP, "legal_basis": []}, "legal_basis"),
        ({**STOP, "legal_basis": ["x"] * 11}, "legal_basis"),
        ({**STOP, "legal_basis": ["x" * 501]}, "legal_basis"),
        ({**STOP, "legal_basis": ["   "]}, "legal_basis.0"),
        ({**STOP, "reason": "   "}, "reason"),
        ({**STOP, "reason": "x" * 2001}, "reason"),
        ({**STOP, "legal_basis": "Điều 1"}, "legal_basis"),
        ([STOP], ""),
    ]
    for body, field in cases:
        problem = http.call("POST", path, "leader", json=body, expect=422)
        assert field in str(problem), (body, problem)
    assert http.dossier(code)["status"]["code"] == 4  # nothing changed
    for invisible in (" ", "\u200b", "\u202e\u200d", "\x00\x07"):
        blank = http.call(
            "POST",
            f"/api/v1/dossiers/{code}/withdraw",
            "citizen",
            json={"reason": invisible},
            expect=422,
        )
        assert "reason" in str(blank)
    unseen = {**STOP, "legal_basis": ["\u200b\u200b"]}
    assert "legal_basis.0" in str(http.call("POST", path, "leader", json=unseen, expect=422))


def test_a_dossier_waiting_for_reception_s_supplement_is_not_stopped(http: HttpApi) -> None:
    code = http.submit()["code"]
    http.act(code, "reception", SUPPLEMENT)  # status 5 before it was ever received
    problem = http.call("POST", f"/api/v1/dossiers/{code}/stop", "leader", json=STOP, expect=409)
    assert "has not been received" in problem["detail"]
