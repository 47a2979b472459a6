"""DMN decision tables (Python entries) run inside the same sandbox as scripts."""

from __future__ import annotations

import pytest

from engine.errors import InvalidDefinitionError
from engine.spiff import runtime
from engine.spiff.parser import parse_bundle
from tests.conftest import REPO

CORPUS = REPO / "tests" / "fixtures" / "bpmn"


def files(stem: str) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in (CORPUS / f"{stem}.bpmn", CORPUS / f"{stem}.dmn")}


@pytest.mark.parametrize(("reason", "fee"), [("lost", 20000), ("damaged", 0)])
def test_a_business_rule_task_takes_its_result_from_the_table(reason: str, fee: int) -> None:
    _workflow, outcome = runtime.start(parse_bundle(files("valid_spiff_dmn")), {"reason": reason})
    assert [task.bpmn_id for task in outcome.ready] == ["review"]
    assert outcome.data["fee"] == fee


def test_an_escape_in_a_table_entry_is_refused_when_parsed() -> None:
    with pytest.raises(InvalidDefinitionError) as caught:
        parse_bundle(files("broken_dmn_escape"))
    [problem] = [p for p in caught.value.problems if p.severity == "error"]
    assert (problem.file, problem.element_id) == ("broken_dmn_escape.dmn", "rule_other_in")
