"""SpiffWorkflow's timers read the engine's step time, per thread, and the wall clock outside."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer

from engine.spiff.timing import engine_time


def test_spiff_timers_see_the_step_time_of_their_own_thread() -> None:
    moments = {
        name: datetime(2026, 3, 10, 2, 0, tzinfo=UTC) + timedelta(days=offset)
        for offset, name in enumerate(("first", "second", "third"))
    }
    seen: dict[str, datetime] = {}
    barrier = threading.Barrier(len(moments))

    def step(name: str) -> None:
        with engine_time(moments[name]):
            barrier.wait()  # all three are inside their step at the same time
            seen[name] = spiff_timer.datetime.now(UTC)

    threads = [threading.Thread(target=step, args=(name,)) for name in moments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert seen == moments


def test_outside_a_step_spiff_timers_see_the_wall_clock() -> None:
    before = datetime.now(UTC)
    with engine_time(datetime(2020, 1, 1, tzinfo=UTC)):
        assert spiff_timer.datetime.now(UTC).year == 2020
    assert spiff_timer.datetime.now(UTC) >= before
