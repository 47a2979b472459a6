"""Replay redoes deadlines and timers: appointments on the calendar of their time, the supplement
clock, timers fired by the scheduler, the overdue warning and Mẫu 04; and a forged one is caught."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.events import dossier_chain
from engine.scheduler import TimerScheduler
from engine.services import calendar
from engine.services.audit_dossiers import replay_dossier
from tests.conftest import ADMIN, START, VN
from tests.integration.test_tamper import stored
from tests.probe import deploy_probe, submit_probe
from tests.support import ACCEPT, APPRAISE, LEADER_APPROVE, HttpApi, at
from tests.tampering import rewrite_chain, tampering

SUPPLEMENT_IN_PROCESSING = {
    "decision": "supplement",
    "opinion": "Thiếu giấy tờ chứng minh",
    "missing_documents": ["Bản sao giấy khai sinh"],
    "reasons": "Cần đối chiếu ngày sinh",
}


def act_on(http: HttpApi, code: str, user: str, bpmn_id: str, data: dict[str, Any]) -> None:
    [task] = [t for t in http.tasks(user, dossier=code)["items"] if t["bpmn_id"] == bpmn_id]
    http.claim(task["id"], user)
    http.complete(task["id"], user, data)


def move(http: HttpApi, clock: FrozenClock, when: datetime) -> None:
    clock.set(when)
    http.forget_tokens()


def assert_replays(ctx: EngineContext, code: str) -> None:
    result = replay_dossier(ctx, ADMIN, code)
    assert result.problems == [] and result.mismatches == [], (result.problems, result.mismatches)
    assert result.complete and result.matches_stored is True


def warned_reappointed_and_supplemented(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> str:
    """A dossier accepted, warned by its overdue timer, given a new appointment (Mẫu 04), asked
    for a supplement during processing and supplemented (19 March); its code."""
    code: str = http.submit()["code"]
    http.act(code, "reception", ACCEPT)  # due Thursday 19 March
    move(http, clock, at(18, 8))
    assert TimerScheduler(ctx).run_once() == 1  # the overdue warning
    act_on(
        http,
        code,
        "leader",
        "reappoint",
        {"decision": "reappoint", "reason": "Chờ xác minh", "new_due_date": "2026-03-27"},
    )
    act_on(http, code, "specialist", "appraise", SUPPLEMENT_IN_PROCESSING)
    move(http, clock, at(19, 10))
    http.call("POST", f"/api/v1/dossiers/{code}/supplements", "citizen", json={"data": {}})
    return code


def test_a_dossier_through_warning_reappointment_and_supplement_replays_exactly(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    code = warned_reappointed_and_supplemented(http, ctx, clock)
    move(http, clock, at(20, 10))
    act_on(http, code, "specialist", "appraise", APPRAISE)
    act_on(http, code, "leader", "approve_result", LEADER_APPROVE)
    assert http.dossier(code)["timeliness"] == "early"  # against 30 March after the restart
    assert_replays(ctx, code)


def test_replay_counts_on_the_calendar_of_the_time(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    move(http, clock, at(13, 10))  # Friday: due Tuesday 24 March
    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    # The calendar changes afterwards: Saturday 14 March becomes a working day.
    move(http, clock, at(13, 11))
    calendar.set_override(ctx, ADMIN, datetime(2026, 3, 14).date(), "workday", "Làm bù")
    move(http, clock, at(23, 8))
    assert TimerScheduler(ctx).run_once() == 1  # warned one working day before 24 March
    assert http.dossier(code)["due_at"] == "2026-03-24T16:30:00+07:00"
    assert_replays(ctx, code)


def test_a_timer_step_replays_with_its_consequences(ctx: EngineContext, clock: FrozenClock) -> None:
    deploy_probe(ctx)
    code = submit_probe(ctx, START + timedelta(hours=1))
    clock.advance(timedelta(hours=2))
    assert TimerScheduler(ctx).run_once() == 1
    clock.set(datetime(2026, 3, 12, 9, 0, tzinfo=VN))  # past the interrupting deadline too
    assert TimerScheduler(ctx).run_once() == 1
    assert_replays(ctx, code)


def test_a_forged_timer_firing_is_caught(ctx: EngineContext, clock: FrozenClock) -> None:
    """The forger claims the timer fired earlier than it was due, re-hashing the chain."""
    deploy_probe(ctx)
    code = submit_probe(ctx, START + timedelta(hours=1))
    clock.advance(timedelta(hours=2))
    TimerScheduler(ctx).run_once()
    chain = dossier_chain(code)
    with tampering(ctx) as conn:
        with ctx.uow(write=False) as uow:
            count = uow.audit.count_events(chain)
        rows = [stored(conn, code, seq) for seq in range(1, count + 1)]
        fired = next(i for i, row in enumerate(rows) if row.type == "timer_fired")
        rows[fired] = rows[fired]._replace(
            occurred_at=START + timedelta(minutes=30),
            payload={**rows[fired].payload, "fired_at": "2026-03-10T02:30:00.000000+00:00"},
        )
        rewrite_chain(conn, chain, rows, fired)
    result = replay_dossier(ctx, ADMIN, code)
    [problem] = result.problems
    assert problem.kind == "replay_mismatch" and "no timer" in problem.detail


def test_a_forged_new_appointment_is_caught_at_its_own_event(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    """The forger claims the letter (Mẫu 04) was not late, re-hashing the chain: replay
    computes the new appointment from the completion again and compares it at that event."""
    code = warned_reappointed_and_supplemented(http, ctx, clock)
    chain = dossier_chain(code)
    with tampering(ctx) as conn:
        with ctx.uow(write=False) as uow:
            count = uow.audit.count_events(chain)
        rows = [stored(conn, code, seq) for seq in range(1, count + 1)]
        given = next(i for i, row in enumerate(rows) if row.type == "reappointed")
        forged_payload = {**rows[given].payload, "reason": "Lý do khác"}
        rows[given] = rows[given]._replace(payload=forged_payload)
        rewrite_chain(conn, chain, rows, given)
    [problem] = replay_dossier(ctx, ADMIN, code).problems
    assert (problem.kind, problem.seq) == ("replay_mismatch", rows[given].seq)
    assert "reason" in problem.detail
