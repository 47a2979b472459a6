"""Make SpiffWorkflow's timers read our clock instead of the wall clock.

SpiffWorkflow computes and checks timer due times with `datetime.now()` inside
`SpiffWorkflow.bpmn.specs.event_definitions.timer`. We replace that module's `datetime` with a
subclass whose `now()` returns the moment the engine is stepping at, held in a context variable
(each thread and each request has its own), and the real time outside an engine step. Frozen-time
tests and replay therefore see timers fire exactly when their clock says so.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, tzinfo
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer
from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    TimerEventDefinition,
)

_engine_now: ContextVar[datetime | None] = ContextVar("motcua_engine_now", default=None)


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
    if now is None:
        yield
        return
    if now.tzinfo is None:
        raise ValueError("engine time must be timezone-aware")
    token = _engine_now.set(now)
    try:
        yield
    finally:
        _engine_now.reset(token)


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
