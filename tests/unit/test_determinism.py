"""Diagram scripts must give the same result when an auditor replays them: whatever could differ
between two runs (clock, randomness, I/O, identity, set order) is refused at deploy."""

from __future__ import annotations

import pytest

from engine.definitions.bundles import bundle_from_directory, validate_bundle
from engine.errors import InvalidDefinitionError
from engine.spiff.scripting import SandboxedEnvironment, UnsafeScriptError, check_source
from tests.conftest import REPO

NOT_DETERMINISTIC = [
    "import random",
    "import datetime\nnow = datetime.datetime.now()",
    "from time import time",
    "stamp = now()",
    "stamp = datetime.now()",
    "pick = random.choice(items)",
    "key = uuid4()",
    "key = hash(name)",
    "key = id(items)",
    "names = set(items)",
    "names = {'a', 'b'}",
    "names = list({x for x in items})",
    "first = sorted({1, 2})[0]",
    "text = open('/dev/urandom').read()",
    "answer = input()",
]


@pytest.mark.parametrize("source", NOT_DETERMINISTIC)
def test_non_deterministic_constructs_are_refused(source: str) -> None:
    with pytest.raises(UnsafeScriptError):
        check_source(source, "exec")


def test_a_set_may_still_be_used_to_test_membership() -> None:
    env = SandboxedEnvironment()
    assert env.evaluate('decision in {"accept", "approve"}', {"decision": "approve"}) is True
    assert env.evaluate("code not in {1, 2}", {"code": 3}) is True


def test_a_diagram_whose_script_iterates_a_set_is_refused_at_deploy() -> None:
    bundle = bundle_from_directory(REPO / "bpmn" / "cap_lai_the_bhyt.bpmn", REPO / "forms")
    bundle["cap_lai_the_bhyt.bpmn"] = bundle["cap_lai_the_bhyt.bpmn"].replace(
        b"<bpmn:script>supplement_rounds = 0</bpmn:script>",
        b"<bpmn:script>supplement_rounds = len([x for x in {1, 2}]) - 2</bpmn:script>",
    )
    with pytest.raises(InvalidDefinitionError) as refused:
        validate_bundle(bundle)
    [problem] = refused.value.problems
    assert problem.element_id == "init_dossier"
    assert "sets are only allowed after 'in'" in problem.message
