"""Scripts and conditions run within bounds: steps, time, and the size of what they build."""

from __future__ import annotations

import time
from typing import Any

import pytest

from engine.spiff.limits import MAX_STEPS, ScriptLimitError
from engine.spiff.scripting import SandboxedEnvironment, UnsafeScriptError, check_source

RUNAWAY = [
    ("eval", "[a * b for a in range(10000) for b in range(10000)]"),
    ("eval", "sum(1 for a in range(10000) for b in range(10000))"),
    ("exec", "n = 0\nfor a in range(10000):\n    for b in range(10000):\n        n += 1"),
    ("eval", "any(x < 0 for x in range(10000) for y in range(10000))"),
]
TOO_BIG = [
    ("eval", "'x' * 100000000", "longer than"),
    ("eval", "[0] * 100000000", "longer than"),
    ("exec", "s = 'ab'\nfor i in range(40):\n    s = s + s", "longer than"),
    ("exec", "s = 'ab'\nfor i in range(40):\n    s += s", "longer than"),
    ("exec", "items = [1]\nfor i in range(40):\n    items.extend(items)", "extend()"),
    ("eval", "'1'.zfill(1000000000)", "zfill()"),
    ("eval", "','.join(['abc'] * 50000)", "join()"),
    ("exec", "n = 3\nfor i in range(40):\n    n = n * n", "number larger"),
    ("exec", "template = 'a%sb'\nresult = template % 1", "'%' formatting"),
]


@pytest.mark.timeout(10)
@pytest.mark.parametrize(("mode", "source"), RUNAWAY)
def test_runaway_loops_stop_after_the_step_budget(mode: str, source: str) -> None:
    env = SandboxedEnvironment()
    started = time.perf_counter()
    with pytest.raises(ScriptLimitError, match=f"more than {MAX_STEPS} steps"):
        if mode == "eval":
            env.evaluate(source, {})
        else:
            env.execute(source, {})
    assert time.perf_counter() - started < 5


@pytest.mark.parametrize(("mode", "source", "message"), TOO_BIG)
def test_values_too_large_to_build_are_refused_before_they_are_built(
    mode: str, source: str, message: str
) -> None:
    env = SandboxedEnvironment()
    with pytest.raises(ScriptLimitError, match=message):
        if mode == "eval":
            env.evaluate(source, {})
        else:
            env.execute(source, {})


def test_huge_format_widths_and_computed_specs_are_refused_before_running() -> None:
    with pytest.raises(UnsafeScriptError, match="format widths"):
        check_source("f'{amount:>1000000000}'", "eval")
    with pytest.raises(UnsafeScriptError, match="written out"):
        check_source("f'{amount:{width}}'", "eval")
    with pytest.raises(UnsafeScriptError, match="'%' formatting"):
        check_source("'%s and %s' % (1, 2)", "eval")
    assert SandboxedEnvironment().evaluate("f'{amount:>8,}'", {"amount": 1500000}) == "1,500,000"
    assert SandboxedEnvironment().evaluate("17 % 5", {}) == 2


def test_bounded_scripts_still_do_ordinary_work() -> None:
    env = SandboxedEnvironment()
    context: dict[str, Any] = {"months": [12, 30, 96], "rate": 1.5, "salary": 6_000_000}
    env.execute(
        "total = sum(months)\n"
        "benefit = round(total / 12 * rate * salary)\n"
        "labels = ', '.join(str(m) for m in months)\n"
        "counts = {}\n"
        "for m in months:\n"
        "    counts[m] = counts.get(m, 0) + 1",
        context,
    )
    assert context["total"] == 138
    assert context["benefit"] == 103_500_000
    assert context["labels"] == "12, 30, 96"
    assert context["counts"] == {12: 1, 30: 1, 96: 1}


def test_the_step_budget_is_restored_after_each_run() -> None:
    import sys

    before = sys.gettrace()
    SandboxedEnvironment().evaluate("sum(range(100))", {})
    with pytest.raises(ScriptLimitError):
        SandboxedEnvironment().evaluate("[1 for a in range(9999) for b in range(9999)]", {})
    assert sys.gettrace() is before
