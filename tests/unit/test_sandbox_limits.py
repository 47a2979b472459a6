"""Scripts and conditions run within bounds: operations, time, and the size of what they build,
whatever way a script reaches a function (issue 12 A2) and however deeply it nests (A6)."""

from __future__ import annotations

import time
from typing import Any

import pytest

from engine.spiff import limits
from engine.spiff.limits import MAX_OPERATIONS, Meter, ScriptLimitError
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
    # On a busy machine the two-second deadline may come first: either bound stops it.
    with pytest.raises(ScriptLimitError, match=f"more than {MAX_OPERATIONS} operations|seconds"):
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


def test_one_meter_counts_every_evaluation_of_a_step() -> None:
    env = SandboxedEnvironment()
    with limits.metered(Meter(max_operations=30_000)) as meter:
        env.evaluate("sum(1 for a in range(10000))", {})
        env.evaluate("sum(1 for a in range(10000))", {})
        with pytest.raises(ScriptLimitError, match="more than 30000 operations"):
            env.evaluate("sum(1 for a in range(10000))", {})
    assert meter.operations > 30_000
    assert env.evaluate("sum(1 for a in range(10000))", {}) == 10_000  # a fresh step


def test_the_deadline_is_read_from_a_monotonic_clock_and_stops_the_step() -> None:
    readings = iter(range(0, 10_000_000, 1))  # each reading is one second later: no sleeping
    meter = Meter(max_seconds=2.0, monotonic=lambda: float(next(readings)))
    with (
        limits.metered(meter),
        pytest.raises(ScriptLimitError, match="longer than 2 seconds"),
    ):
        SandboxedEnvironment().execute("n = 0\nfor a in range(10000):\n    n += 1", {})
    assert meter.operations < 10_000


#: Ways to reach a method or function without writing `obj.method(...)` (issue 12 A2), which
#: built 200-million-character strings before.
BYPASSES = [
    "abs = '1'.zfill\nx = abs(200000000)",
    "x = sorted(['1'], key='a'.zfill)",
    "x = [f(200000000) for f in ['1'.zfill]]",
    "x = any(f(200000000) for f in ['1'.zfill])",
    "x = [1 for abs in ['1'.zfill]]",
    "for len in ['1'.zfill]:\n    x = len(200000000)",
    "f = len",
    "x = sorted(['b', 'a'], key=len)",
    "x = max([[1]], key=len)",
    "s = 'a'\nz = s.zfill\nx = z(200000000)",
    "abs += 1",
    "str = 'x'",
    "[str for str in ['a']]",
    "x = {'f': len}",
    "x = (len, 1)",
    "x = isinstance(1, len)",
    "x = 1 if True else len",
]


@pytest.mark.parametrize("source", BYPASSES)
def test_no_callable_value_can_be_bound_or_passed(source: str) -> None:
    with pytest.raises(
        UnsafeScriptError, match="may only be called|must be called|assigned|'f' is not allowed"
    ):
        check_source(source, "exec")
    with pytest.raises(UnsafeScriptError):
        SandboxedEnvironment().execute(source, {})


@pytest.mark.parametrize(
    "source",
    [
        "x = '1'.zfill(200000000)",
        "x = 'ab' * 100000000",
        "x = ['ab'] * 100000000",
        "x = 'a' * 1000000000",
        "n = 100000000\nx = 'a' * n",
        "x = sum([[0] * 50000] * 1000, [])",
        "big = [0] * 100000\nx = str([big] * 100000)",
        "big = [0] * 100000\nrows = []\nfor i in range(1000):\n    rows.append(big)\nx = str(rows)",
        "big = [0] * 100000\nx = [big for i in range(1000)] == [big for i in range(1000)]",
        "t = (1, 1)\nfor i in range(40):\n    t = (t, t)",
        "s = 'ab'\nfor i in range(40):\n    s = f'{s}{s}'",
        "x = round(5, -100000000)",
    ],
)
def test_values_too_large_are_refused_whatever_builds_them(source: str) -> None:
    started = time.perf_counter()
    with pytest.raises(UnsafeScriptError):
        SandboxedEnvironment().execute(source, {})
    assert time.perf_counter() - started < 1.5


@pytest.mark.parametrize(
    ("source", "words"),
    [
        ("not " * 2000 + "x", "nests too deeply"),
        ("(" * 200 + "x" + ")" * 200, "nests too deeply"),
        ("+".join(["x"] * 4000), "arithmetic operators"),
        ("-" * 3000 + "x", "nests too deeply"),
        ("[" * 60 + "]" * 60, "nests too deeply"),
        ("float('nan')", "cannot be stored"),
        ("float('-Infinity')", "cannot be stored"),
        ("1e999", "cannot be stored"),
        ("x * 1" + "0" * 5000, "not allowed|syntax error|Exceeds"),
    ],
)
def test_deeply_nested_huge_or_non_finite_expressions_are_refused_before_parsing(
    source: str, words: str
) -> None:
    with pytest.raises(UnsafeScriptError, match=words):
        check_source(source, "eval")
    with pytest.raises(UnsafeScriptError, match=words):
        SandboxedEnvironment().evaluate(source, {"x": True})


@pytest.mark.parametrize(
    "source",
    [
        "x = float('na' + 'n')",
        "x = 1e308 * 10",
        "x = [1.0, 1e308 - -1e308]",
        "x = {'a': 1e308 + 1e308}",
    ],
)
def test_non_finite_numbers_never_reach_task_data(source: str) -> None:
    context: dict[str, Any] = {}
    with pytest.raises(ScriptLimitError, match="nan|inf"):
        SandboxedEnvironment().execute(source, context)
    assert context == {}


def test_task_data_shadowing_a_function_name_does_not_change_the_function() -> None:
    env = SandboxedEnvironment()
    assert env.evaluate("len(items)", {"items": [1, 2], "len": "x"}) == 2
    assert env.evaluate("isinstance(n, (int, float)) and isinstance(s, str)", {"n": 1, "s": ""})


def test_what_a_script_writes_must_be_storable() -> None:
    from engine.spiff.scripting import check_storable

    with pytest.raises(ScriptLimitError, match="'rows'.*NaN and infinity cannot be stored"):
        check_storable("rows", [{"a": [1.0, float("inf")]}])
    with pytest.raises(ScriptLimitError, match="'rows' with more than"):
        check_storable("rows", [[0] * 1000] * 1000)
    check_storable("rows", [{"a": [1.0, "x", None, True]}])


def test_long_lists_of_signed_numbers_and_ordinary_sums_are_not_too_deep() -> None:
    negatives = "rates = [" + ", ".join(f"-{i}" for i in range(300)) + "]"
    context: dict[str, Any] = {}
    SandboxedEnvironment().execute(negatives + "\ntotal = 1 + 2 - 3 * 4 + -5", context)
    assert len(context["rates"]) == 300
    assert context["total"] == -14
    assert SandboxedEnvironment().evaluate(" + ".join(["1"] * 90), {}) == 90


def test_walrus_and_registered_functions_cannot_be_rebound_either() -> None:
    with pytest.raises(UnsafeScriptError, match="NamedExpr"):
        check_source("x = (abs := 1)", "exec")
    with pytest.raises(UnsafeScriptError, match="'working_days' is the name of a function"):
        check_source("working_days = 3", "exec", frozenset({"working_days"}))
    with pytest.raises(UnsafeScriptError, match="may only be called"):
        check_source("x = sorted(days, key=working_days)", "exec", frozenset({"working_days"}))
