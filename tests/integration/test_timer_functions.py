"""Timer expressions may call the functions the engine registers (`working_days`,
`before_appointment`): registering a name in `engine.definitions.SCRIPT_FUNCTIONS` is enough."""

from __future__ import annotations

import pytest

from engine.errors import InvalidDefinitionError
from engine.services import definitions
from tests.conftest import REPO

CORPUS = REPO / "tests" / "fixtures" / "bpmn"


def bundle_with_timer(expression: str) -> dict[str, bytes]:
    diagram = (CORPUS / "broken_timer_unknown_function.bpmn").read_bytes()
    files = {"timer.bpmn": diagram.replace(b"business_hours(8)", expression.encode())}
    files.update({p.name: p.read_bytes() for p in (CORPUS / "forms").glob("*.json")})
    return files


def test_an_unregistered_function_is_refused_naming_the_timer() -> None:
    with pytest.raises(InvalidDefinitionError) as caught:
        definitions.validate_bundle(bundle_with_timer("business_hours(8)"))
    [problem] = [p for p in caught.value.problems if p.severity == "error"]
    assert problem.element_id == "remind"
    assert "function 'business_hours' is not allowed" in problem.message


def test_a_registered_function_is_accepted_without_other_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(definitions, "SCRIPT_FUNCTIONS", frozenset({"working_days"}))
    assert definitions.validate_bundle(bundle_with_timer("working_days(5)")).parsed.key
    with pytest.raises(InvalidDefinitionError, match="not valid|cannot be deployed"):
        definitions.validate_bundle(bundle_with_timer("working_days(5).__class__"))
