"""Timer limits (issue 12, A1 and the timer part of A6; docs/deadlines.md "Timer limits"):
literal timers outside the limits are refused at deploy, values computed at run time fail only
their dossier (422 for the request, or a parked timer), and one scheduler pass is bounded."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from click.testing import CliRunner

from api.cli import main as cli
from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.errors import InvalidDefinitionError
from engine.scheduler import TimerScheduler
from engine.spiff import timing
from tests.conftest import START
from tests.probe import (
    deploy_deadline_probe,
    deploy_probe,
    events_of,
    open_steps,
    submit_probe,
    timer_rows,
)
from tests.support import HttpApi

#: `wait_until` takes the first 25 characters of the applicant's text, `deadline` the rest: both
#: timers are computed from applicant data.
SPLIT_WAIT, SPLIT_DEADLINE = 'submission["fire_at"][:25]', 'submission["fire_at"][25:]'
AN_HOUR_LATER = (START + timedelta(hours=1)).isoformat()


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("timeCycle", "R/PT0S", "repeats without end"),
        ("timeCycle", "R/PT1S", "repeats without end"),
        ("timeCycle", "R/PT4H", "repeats without end"),
        ("timeCycle", "R5/PT1S", "the shortest interval allowed is 1 hour"),
        ("timeCycle", "R5/PT59M", "the shortest interval allowed is 1 hour"),
        ("timeCycle", "R101/PT1H", "at most 100"),
        ("timeCycle", "R3/P9999Y", "longer than 10 years"),
        ("timeDuration", "P9999Y", "longer than 10 years"),
        ("timeDuration", "P100000Y", "longer than 10 years"),
        ("timeDuration", "P99999999999999999999D", "longer than 10 years"),
        ("timeDuration", "PT99999999999999H", "longer than 10 years"),
    ],
)
def test_literal_timers_outside_the_limits_are_refused_at_deploy(
    ctx: EngineContext, kind: str, value: str, message: str
) -> None:
    with pytest.raises(InvalidDefinitionError) as raised:
        deploy_deadline_probe(ctx, f'"{value}"', kind=kind, interrupting=False)
    [problem] = [p for p in raised.value.problems if p.element_id == "deadline"]
    assert message in problem.message, problem
    assert problem.file == "timer_probe.bpmn" and problem.line == 50  # the timer's line


@pytest.mark.parametrize("call", ["working_days(2)", "before_appointment()"])
@pytest.mark.parametrize("kind", ["timeDuration", "timeCycle"])
def test_a_date_function_in_a_duration_or_cycle_is_refused_at_deploy(
    ctx: EngineContext, call: str, kind: str
) -> None:
    with pytest.raises(InvalidDefinitionError) as raised:
        deploy_deadline_probe(ctx, call, kind=kind, interrupting=False)
    [problem] = [p for p in raised.value.problems if p.element_id == "deadline"]
    assert "gives a date-time: use it in a timeDate" in problem.message


@pytest.mark.parametrize("value", ["R3/PT1H", "R100/P1D", "P10Y", "PT4H"])
def test_timers_within_the_limits_deploy(ctx: EngineContext, value: str) -> None:
    kind = "timeCycle" if value.startswith("R") else "timeDuration"
    deploy_deadline_probe(ctx, f'"{value}"', kind=kind, interrupting=False)


@pytest.mark.parametrize(
    ("kind", "value", "message"),
    [
        ("timeDuration", "P9999Y", "longer than 10 years"),
        ("timeDuration", "P100000Y", "longer than 10 years"),
        ("timeDuration", "P99999999999999999999Y", "longer than 10 years"),
        ("timeDuration", "2026-03-11T09:00:00+07:00", "is not an ISO 8601 duration"),
        ("timeCycle", "R/PT0S", "repeats without end"),
        ("timeCycle", "R9/PT1S", "shortest interval allowed is 1 hour"),
        ("timeDate", "0001-01-01T00:00:00+07:00", "is not an ISO 8601 date-time"),
    ],
)
def test_a_bad_timer_value_from_applicant_data_refuses_that_request_with_422(
    http: HttpApi, ctx: EngineContext, kind: str, value: str, message: str
) -> None:
    deploy_deadline_probe(ctx, 'submission["fire_at"]', kind=kind, interrupting=False)
    problem = http.submit(
        procedure="timer_probe", data={"fire_at": value}, expect=422
    )  # `wait_until` is already due: the step reaches `deadline` and evaluates it
    assert message in problem["detail"], problem
    assert "deadline" in problem["detail"] or value[:10] in problem["detail"]
    http.submit()  # other dossiers go on


def test_a_bad_value_computed_in_a_scheduler_pass_parks_only_that_timer(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    deploy_deadline_probe(ctx, SPLIT_DEADLINE, kind="timeDuration", wait=SPLIT_WAIT)
    bad = submit_probe(ctx, AN_HOUR_LATER + "P100000Y")
    good = submit_probe(ctx, AN_HOUR_LATER + "P5D")
    clock.advance(timedelta(hours=2))

    assert TimerScheduler(ctx).run_once() == 1  # good's wait_until; bad's is parked

    assert open_steps(ctx, good) == ["work"]
    assert open_steps(ctx, bad) == []
    [failed] = events_of(ctx, bad, "timer_failed")
    assert failed["bpmn_id"] == "wait_until" and "longer than 10 years" in failed["error"]
    [parked] = http.call("GET", "/api/v1/admin/timers/parked", "admin")["items"]
    assert parked["dossier_code"] == bad and parked["bpmn_id"] == "wait_until"
    assert "longer than 10 years" in parked["reason"]
    assert parked["failed_at"] == "2026-03-10T11:00:00+07:00"
    assert TimerScheduler(ctx).run_once() == 0  # later passes skip it

    # An administrator resumes it; it fails again and is parked again (audited both times).
    http.call("GET", "/api/v1/admin/timers/parked", "reception", expect=403)
    http.call("POST", f"/api/v1/admin/timers/{parked['timer_id']}/resume", "reception", expect=403)
    resumed = http.call("POST", f"/api/v1/admin/timers/{parked['timer_id']}/resume", "admin")
    assert resumed["dossier_code"] == bad
    assert [r[3] for r in timer_rows(ctx, bad)] == ["pending"]
    http.call("POST", f"/api/v1/admin/timers/{parked['timer_id']}/resume", "admin", expect=409)
    http.call("POST", "/api/v1/admin/timers/no-such-timer/resume", "admin", expect=404)
    assert [e["bpmn_id"] for e in events_of(ctx, bad, "timer_resumed")] == ["wait_until"]
    assert TimerScheduler(ctx).run_once() == 0
    assert len(events_of(ctx, bad, "timer_failed")) == 2


def test_the_cli_lists_and_resumes_parked_timers(
    ctx: EngineContext, clock: FrozenClock, cli_env: dict[str, str]
) -> None:
    deploy_deadline_probe(ctx, SPLIT_DEADLINE, kind="timeDuration", wait=SPLIT_WAIT)
    bad = submit_probe(ctx, AN_HOUR_LATER + "P100000Y")
    clock.advance(timedelta(hours=2))
    TimerScheduler(ctx).run_once()
    [(timer_id, *_)] = timer_rows(ctx, bad)

    runner = CliRunner()
    listed = runner.invoke(cli, ["timers", "parked"], env=cli_env)
    assert listed.exit_code == 0, listed.output
    assert f"{timer_id}  {bad}  wait_until  parked 2026-03-10T11:00:00+07:00" in listed.output
    assert "longer than 10 years" in listed.output and "1 parked timer(s)" in listed.output
    resumed = runner.invoke(cli, ["timers", "resume", timer_id], env=cli_env)
    assert resumed.exit_code == 0 and "resumed" in resumed.output, resumed.output
    again = runner.invoke(cli, ["timers", "resume", timer_id], env=cli_env)
    assert again.exit_code == 1 and "not parked" in again.output
    assert runner.invoke(cli, ["timers", "parked"], env=cli_env).output.endswith(
        "0 parked timer(s)\n"
    )


@contextmanager
def limits_of_an_older_release(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Deploy and arm as a release before these limits did: dossiers in the database may hold
    such timers, and the scheduler must cope with them."""
    with monkeypatch.context() as patch:
        patch.setattr(timing, "cycle_problem", lambda cycles, interval: None)
        yield


