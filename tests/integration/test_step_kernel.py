"""Replay runs the same step functions as the live use cases (docs/development.md, step kernel).

Each cause of a step in `engine.step.causes` and `engine.step.migration` is wrapped to count its
calls (it still runs). A dossier goes through submission, completions, a timer, a new
appointment, a supplement and a migration; then it is replayed. Replay must call the same
causes, as many times each: a replay handler that redid a step by other code than the live one
would not count, and fails here.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from functools import wraps
from typing import Any

import pytest

from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.services import definitions
from engine.services.audit_dossiers import replay_dossier
from engine.spiff.runtime import StepOutcome
from engine.step import causes, migration
from tests.bundles import procedure_bundle, with_archive_step
from tests.conftest import ADMIN
from tests.integration.test_deadline_replay import (
    act_on,
    move,
    warned_reappointed_and_supplemented,
)
from tests.support import APPRAISE, HttpApi, at

#: The causes of a step; `fire_due_timers` counts only when it fired a timer (every use case
#: on a running dossier calls it first, and it is a step only when a timer was due).
CAUSES = (
    (causes, "submit"),
    (causes, "complete_task"),
    (causes, "reappoint"),
    (causes, "deliver_supplement"),
    (causes, "fire_due_timers"),
    (migration, "migrate"),
)


@pytest.fixture
def steps(monkeypatch: pytest.MonkeyPatch) -> Iterator[Counter[str]]:
    """Counts of the causes of a step called since the last `clear()`."""
    counted: Counter[str] = Counter()

    def counting(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = function(*args, **kwargs)
            if name == "fire_due_timers" and not _fired(result):
                return result
            counted[name] += 1
            return result

        return wrapper

    for module, name in CAUSES:
        monkeypatch.setattr(module, name, counting(name, getattr(module, name)))
    yield counted


def _fired(result: tuple[StepOutcome, object]) -> bool:
    return bool(result[0].fired_timers)


def test_replay_calls_the_causes_the_live_path_called(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock, steps: Counter[str]
) -> None:
    code = warned_reappointed_and_supplemented(http, ctx, clock)
    definitions.deploy(ctx, ADMIN, with_archive_step(procedure_bundle()))
    http.call("POST", f"/api/v1/dossiers/{code}/migrate", "admin")
    move(http, clock, at(20, 10))
    act_on(http, code, "specialist", "appraise", APPRAISE)
    live = Counter(steps)
    every_cause = {name for _, name in CAUSES}
    assert set(live) == every_cause, "the dossier went through every cause of a step"
    assert live["complete_task"] == 4 and live["fire_due_timers"] == 1

    steps.clear()
    result = replay_dossier(ctx, ADMIN, code)
    assert result.problems == [] and result.mismatches == [], (result.problems, result.mismatches)
    assert result.matches_stored is True
    assert steps == live
