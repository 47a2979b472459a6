"""Overhead of the instrumented sandbox (issue 12 A2) against the one it replaced, as ratios.

    .venv/bin/python bench/sandbox.py

The old sandbox ran the checked code under a `sys.settrace` step budget, with only `+`, `*`,
`%` and method calls routed through size guards; it is reproduced here (`_old_*`) so the two
can be compared in one run on one machine. The new one rewrites the code so that every call,
operation, loop iteration and comprehension step goes through the checked wrappers and ticks
the step's meter, with no trace function. Each case is also timed as plain `eval`/`exec`.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from engine.spiff import limits
from engine.spiff.guards import SAFE_FUNCTIONS
from engine.spiff.language import check_source
from engine.spiff.scripting import SandboxedEnvironment

CASES = [
    ("typical condition", "eval", 'decision == "accept" and supplement_rounds == 0'),
    ("condition with calls", "eval", "len(missing_documents) > 0 and max(months) < 200"),
    ("120-step script", "exec", "total = 0\nfor m in months:\n    total = total + m"),
    ("script with methods", "exec", "labels = ', '.join(str(m) for m in months[:20]).upper()"),
]
DATA = {
    "decision": "accept",
    "supplement_rounds": 0,
    "months": list(range(120)),
    "missing_documents": ["Bản sao CCCD"],
}
_OLD_FILENAME = "<old-diagram>"


def timed(action: Callable[[], object], repeat: int = 7, number: int = 2000) -> float:
    """Median seconds per call over `repeat` runs of `number` calls."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(number):
            action()
        runs.append((time.perf_counter() - started) / number)
    return statistics.median(runs)


class _OldBudget:
    """The replaced bound: a trace function counting lines, the clock every 1,000 steps."""

    def __init__(self) -> None:
        self.steps = 0
        self.deadline = time.perf_counter() + 2.0

    def trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        self.steps += 1
        if self.steps > 200_000:
            raise RuntimeError("steps")
        if self.steps % 1000 == 0 and time.perf_counter() > self.deadline:
            raise RuntimeError("time")
        return self.trace if frame.f_code.co_filename == _OLD_FILENAME else None


def _old_binop(op: str, left: Any, right: Any) -> Any:
    if op == "*":
        return left * right
    if op == "%":
        return left % right
    return left + right


def _old_method(obj: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    return getattr(obj, name)(*args, **kwargs)


def old_runner(source: str, mode: str) -> Callable[[], object]:
    """The old path: the checked tree compiled with calls to `_old_*` guards, under a trace."""
    import ast

    class Guard(ast.NodeTransformer):
        def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
            self.generic_visit(node)
            symbols = {ast.Add: "+", ast.Mult: "*", ast.Mod: "%"}
            if type(node.op) not in symbols:
                return node
            call = ast.Call(
                ast.Name("old_binop", ast.Load()),
                [ast.Constant(symbols[type(node.op)]), node.left, node.right],
                [],
            )
            return ast.copy_location(call, node)

        def visit_Call(self, node: ast.Call) -> ast.AST:
            self.generic_visit(node)
            if not isinstance(node.func, ast.Attribute):
                return node
            args = [node.func.value, ast.Constant(node.func.attr), *node.args]
            call = ast.Call(ast.Name("old_method", ast.Load()), args, node.keywords)
            return ast.copy_location(call, node)

    tree = ast.fix_missing_locations(Guard().visit(check_source(source, mode)))
    code = compile(tree, _OLD_FILENAME, mode)

    def run() -> object:
        namespace = {
            "__builtins__": dict(SAFE_FUNCTIONS),
            "old_binop": _old_binop,
            "old_method": _old_method,
            **DATA,
        }
        budget = _OldBudget()
        previous = sys.gettrace()
        sys.settrace(budget.trace)
        try:
            if mode == "eval":
                return eval(code, namespace)  # noqa: S307 - fixed benchmark text
            exec(code, namespace)  # noqa: S102 - fixed benchmark text
            return None
        finally:
            sys.settrace(previous)

    return run


def new_runner(source: str, mode: str) -> Callable[[], object]:
    env = SandboxedEnvironment()

    def run() -> object:
        with limits.metered():
            if mode == "eval":
                return env.evaluate(source, dict(DATA))
            return env.execute(source, dict(DATA))

    return run


def plain_runner(source: str, mode: str) -> Callable[[], object]:
    code = compile(source, "<plain>", mode)

    def run() -> object:
        namespace = dict(DATA)
        if mode == "eval":
            return eval(code, namespace)  # noqa: S307 - fixed benchmark text
        exec(code, namespace)  # noqa: S102 - fixed benchmark text
        return None

    return run


def main() -> None:
    print(
        f"{'case':22} {'new µs':>8} {'old µs':>8} {'plain µs':>9} {'new/old':>8} {'new/plain':>9}"
    )
    for label, mode, source in CASES:
        new = timed(new_runner(source, mode))
        old = timed(old_runner(source, mode))
        plain = timed(plain_runner(source, mode))
        print(
            f"{label:22} {new * 1e6:8.1f} {old * 1e6:8.1f} {plain * 1e6:9.1f} "
            f"{new / old:8.2f} {new / plain:9.1f}"
        )


if __name__ == "__main__":
    main()