@pytest.mark.parametrize("cycle", ["R/PT0S", "R/PT1S"])
def test_a_runaway_cycle_armed_earlier_is_parked_and_the_pass_goes_on(
    ctx: EngineContext, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch, cycle: str
) -> None:
    with limits_of_an_older_release(monkeypatch):
        deploy_deadline_probe(
            ctx, f'"{cycle}"', kind="timeCycle", interrupting=False, automatic=True
        )
        runaway = submit_probe(ctx, START.isoformat())
    deploy_probe(ctx)  # the procedure's next version: the other dossier is an ordinary one
    other = submit_probe(ctx, AN_HOUR_LATER)
    clock.advance(timedelta(hours=2))

    started = time.monotonic()
    assert TimerScheduler(ctx).run_once() == 1  # the other dossier's timer
    elapsed = time.monotonic() - started

    assert elapsed < 10, f"the pass took {elapsed:.1f} s"  # on main: > 11 minutes, in one lock
    [failed] = events_of(ctx, runaway, "timer_failed")
    assert failed["bpmn_id"] == "deadline"
    assert "repeats without end" in failed["error"]
    assert open_steps(ctx, other) == ["work"]
    assert TimerScheduler(ctx).run_once() == 0


def test_a_cycle_catching_up_fires_a_bounded_number_of_times_per_pass(
    ctx: EngineContext, clock: FrozenClock
) -> None:
    deploy_deadline_probe(ctx, '"R30/PT1H"', kind="timeCycle", interrupting=False, automatic=True)
    code = submit_probe(ctx, START.isoformat())
    clock.advance(timedelta(hours=25, minutes=30))  # 25 firings are due: the scheduler was down

    def next_due() -> list[tuple[str, object]]:
        return [(r[3], r[2] - START) for r in timer_rows(ctx, code) if r[1] == "deadline"]

    assert next_due() == [("pending", timedelta(hours=1))]
    # Ten firings per pass (MAX_CYCLE_FIRINGS_PER_STEP), each pass its own short transaction.
    assert TimerScheduler(ctx).run_once() == 1
    assert next_due() == [("pending", timedelta(hours=11))]
    assert TimerScheduler(ctx).run_once() == 1
    assert next_due() == [("pending", timedelta(hours=21))]
    assert TimerScheduler(ctx).run_once() == 1
    assert next_due() == [("pending", timedelta(hours=26))]  # caught up
    assert TimerScheduler(ctx).run_once() == 0


