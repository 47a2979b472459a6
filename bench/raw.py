"""The physical limit of this design: SpiffWorkflow alone, in one process, on the same diagram.

Parse once; per dossier start the workflow, then complete the same user tasks with the same
data as the HTTP load, serializing the state spec-less after every step (what the service
stores). No database, no HTTP, no deserialization, no audit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from bench.load import STEPS
from engine.definitions.cache import SCRIPT_FUNCTIONS
from engine.spiff import serializer
from engine.spiff.parser import parse_bundle
from engine.spiff.scripting import make_script_engine
from tests.support import PROCEDURE, UNIT, applicant, submission


def raw_dossiers_per_second(
    bpmn_dir: Path, dossiers: int, *, reload: bool = False
) -> tuple[float, float, int]:
    """(dossiers/s, CPU ms per dossier, bytes of the final state of one dossier).

    `reload`: deserialize the stored state before every task, as a service that keeps no
    workflow in memory between requests must (not part of the reference figure)."""
    parsed = parse_bundle(
        {f"{PROCEDURE}.bpmn": (bpmn_dir / f"{PROCEDURE}.bpmn").read_bytes()},
        script_functions=SCRIPT_FUNCTIONS,
    )
    functions = _fixed_calendar()
    initial = {
        "dossier_code": f"{UNIT}-260310-0001",
        "procedure": PROCEDURE,
        "unit": UNIT,
        "channel": "online",
        "applicant": applicant(),
        "submission": submission(),
    }
    size = 0
    started, cpu_started = time.perf_counter(), time.process_time()
    for _ in range(dossiers):
        wf = BpmnWorkflow(
            parsed.spec, parsed.subprocess_specs, script_engine=make_script_engine(functions)
        )
        wf.task_tree.data.update(initial)
        wf.do_engine_steps()
        state = serializer.dumps(wf)
        while not wf.is_completed():
            if reload:
                wf = serializer.loads(state, parsed.spec, parsed.subprocess_specs)
                wf.script_engine = make_script_engine(functions)
            task = wf.get_next_task(state=TaskState.READY, manual=True)
            if task is None:
                break
            task.set_data(**STEPS[task.task_spec.bpmn_id][1])
            task.run()
            wf.do_engine_steps()
            state = serializer.dumps(wf)
        assert wf.is_completed()
        size = len(state.encode())
    cpu_ms = (time.process_time() - cpu_started) * 1000 / dossiers
    return dossiers / (time.perf_counter() - started), cpu_ms, size


def _fixed_calendar() -> dict[str, Callable[..., str]]:
    """The diagram's timer functions as plain date arithmetic: the working-day calendar is our
    code, not the engine's, so the raw limit leaves it out."""
    now = datetime.now(UTC)

    def working_days(count: int) -> str:
        return (now + timedelta(days=count)).isoformat()

    def before_appointment(count: int = 1) -> str:
        return (now + timedelta(days=10 - count)).isoformat()

    return {"working_days": working_days, "before_appointment": before_appointment}
