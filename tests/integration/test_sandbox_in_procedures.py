"""Known escapes and runaway scripts are refused when a diagram is deployed AND when a workflow
runs, even one whose diagram never went through the deploy checks (e.g. a tampered row)."""

from __future__ import annotations

import pytest
from SpiffWorkflow.spiff.parser import SpiffBpmnParser

from engine.definitions.bundles import validate_bundle
from engine.errors import InvalidDefinitionError, ProcessError
from engine.procedures.model import ProcedureModel
from engine.spiff import runtime
from engine.spiff.limits import MAX_LOOP_ITERATIONS, MAX_TASKS_PER_STEP
from engine.spiff.parser import ParsedProcedure
from tests.bundles import procedure_bundle, replaced
from tests.unit.test_scripting import ESCAPES

SCRIPT = "supplement_rounds = 0"
RUNAWAY = "n = 0\nfor a in range(10000):\n    for b in range(10000):\n        n = n + 1"


def unchecked(script: str) -> ParsedProcedure:
    """The procedure parsed by SpiffWorkflow alone, skipping every deploy check."""
    source = replaced(procedure_bundle(), SCRIPT, script)["cap_lai_the_bhyt.bpmn"]
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(source, "cap_lai_the_bhyt.bpmn")
    model = ProcedureModel("cap_lai_the_bhyt", "x", None, None, None, "", {}, {})
    spec = parser.get_spec("cap_lai_the_bhyt")
    return ParsedProcedure("cap_lai_the_bhyt", "cap_lai_the_bhyt.bpmn", model, spec, {})


@pytest.mark.parametrize("escape", ESCAPES)
def test_an_escape_in_a_script_task_is_refused_at_deploy(escape: str) -> None:
    bundle = replaced(procedure_bundle(), SCRIPT, f"leak = {escape}".replace("'", "&apos;"))
    with pytest.raises(InvalidDefinitionError) as caught:
        validate_bundle(bundle)
    [problem] = [p for p in caught.value.problems if p.element_id == "init_dossier"]
    assert "not allowed" in problem.message or "may be called" in problem.message
    assert problem.file == "cap_lai_the_bhyt.bpmn" and problem.line


@pytest.mark.parametrize("escape", ESCAPES)
def test_an_escape_that_skipped_the_deploy_checks_is_refused_when_it_runs(escape: str) -> None:
    parsed = unchecked(f"leak = {escape}".replace("'", "&apos;"))
    with pytest.raises(ProcessError, match="not allowed|may be called"):
        runtime.start(parsed, {})


@pytest.mark.timeout(10)
def test_a_runaway_script_stops_the_step_instead_of_the_server() -> None:
    with pytest.raises(ProcessError, match="operations|seconds"):
        runtime.start(unchecked(RUNAWAY), {})


LOOP_AT = "<bpmn:outgoing>f_init_check</bpmn:outgoing>\n"
CHECK_AT = "<bpmn:outgoing>f_check_gw</bpmn:outgoing>"


def unchecked_with(old: str, new: str, script: str = SCRIPT) -> ParsedProcedure:
    """The procedure with `old` replaced by `new`, parsed by SpiffWorkflow alone."""
    files = replaced(procedure_bundle(), old, new)
    source = files["cap_lai_the_bhyt.bpmn"].decode().replace(SCRIPT, script)
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(source.encode(), "cap_lai_the_bhyt.bpmn")
    model = ProcedureModel("cap_lai_the_bhyt", "x", None, None, None, "", {}, {})
    spec = parser.get_spec("cap_lai_the_bhyt")
    return ParsedProcedure("cap_lai_the_bhyt", "cap_lai_the_bhyt.bpmn", model, spec, {})


@pytest.mark.timeout(20)
def test_a_loop_whose_condition_never_ends_stops_after_the_iteration_bound() -> None:
    loop = (
        "<bpmn:standardLoopCharacteristics><bpmn:loopCondition>True</bpmn:loopCondition>"
        "</bpmn:standardLoopCharacteristics>\n"
    )
    with pytest.raises(ProcessError, match=f"'init_dossier' ran {MAX_LOOP_ITERATIONS} times"):
        runtime.start(unchecked_with(LOOP_AT, LOOP_AT + loop), {})


@pytest.mark.timeout(20)
def test_a_step_running_thousands_of_tasks_stops_at_the_task_bound() -> None:
    loop = '<bpmn:standardLoopCharacteristics loopMaximum="5000" />\n'
    with pytest.raises(ProcessError, match=f"more than {MAX_TASKS_PER_STEP} tasks"):
        runtime.start(unchecked_with(LOOP_AT, LOOP_AT + loop), {})


@pytest.mark.timeout(20)
def test_a_multi_instance_over_a_long_list_is_refused() -> None:
    loop = (
        '<bpmn:multiInstanceLoopCharacteristics isSequential="false">'
        "<bpmn:loopDataInputRef>items</bpmn:loopDataInputRef>"
        "<bpmn:inputDataItem id='item' name='item' />"
        "</bpmn:multiInstanceLoopCharacteristics>"
    )
    parsed = unchecked_with(CHECK_AT, CHECK_AT + loop, "items = list(range(1000))")
    with pytest.raises(ProcessError, match=f"1000 instances; at most {MAX_LOOP_ITERATIONS}"):
        runtime.start(parsed, {})
    # within the bound, the same diagram runs
    workflow, outcome = runtime.start(
        unchecked_with(CHECK_AT, CHECK_AT + loop, "items = list(range(3))"), {}
    )
    assert [t.bpmn_id for t in outcome.ready] == ["check_dossier"] * 3


@pytest.mark.timeout(20)
def test_a_step_s_scripts_share_one_operation_budget() -> None:
    """Many cheap script runs in one step (a loop of 100 iterations of 20,000 operations each)
    are stopped: the bound is on the step, not on each evaluation."""
    loop = '<bpmn:standardLoopCharacteristics loopMaximum="100" />\n'
    script = "n = 0\nfor a in range(10000):\n    n += 1"
    with pytest.raises(ProcessError, match="operations|seconds"):
        runtime.start(unchecked_with(LOOP_AT, LOOP_AT + loop, script), {})


def test_a_script_writing_nan_fails_the_step_with_a_clear_message() -> None:
    with pytest.raises(ProcessError, match="'init_dossier': the script computed nan"):
        runtime.start(unchecked("x = {'a': [float('na' + 'n')]}"), {})
