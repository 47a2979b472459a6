"""Timer expressions may call the functions the engine registers (`working_days`,
`before_appointment`): registering a name in `engine.definitions.cache.SCRIPT_FUNCTIONS` is
enough."""

from __future__ import annotations

import pytest

from engine.definitions import bundles
from engine.definitions.bundles import validate_bundle
from engine.errors import InvalidDefinitionError
from tests.conftest import REPO

CORPUS = REPO / "tests" / "fixtures" / "bpmn"


def bundle_with_timer(expression: str, kind: str = "timeDuration") -> dict[str, bytes]:
    diagram = (CORPUS / "broken_timer_unknown_function.bpmn").read_bytes()
    diagram = diagram.replace(b"bpmn:timeDuration", f"bpmn:{kind}".encode())
    files = {"timer.bpmn": diagram.replace(b"business_hours(8)", expression.encode())}
    files.update({p.name: p.read_bytes() for p in (CORPUS / "forms").glob("*.json")})
    return files


def test_an_unregistered_function_is_refused_naming_the_timer() -> None:
    with pytest.raises(InvalidDefinitionError) as caught:
        validate_bundle(bundle_with_timer("business_hours(8)"))
    [problem] = [p for p in caught.value.problems if p.severity == "error"]
    assert problem.element_id == "remind"
    assert "function 'business_hours' is not allowed" in problem.message


def test_a_registered_function_is_accepted_without_other_changes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bundles, "SCRIPT_FUNCTIONS", frozenset({"working_days"}))
    # working_days gives a date-time: a timeDate (in a timeDuration it is refused, see below)
    assert validate_bundle(bundle_with_timer("working_days(5)", "timeDate")).parsed.key
    with pytest.raises(InvalidDefinitionError, match="not valid|cannot be deployed"):
        validate_bundle(bundle_with_timer("working_days(5).__class__", "timeDate"))


def test_a_date_function_in_a_duration_is_refused_naming_the_timer_and_line() -> None:
    with pytest.raises(InvalidDefinitionError) as caught:
        validate_bundle(bundle_with_timer("working_days(5)"))
    [problem] = [p for p in caught.value.problems if p.severity == "error"]
    assert (problem.element_id, problem.line) == ("remind", 20)
    assert "working_days(...) gives a date-time: use it in a timeDate" in problem.message
