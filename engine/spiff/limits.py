"""Bounds on what a diagram expression or script may cost while it runs: steps, time and size.

The allow-list in `scripting` keeps scripts away from the interpreter's internals; this module
keeps them from running for ever or filling memory. Steps are counted with a trace function
(every line, loop iteration and comprehension step is one), so a runaway loop stops at the same
point on every run; wall time is a second safety net. Operations that could build a huge value
in one C-level call (`"x" * n`, `s + s` in a loop, `zfill`, `join`, `extend`, `%`-formatting)
go through guards that check the size first.
"""

from __future__ import annotations

import ast
import copy
import sys
import time
from types import FrameType, TracebackType
from typing import Any, Self

MAX_STEPS = 200_000
MAX_SECONDS = 2.0
#: Longest string, list or tuple a script may build.
MAX_ITEMS = 100_000
MAX_INT_BITS = 4_096
_CHECK_CLOCK_EVERY = 1_000
DIAGRAM_FILENAME = "<diagram>"
BINOP_HELPER = "__motcua_binop"
METHOD_HELPER = "__motcua_method"
_GUARDED_OPS = {ast.Add: "+", ast.Mult: "*", ast.Mod: "%"}


class UnsafeScriptError(ValueError):
    """The diagram text uses something outside the restricted language."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message if line is None else f"line {line}: {message}")
        self.line = line


class ScriptLimitError(UnsafeScriptError):
    """A script ran too long or tried to build a value that is too large."""


class Budget:
    """`with Budget(): eval(...)` stops the code after MAX_STEPS steps or MAX_SECONDS."""

    def __init__(self, max_steps: int = MAX_STEPS, max_seconds: float = MAX_SECONDS) -> None:
        self.max_steps = max_steps
        self.max_seconds = max_seconds
        self.steps = 0
        self._deadline = 0.0
        self._previous: Any = None

    def __enter__(self) -> Self:
        self.steps = 0
        # Wall time here bounds CPU use; it is not domain time, which only comes from the clock.
        self._deadline = time.perf_counter() + self.max_seconds
        self._previous = sys.gettrace()
        sys.settrace(self._trace)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        sys.settrace(self._previous)

    def _trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        self.steps += 1
        if self.steps > self.max_steps:
            raise ScriptLimitError(f"the script ran more than {self.max_steps} steps")
        if self.steps % _CHECK_CLOCK_EVERY == 0 and time.perf_counter() > self._deadline:
            raise ScriptLimitError(f"the script ran longer than {self.max_seconds} seconds")
        # Lines of the diagram's own code are steps; a guard or builtin called from it is one.
        return self._trace if frame.f_code.co_filename == DIAGRAM_FILENAME else None


def guard(tree: ast.AST) -> ast.AST:
    """Route `+`, `*`, `%` and method calls of a checked tree through the size guards."""
    guarded: ast.AST = _Guard().visit(tree)
    return ast.fix_missing_locations(guarded)


def helpers() -> dict[str, Any]:
    """The guard functions, to put in the namespace the guarded code runs in."""
    return {BINOP_HELPER: binop, METHOD_HELPER: call_method}


def binop(op: str, left: Any, right: Any) -> Any:
    if op == "%":
        if isinstance(left, str):
            raise ScriptLimitError("'%' formatting of text is not allowed; use an f-string")
        return left % right
    if op == "*":
        _check_repeat(left, right)
        _check_repeat(right, left)
        result = left * right
    else:
        if _is_sized(left) and _is_sized(right) and len(left) + len(right) > MAX_ITEMS:
            raise ScriptLimitError(f"the script built a value longer than {MAX_ITEMS}")
        result = left + right
    if isinstance(result, int) and result.bit_length() > MAX_INT_BITS:
        raise ScriptLimitError(f"the script built a number larger than 2**{MAX_INT_BITS}")
    return result


def call_method(obj: Any, name: str, *args: Any, **kwargs: Any) -> Any:
    if name.startswith("_"):
        raise UnsafeScriptError(f"attribute '{name}' is not allowed")
    if name == "zfill" and args and isinstance(args[0], int) and args[0] > MAX_ITEMS:
        raise ScriptLimitError(f"zfill() wider than {MAX_ITEMS}")
    if name == "replace" and isinstance(obj, str) and len(args) >= 2:
        old, new = str(args[0]), str(args[1])
        hits = obj.count(old) if old else len(obj) + 1
        if len(obj) + hits * max(0, len(new) - len(old)) > MAX_ITEMS:
            raise ScriptLimitError(f"replace() would build a text longer than {MAX_ITEMS}")
    if name in {"join", "extend"} and args:
        items = list(args[0])
        size = len(obj) * max(0, len(items) - 1) if name == "join" else len(obj)
        size += sum(len(i) for i in items if isinstance(i, str)) if name == "join" else len(items)
        if size > MAX_ITEMS:
            raise ScriptLimitError(f"{name}() would build a value longer than {MAX_ITEMS}")
        args = (items, *args[1:])
    return getattr(obj, name)(*args, **kwargs)


def _is_sized(value: Any) -> bool:
    return isinstance(value, str | bytes | list | tuple)


def _check_repeat(sequence: Any, times: Any) -> None:
    if _is_sized(sequence) and isinstance(times, int) and len(sequence) * times > MAX_ITEMS:
        raise ScriptLimitError(f"the script built a value longer than {MAX_ITEMS}")
    if (
        isinstance(sequence, int)
        and isinstance(times, int)
        and sequence.bit_length() + times.bit_length() > MAX_INT_BITS
    ):
        raise ScriptLimitError(f"the script built a number larger than 2**{MAX_INT_BITS}")


class _Guard(ast.NodeTransformer):
    def visit_BinOp(self, node: ast.BinOp) -> ast.AST:
        self.generic_visit(node)
        symbol = _GUARDED_OPS.get(type(node.op))
        if symbol is None:
            return node
        return ast.copy_location(
            _call(BINOP_HELPER, ast.Constant(symbol), node.left, node.right), node
        )

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.AST:
        self.generic_visit(node)
        symbol = _GUARDED_OPS.get(type(node.op))
        if symbol is None:
            return node
        current = copy.deepcopy(node.target)
        current.ctx = ast.Load()
        value = _call(BINOP_HELPER, ast.Constant(symbol), current, node.value)
        return ast.copy_location(ast.Assign(targets=[node.target], value=value), node)

    def visit_Call(self, node: ast.Call) -> ast.AST:
        self.generic_visit(node)
        if not isinstance(node.func, ast.Attribute):
            return node
        method = node.func
        call = _call(METHOD_HELPER, method.value, ast.Constant(method.attr), *node.args)
        call.keywords = node.keywords
        return ast.copy_location(call, node)


def _call(helper: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ast.Name(id=helper, ctx=ast.Load()), args=list(args), keywords=[])
