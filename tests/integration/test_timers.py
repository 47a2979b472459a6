"""BPMN timers against the real database: the timer table, idempotent firing, the sweep after a
restart, interrupting timers racing a completion (P4), and deploy-time checks of expressions."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import pytest

from engine.clock import FrozenClock
from engine.context import EngineContext, build
from engine.errors import (
    ConcurrentModificationError,
    InvalidDefinitionError,
    ProcessError,
    TaskNotReadyError,
)
from engine.scheduler import TimerScheduler
from engine.services import tasks, timers
from engine.settings import Settings
from tests.conftest import START, VN
from tests.probe import (
    actor,
    deploy_probe,
    events_of,
    open_items,
    open_steps,
    submit_probe,
    timer_rows,
)
from tests.support import ACCEPT, HttpApi

BHXH_MOT_LAN_REQUEST = {
    "full_name": "Lê Văn Cường",
    "date_of_birth": "1966-01-01",
    "gender": "nam",
    "id_number": "001066001122",
    "social_insurance_code": "0102030405",
    "address": "3 Hàng Bài, Hà Nội",
    "reason": "emigration",
    "contribution_years": 8,
    "payment_method": "post_office",
}


@pytest.fixture
def probe(ctx: EngineContext) -> EngineContext:
    deploy_probe(ctx)
    return ctx


def test_a_waiting_timer_is_copied_to_the_timer_table(probe: EngineContext) -> None:
    code = submit_probe(probe, START + timedelta(hours=1))
    [(_, bpmn_id, due_at, status, _)] = timer_rows(probe, code)
    assert (bpmn_id, status) == ("wait_until", "pending")
    assert due_at == START + timedelta(hours=1)
    assert events_of(probe, code, "timer_armed") == [
        {"due_at": "2026-03-10T03:00:00.000000+00:00", "bpmn_id": bpmn_id}
    ]
    assert open_steps(probe, code) == []


def test_a_timer_already_due_when_it_is_reached_fires_in_that_step(
    probe: EngineContext,
) -> None:
    code = submit_probe(probe, START - timedelta(minutes=5))
    rows = {bpmn_id: status for _, bpmn_id, _, status, _ in timer_rows(probe, code)}
    assert rows == {"wait_until": "fired", "deadline": "pending"}
    assert open_steps(probe, code) == ["work"]
    assert events_of(probe, code, "timer_fired") == [
        {
            "bpmn_id": "wait_until",
            "due_at": "2026-03-10T01:55:00.000000+00:00",
            "fired_at": "2026-03-10T02:00:00.000000+00:00",
        }
    ]
    assert TimerScheduler(probe).run_once() == 0


def test_a_timer_due_while_the_server_was_down_fires_once_after_a_restart(
    probe: EngineContext, clock: FrozenClock, settings: Settings
) -> None:
    code = submit_probe(probe, START + timedelta(hours=1))
    probe.close()  # the server stops ...
    clock.set(START + timedelta(hours=3))  # ... and comes back two hours after the due time
    restarted = build(settings, clock=clock)
    try:
        assert TimerScheduler(restarted).run_once() == 1
        assert TimerScheduler(restarted).run_once() == 0
        fired = events_of(restarted, code, "timer_fired")
        assert [(e["bpmn_id"], e["due_at"], e["fired_at"]) for e in fired] == [
            ("wait_until", "2026-03-10T03:00:00.000000+00:00", "2026-03-10T05:00:00.000000+00:00")
        ]
        assert open_steps(restarted, code) == ["work"]
        # The boundary timer of `work` was armed at the firing time: end of the next working day.
        deadline = [r for r in timer_rows(restarted, code) if r[1] == "deadline"]
        assert deadline[0][2] == datetime(2026, 3, 11, 16, 30, tzinfo=VN)
    finally:
        restarted.close()


def test_waking_the_same_timer_twice_fires_it_once(
    probe: EngineContext, clock: FrozenClock
) -> None:
    code = submit_probe(probe, START + timedelta(hours=1))
    [(timer_id, *_)] = timer_rows(probe, code)
    assert timers.fire_timer(probe, timer_id) is False  # not due yet
    clock.advance(timedelta(hours=2))
    assert timers.fire_timer(probe, timer_id) is True
    assert timers.fire_timer(probe, timer_id) is False
    assert len(events_of(probe, code, "timer_fired")) == 1


def test_concurrent_wake_ups_of_one_timer_fire_it_once(
    probe: EngineContext, clock: FrozenClock
) -> None:
    code = submit_probe(probe, START + timedelta(hours=1))
    [(timer_id, *_)] = timer_rows(probe, code)
    clock.advance(timedelta(hours=2))
    barrier = threading.Barrier(6)

    def wake(_: int) -> str:
        barrier.wait()
        try:
            return "fired" if timers.fire_timer(probe, timer_id) else "nothing"
        except ConcurrentModificationError:
            return "conflict"

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(wake, range(6)))
    assert outcomes.count("fired") == 1, outcomes
    assert len(events_of(probe, code, "timer_fired")) == 1
    assert open_steps(probe, code) == ["work"]


def test_a_completion_after_an_interrupting_timer_is_due_is_refused(
    probe: EngineContext, clock: FrozenClock
) -> None:
    code = submit_probe(probe, START - timedelta(minutes=1))
    reception = actor(probe, "reception")
    [(work_id, due_at)] = open_items(probe, code)
    assert due_at is None  # no step sla on `work`: the boundary timer is its deadline
    tasks.claim_task(probe, reception, work_id)
    clock.set(datetime(2026, 3, 11, 16, 31, tzinfo=VN))  # one working day later, and a minute
    with pytest.raises(TaskNotReadyError):
        tasks.complete_task(probe, reception, work_id, {"note": "late"})
    assert TimerScheduler(probe).run_once() == 1
    assert open_steps(probe, code) == ["escalate"]
    assert [e["bpmn_id"] for e in events_of(probe, code, "timer_fired")] == [
        "wait_until",
        "deadline",
    ]


def test_completing_in_time_cancels_the_boundary_timer(probe: EngineContext) -> None:
    code = submit_probe(probe, START - timedelta(minutes=1))
    reception = actor(probe, "reception")
    [(work_id, _)] = open_items(probe, code)
    tasks.claim_task(probe, reception, work_id)
    tasks.complete_task(probe, reception, work_id, {"note": "done"})
    statuses = {bpmn_id: status for _, bpmn_id, _, status, _ in timer_rows(probe, code)}
    assert statuses == {"wait_until": "fired", "deadline": "cancelled"}
    assert TimerScheduler(probe).run_once() == 0


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("__import__('os').getpid()", "not allowed"),
        ("now()", "function 'now' is not allowed"),
        ('"2026-03-10T09:00:00"', "no UTC offset"),
        ('"tomorrow"', "not an ISO 8601"),
        ('"PT5M"', "not an ISO 8601 date"),
    ],
)
def test_timer_expressions_are_checked_at_deploy(
    ctx: EngineContext, expression: str, message: str
) -> None:
    with pytest.raises(InvalidDefinitionError) as raised:
        deploy_probe(ctx, expression)
    problems = [p for p in raised.value.problems if p.element_id == "wait_until"]
    assert problems and message in problems[0].message, raised.value.problems


def test_valid_timer_literals_deploy(ctx: EngineContext) -> None:
    deploy_probe(ctx, '"2026-03-10T09:00:00+07:00"')


def test_a_timer_expression_giving_nonsense_at_run_time_is_a_process_error(
    ctx: EngineContext,
) -> None:
    deploy_probe(ctx)
    with pytest.raises(ProcessError):
        submit_probe(ctx, "not a date")
    with ctx.uow(write=False) as uow:
        assert uow.dossiers.for_owner(actor(ctx, "citizen").user_id or 0, 0, 10)[1] == 0


@pytest.mark.parametrize(
    "expression", ["working_days(-1)", "working_days(5000)", "working_days('2')"]
)
def test_diagram_functions_refuse_bad_day_counts(ctx: EngineContext, expression: str) -> None:
    deploy_probe(ctx, expression)
    with pytest.raises(ProcessError, match="whole number of days"):
        submit_probe(ctx, "unused")


def test_a_non_interrupting_reminder_fires_once_and_leaves_the_task_open(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    code = http.submit(procedure="bhxh_mot_lan", data=BHXH_MOT_LAN_REQUEST)["code"]
    http.act(code, "reception", ACCEPT)  # appraise opens with its P5D reminder
    # (and the processing's overdue warning waits for the working day before the appointment)
    reminders = [row for row in timer_rows(ctx, code) if row[1] == "remind_appraisal"]
    [(_, bpmn_id, due_at, status, _)] = reminders
    assert (bpmn_id, status, due_at) == ("remind_appraisal", "pending", START + timedelta(days=5))
    clock.set(START + timedelta(days=5, minutes=1))
    assert TimerScheduler(ctx).run_once() == 1
    assert TimerScheduler(ctx).run_once() == 0
    assert open_steps(ctx, code) == ["appraise"]
    assert {r[1]: r[3] for r in timer_rows(ctx, code)} == {
        "remind_appraisal": "fired",
        "warn_overdue": "pending",
    }