def test_one_pass_fires_a_bounded_number_of_timers_within_its_time_budget(
    ctx: EngineContext, clock: FrozenClock
) -> None:
    deploy_deadline_probe(ctx, "working_days(1)", wait='submission["fire_at"]')
    codes = [submit_probe(ctx, AN_HOUR_LATER) for _ in range(5)]
    clock.advance(timedelta(hours=2))

    assert TimerScheduler(ctx, max_firings=2).run_once() == 2

    # Each firing takes a minute on this clock: the 90-second budget allows two.
    def a_minute_passes(_: str) -> None:
        clock.advance(timedelta(minutes=1))

    slow = TimerScheduler(ctx, pass_seconds=90, on_fired=a_minute_passes)
    assert slow.run_once() == 2
    assert TimerScheduler(ctx).run_once() == 1
    assert all(open_steps(ctx, code) == ["work"] for code in codes)


def test_an_officers_step_on_a_dossier_with_a_runaway_timer_is_refused_with_422(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    with limits_of_an_older_release(monkeypatch):
        deploy_deadline_probe(ctx, '"R/PT1S"', kind="timeCycle", interrupting=False, automatic=True)
        code = submit_probe(ctx, START.isoformat())
    clock.advance(timedelta(hours=2))
    http.forget_tokens()
    assert TimerScheduler(ctx).run_once() == 0  # parked
    task = http.task_for(code, "reception")
    http.claim(task["id"], "reception")
    problem = http.complete(task["id"], "reception", {"note": "xong"}, expect=422)
    assert "timer 'deadline' repeats without end" in problem["detail"]
    http.submit()  # other dossiers go on
