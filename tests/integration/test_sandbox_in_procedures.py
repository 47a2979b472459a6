"""Known escapes and runaway scripts are refused when a diagram is deployed AND when a workflow
runs, even one whose diagram never went through the deploy checks (e.g. a tampered row)."""

from __future__ import annotations

import pytest
from SpiffWorkflow.spiff.parser import SpiffBpmnParser

from engine.errors import InvalidDefinitionError, ProcessError
from engine.procedures import ProcedureModel
from engine.services.definitions import validate_bundle
from engine.spiff import runtime
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
