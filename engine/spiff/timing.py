"""Make SpiffWorkflow's timers read our clock instead of the wall clock.

SpiffWorkflow computes and checks timer due times with `datetime.now()` inside
`SpiffWorkflow.bpmn.specs.event_definitions.timer`. We replace that module's `datetime` with a
subclass whose `now()` returns the moment the engine is stepping at, held in a context variable
(each thread and each request has its own), and the real time outside an engine step. Frozen-time
tests and replay therefore see timers fire exactly when their clock says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimerEventDefinition,
)

#: Limits of timer values (docs/deadlines.md, "Timer limits"), checked at deploy on literal
#: timers and at run time on every value a timer expression gives.
#: A cycle reminds officers; deadlines are counted in working days or hours, so a shorter
#: interval means nothing legally, and each firing is a write transaction with audit events.
MIN_CYCLE_INTERVAL = timedelta(hours=1)
#: A cycle must say how often it repeats (`R<n>/...`): every firing adds a branch to the
#: dossier's workflow, so an endless cycle grows it without end. 100 covers a daily reminder
#: over the longest statutory limit (60 working days, about 90 calendar days).
MAX_CYCLE_REPETITIONS = 100
#: No timer waits longer than this (durations, cycle intervals): statutory limits are months;
#: `P9999Y` or a number from the applicant's data would overflow the date arithmetic.
MAX_TIMER_SPAN = timedelta(days=10 * 366)  # ten years, leap days and all
_SPAN_TEXT = "10 years"
#: A cycle catching up (the scheduler was down) fires at most this many times in one step; the
#: rest is still due at the next step (the scheduler's next pass), so no step runs long.
MAX_CYCLE_FIRINGS_PER_STEP = 10
#: The diagram functions that give a date-time (`engine.step.deadlines.environment`): they belong in
#: a timeDate; in a timeDuration or timeCycle they can only fail when reached.
DATE_FUNCTIONS = frozenset({"working_days", "before_appointment"})

_engine_now: ContextVar[datetime | None] = ContextVar("motcua_engine_now", default=None)
#: How often each cycle timer fired in the step under way (by task id).
_cycle_firings: ContextVar[dict[Any, int] | None] = ContextVar("motcua_cycle_firings", default=None)


class EngineDatetime(datetime):
    """`datetime` whose `now()` is the engine's step time when one is set."""

    @classmethod
    def now(cls, tz: tzinfo | None = None) -> EngineDatetime:
        current = _engine_now.get()
        if current is None:
            return super().now(tz)
        moment = current.astimezone(tz) if tz is not None else current.astimezone()
        if tz is None:
            moment = moment.replace(tzinfo=None)
        return cls(
            moment.year,
            moment.month,
            moment.day,
            moment.hour,
            moment.minute,
            moment.second,
            moment.microsecond,
            tzinfo=moment.tzinfo,
        )


_spiff_timer.datetime = EngineDatetime


@contextmanager
def engine_time(now: datetime | None) -> Iterator[None]:
    """Run a block with SpiffWorkflow's timers reading `now` (no change when None)."""
    if now is not None and now.tzinfo is None:
        raise ValueError("engine time must be timezone-aware")
    token = _engine_now.set(now) if now is not None else None
    firings = _cycle_firings.set({})  # each step counts its cycles' firings afresh
    try:
        yield
    finally:
        _cycle_firings.reset(firings)
        if token is not None:
            _engine_now.reset(token)


_CYCLE_COMPLETE = CycleTimerEventDefinition.cycle_complete


def _bounded_cycle_complete(definition: Any, task: Any) -> bool:
    """SpiffWorkflow's `cycle_complete`, firing a cycle at most MAX_CYCLE_FIRINGS_PER_STEP
    times per step: it fires once per refresh and a step may refresh many times."""
    counts = _cycle_firings.get()
    value = task._get_internal_data("event_value")
    if (
        counts is not None
        and counts.get(task.id, 0) >= MAX_CYCLE_FIRINGS_PER_STEP
        and isinstance(value, dict)
        and value.get("cycles") != 0
    ):
        return False  # still due: the next step goes on
    ready = bool(_CYCLE_COMPLETE(definition, task))
    if ready and counts is not None:
        counts[task.id] = counts.get(task.id, 0) + 1
    return ready


CycleTimerEventDefinition.cycle_complete = _bounded_cycle_complete


def is_timer(task: Any) -> bool:
    return isinstance(getattr(task.task_spec, "event_definition", None), TimerEventDefinition)


def timer_due(task: Any) -> datetime | None:
    """When a timer task fires (or fired), in UTC; None if it has not been armed yet."""
    definition = task.task_spec.event_definition
    value = task._get_internal_data("event_value")
    if value is None:
        return None
    if isinstance(definition, CycleTimerEventDefinition):
        if not isinstance(value, dict) or value.get("cycles") == 0:
            return None
        value = value["next"]
    return parse_due(value)


def parse_due(value: Any) -> datetime | None:
    """An armed timer's stored value (an ISO date, or a week date) as a UTC moment."""
    parsed = TimerEventDefinition.parse_time_or_duration(str(value))
    return parsed.astimezone(UTC) if isinstance(parsed, datetime) else None


