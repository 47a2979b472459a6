"""Camunda's JUEL conditions and bare ISO timers become our Python; what cannot run is refused."""

from __future__ import annotations

import re

import pytest

from engine.spiff.juel import JuelError, to_python
from engine.spiff.scripting import SandboxedEnvironment


@pytest.mark.parametrize(
    ("juel", "data", "expected"),
    [
        ('${decision == "accept"}', {"decision": "accept"}, True),
        ("${decision eq 'refuse'}", {"decision": "accept"}, False),
        ("#{amount ge 1000 && !urgent}", {"amount": 1500, "urgent": False}, True),
        ("${amount lt 10 || applicant.age > 60}", {"amount": 50, "applicant": {"age": 61}}, True),
        ("${not (rounds == 0) and rounds le 2}", {"rounds": 1}, True),
        ("${total div 12 gt 5 and total mod 12 ne 0}", {"total": 100}, True),
        ("${items[0] == 'x'}", {"items": ["x"]}, True),
        ("${missing == null}", {"missing": None}, True),
        ("${true}", {}, True),
    ],
)
def test_simple_juel_comparisons_run_as_python(
    juel: str, data: dict[str, object], expected: bool
) -> None:
    assert SandboxedEnvironment().evaluate(to_python(juel), data) is expected


@pytest.mark.parametrize(
    ("juel", "says"),
    [
        ('${execution.getVariable("x") == 1}', "execution"),
        ("${order.size() > 1}", "method calls"),
        ("${fn(1)}", "calls"),
        ("${amount > 5 ? true : false}", "'?'"),
        ("${empty documents}", "'empty'"),
        ("${x -> x}", "'->'"),
        ("approved: ${approved}", "single ${...} expression"),
        ("${a} ${b}", "single ${...} expression"),
        ("${}", "empty"),
        ("${a @ b}", "cannot read"),
    ],
)
def test_juel_beyond_simple_comparisons_is_refused_with_the_reason(juel: str, says: str) -> None:
    with pytest.raises(JuelError, match=re.escape(says)):
        to_python(juel)
