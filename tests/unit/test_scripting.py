"""The restricted expression language: what diagrams may and may not run."""

from __future__ import annotations

from typing import Any

import pytest

from engine.spiff.scripting import SandboxedEnvironment, UnsafeScriptError, check_source

ESCAPES = [
    "().__class__.__mro__[1].__subclasses__()",
    "__import__('os').system('id')",
    "open('/etc/passwd').read()",
    "eval('1+1')",
    "exec('x=1')",
    "getattr(decision, '__class__')",
    "[c for c in ().__class__.__base__.__subclasses__()]",
    "decision.format()",
    "type(decision)",
    "(lambda: 1)()",
    "globals()",
    "_private",
    "'{0.__class__}'.format(1)",
]


@pytest.mark.parametrize("source", ESCAPES)
def test_known_escapes_are_refused_before_running(source: str) -> None:
    with pytest.raises(UnsafeScriptError):
        check_source(source, "eval")


@pytest.mark.parametrize(
    "source",
    [
        "import os",
        "from os import path",
        "def f(): pass",
        "class A: pass",
        "while True: pass",
        "try:\n    x = 1\nexcept Exception:\n    pass",
        "with open('x') as f: pass",
        "global x",
        "del x",
    ],
)
def test_statements_outside_the_language_are_refused(source: str) -> None:
    with pytest.raises(UnsafeScriptError):
        check_source(source, "exec")


def test_escapes_are_refused_at_run_time_too() -> None:
    env = SandboxedEnvironment()
    with pytest.raises(UnsafeScriptError):
        env.evaluate("().__class__.__mro__[1].__subclasses__()", {})
    with pytest.raises(UnsafeScriptError):
        env.execute("x = ().__class__", {})


def test_ordinary_conditions_and_scripts_work_on_task_data() -> None:
    env = SandboxedEnvironment()
    assert env.evaluate('decision == "accept"', {"decision": "accept"}) is True
    assert env.evaluate("len(items) > 1 and max(items) < 10", {"items": [1, 5]}) is True
    context: dict[str, Any] = {"supplement_rounds": 0, "items": [3, 1]}
    env.execute("supplement_rounds = supplement_rounds + 1\nordered = sorted(items)", context)
    assert context == {"supplement_rounds": 1, "items": [3, 1], "ordered": [1, 3]}


def test_huge_ranges_are_refused() -> None:
    with pytest.raises(UnsafeScriptError, match="range"):
        SandboxedEnvironment().evaluate("sum(range(1000000000))", {})


@pytest.mark.parametrize("source", ESCAPES)
def test_every_known_escape_is_refused_at_run_time_as_expression_and_as_script(
    source: str,
) -> None:
    env = SandboxedEnvironment()
    with pytest.raises(UnsafeScriptError):
        env.evaluate(source, {"decision": "accept"})
    with pytest.raises(UnsafeScriptError):
        env.execute(f"leak = {source}", {"decision": "accept"})