def cycle_marker(task: Any) -> Any:
    """What changes when a cycle timer fires while staying WAITING (its next due time)."""
    value = task._get_internal_data("event_value")
    return value.get("next") if isinstance(value, dict) else None


class TimerValueError(ValueError):
    """A timer's value is malformed or outside the limits above (the message says which)."""


def duration_span(parsed: dict[str, Any]) -> timedelta:
    """An upper bound of a parsed ISO duration (months count 31 days, years 366)."""
    days = (
        float(parsed.get("years", 0)) * 366
        + float(parsed.get("months", 0)) * 31
        + float(parsed.get("weeks", 0)) * 7
        + float(parsed.get("days", 0))
    )
    seconds = (
        float(parsed.get("hours", 0)) * 3600
        + float(parsed.get("minutes", 0)) * 60
        + float(parsed.get("seconds", 0))
    )
    if days > MAX_TIMER_SPAN.days + 1 or seconds > MAX_TIMER_SPAN.total_seconds():
        return MAX_TIMER_SPAN + timedelta(days=1)
    return timedelta(days=days, seconds=seconds)


def cycle_problem(cycles: int, interval: timedelta) -> str | None:
    """Why a cycle of `cycles` repetitions (-1: without end) every `interval` is refused."""
    if cycles < 0:
        return (
            "repeats without end; write how often it repeats, "
            f"R<n>/... with n at most {MAX_CYCLE_REPETITIONS}"
        )
    if cycles > MAX_CYCLE_REPETITIONS:
        return f"repeats {cycles} times; at most {MAX_CYCLE_REPETITIONS} are allowed"
    if interval < MIN_CYCLE_INTERVAL:
        seconds = interval.total_seconds()
        return f"repeats every {seconds:g} s; the shortest interval allowed is 1 hour (PT1H)"
    if interval > MAX_TIMER_SPAN:
        return f"repeats at intervals longer than {_SPAN_TEXT}"
    return None


def _checked(
    original: Callable[..., Any], what: str, check: Callable[[str, Any], None] | None = None
) -> Any:
    def parse(expression: Any) -> Any:
        text = str(expression)[:80]
        if not isinstance(expression, str):
            raise TimerValueError(
                f"timer value {text!r} is not a text but a {type(expression).__name__}"
            )
        try:
            value = original(expression)
            if check is not None:
                check(expression, value)
        except TimerValueError:
            raise
        except Exception as exc:  # SpiffWorkflow raises bare Exception, OverflowError, ...
            raise TimerValueError(f"timer value {text!r} is not {what}") from exc
        return value

    return staticmethod(parse)


def _check_duration(expression: str, parsed: Any) -> None:
    if duration_span(parsed) > MAX_TIMER_SPAN:
        raise TimerValueError(f"timer duration {expression[:80]!r} is longer than {_SPAN_TEXT}")


def _check_cycle(expression: str, parsed: Any) -> None:
    cycles, start, interval = parsed
    problem = cycle_problem(cycles, interval)
    if problem is not None:
        raise TimerValueError(f"timer cycle {expression[:80]!r} {problem}")
    start + interval * max(cycles, 1)  # the last time it fires exists (no OverflowError)


def _check_duration_or_time(expression: str, parsed: Any) -> None:
    if isinstance(parsed, dict):
        _check_duration(expression, parsed)


_PARSE_DURATION = TimerEventDefinition.parse_iso_duration
TimerEventDefinition.parse_iso_duration = _checked(
    _PARSE_DURATION, "an ISO 8601 duration such as P5D or PT4H", _check_duration
)
TimerEventDefinition.get_datetime = _checked(
    TimerEventDefinition.get_datetime, "an ISO 8601 date-time such as 2026-03-10T09:00:00+07:00"
)
TimerEventDefinition.parse_time_or_duration = _checked(
    TimerEventDefinition.parse_time_or_duration,
    "an ISO 8601 date-time or duration",
    _check_duration_or_time,
)
TimerEventDefinition.parse_iso_recurring_interval = _checked(
    TimerEventDefinition.parse_iso_recurring_interval,
    "an ISO 8601 repeating interval such as R3/PT1H",
    _check_cycle,
)


def armed_cycle_problem(task: Any) -> str | None:
    """Why a cycle timer armed before these limits existed may not fire (None if it may)."""
    definition = getattr(task.task_spec, "event_definition", None)
    value = task._get_internal_data("event_value")
    if not isinstance(definition, CycleTimerEventDefinition) or not isinstance(value, dict):
        return None
    try:
        cycles, seconds = int(value["cycles"]), float(value["duration"])
    except (KeyError, TypeError, ValueError):
        return "has a malformed stored value"
    if cycles == 0:
        return None
    return cycle_problem(cycles, timedelta(seconds=seconds))


def limit_problem(kind: str, value: str) -> str | None:
    """Why a literal timer value of `kind` (timeDate, timeDuration, timeCycle) breaks the timer
    limits; None if it keeps them or is malformed (the format check says that)."""
    parse: dict[str, Callable[[str], Any]] = {
        "timeDuration": TimerEventDefinition.parse_iso_duration,
        "timeDate": TimerEventDefinition.parse_time_or_duration,
        "timeCycle": TimerEventDefinition.parse_iso_recurring_interval,
    }
    try:
        parse[kind](value.strip())
    except TimerValueError as exc:
        return None if exc.__cause__ is not None else str(exc)
    return None
