"""The checked wrappers every call and operation of instrumented diagram code goes through.

`instrument` rewrites `f(x)` into `call(f, x)`, `obj.m(x)` into `method(obj, "m", x)`,
`a + b` into `binop("+", a, b)` and so on. Each wrapper ticks the step's meter, refuses a
callee that is not one of the allowed functions (whatever name it was reached by) or a callable
argument, checks before computing anything whose size the arguments decide (`"a" * n`,
`zfill(n)`, `join`, `replace`, `extend`, `sum(lists, [])`), measures values that C code would walk
(text conversion, comparison, sorting) so a list holding itself many times over cannot make one
call run for minutes, and checks the size of what comes back, and that numbers stay finite.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from engine.spiff.language import MAX_RANGE, SAFE_METHODS
from engine.spiff.limits import (
    MAX_INT_BITS,
    MAX_ITEMS,
    Meter,
    ScriptLimitError,
    UnsafeScriptError,
)

CALL = "__motcua_call"
METHOD = "__motcua_method"
BINOP = "__motcua_binop"
TICK = "__motcua_tick"
WALKED = "__motcua_walked"
TEXT = "__motcua_text"
HELPER_NAMES = frozenset({CALL, METHOD, BINOP, TICK, WALKED, TEXT})


def _capped_range(*args: int) -> range:
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise UnsafeScriptError(f"range() of more than {MAX_RANGE} items is not allowed")
    return result


SAFE_FUNCTIONS: Mapping[str, Any] = {
    "abs": abs,
    "all": all,
    "any": any,
    "bool": bool,
    "dict": dict,
    "enumerate": enumerate,
    "float": float,
    "int": int,
    "isinstance": isinstance,
    "len": len,
    "list": list,
    "max": max,
    "min": min,
    "range": _capped_range,
    "reversed": reversed,
    "round": round,
    "sorted": sorted,
    "str": str,
    "sum": sum,
    "tuple": tuple,
    "zip": zip,
}
SAFE_IDS = frozenset(id(f) for f in SAFE_FUNCTIONS.values())


def allowed_ids(functions: Mapping[str, Callable[..., Any]]) -> frozenset[int]:
    """Ids of the allowed functions and of the registered diagram functions."""
    return SAFE_IDS | {id(f) for f in functions.values()}


#: Functions that walk every element of their arguments in C (or hash, compare or print them).
_WALKING = frozenset({str, sorted, min, max, sum, any, all, list, tuple, dict})
_SCALARS = frozenset({int, float, bool, type(None)})
_SIZED = frozenset({str, list, tuple, dict})
_PRECHECKED = frozenset({sum, round})
_WALKING_METHODS = frozenset({"count", "index", "join"})
_ARITHMETIC = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "//": lambda a, b: a // b,
    "%": lambda a, b: a % b,
}


class Guards:
    """The wrappers for one evaluation, bound to the step's meter and the allowed callees."""

    def __init__(self, meter: Meter, allowed: frozenset[int] | None = None) -> None:
        """`allowed`: ids of the functions that may be called (`allowed_ids`)."""
        self.meter = meter
        self._allowed = SAFE_IDS if allowed is None else allowed

    def namespace(self) -> dict[str, Any]:
        return {
            CALL: self.call,
            METHOD: self.method,
            BINOP: self.binop,
            TICK: self.meter.tick,
            WALKED: self.walked,
            TEXT: self.text,
        }

    def call(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        self.meter.tick()
        if id(func) not in self._allowed:
            raise UnsafeScriptError("only the allowed functions may be called")
        positional = args[:1] if func is isinstance else args  # isinstance(x, str) names a type
        if any(map(callable, positional)) or (kwargs and any(map(callable, kwargs.values()))):
            raise UnsafeScriptError("functions and methods cannot be passed as values")
        if func in _PRECHECKED:
            _precheck(func, args, kwargs)
        if func in _WALKING:
            for value in args:
                self.walked(value)
            for value in kwargs.values():
                self.walked(value)
        return _checked_result(func(*args, **kwargs))

    def method(self, obj: Any, name: str, *args: Any, **kwargs: Any) -> Any:
        self.meter.tick()
        if name.startswith("_") or name not in SAFE_METHODS:
            raise UnsafeScriptError(f"attribute '.{name}' is not allowed")
        if not isinstance(obj, str | list | dict | tuple):
            raise UnsafeScriptError(f"'.{name}()' is not allowed on {type(obj).__name__}")
        _refuse_callables(args, kwargs)
        if name in {"join", "extend"} and args:
            items = list(args[0]) if not isinstance(args[0], list | tuple) else args[0]
            self.meter.tick(len(items))
            args = (items, *args[1:])
        _check_method_size(obj, name, args)
        if name in _WALKING_METHODS:
            for value in (obj, *args):
                self.walked(value)
        result = getattr(obj, name)(*args, **kwargs)
        if isinstance(obj, list) and len(obj) > MAX_ITEMS:
            raise ScriptLimitError(f"the script built a list longer than {MAX_ITEMS}")
        return _checked_result(result)

    def binop(self, op: str, left: Any, right: Any) -> Any:
        self.meter.tick()
        if op == "%" and isinstance(left, str):
            raise ScriptLimitError("'%' formatting of text is not allowed; use an f-string")
        if op == "*":
            _check_repeat(left, right)
            _check_repeat(right, left)
        elif (
            op == "+"
            and _is_sized(left)
            and _is_sized(right)
            and len(left) + len(right) > MAX_ITEMS
        ):
            raise ScriptLimitError(f"the script built a value longer than {MAX_ITEMS}")
        return _checked_result(_ARITHMETIC[op](left, right))

    def walked(self, value: Any) -> Any:
        """Refuse `value` if C code walking it (printing, comparing, hashing) would be unbounded:
        more than MAX_ITEMS elements and characters, counted through nested containers."""
        kind = type(value)
        if kind in _SCALARS:
            return value
        if kind is str:
            if len(value) > MAX_ITEMS:
                raise ScriptLimitError(f"the script used a text longer than {MAX_ITEMS}")
            return value
        total = 0
        stack = [value]
        while stack:
            item = stack.pop()
            kind = type(item)
            if kind is dict:
                elements: Any = [*item.keys(), *item.values()]
            elif kind is list or kind is tuple:
                elements = item
            elif kind is str:
                total += len(item)
                elements = ()
            else:
                total += 1
                elements = ()
            if elements:
                total += len(elements)
                kinds = set(map(type, elements))
                if not kinds <= _SCALARS:  # texts and containers inside: look at each one
                    stack.extend(e for e in elements if type(e) not in _SCALARS)
            if total > MAX_ITEMS:
                raise ScriptLimitError(
                    f"the script used a value of more than {MAX_ITEMS} elements in all"
                )
        self.meter.tick(1 + total // 64)
        return value

    def text(self, value: str) -> str:
        """An f-string's result (its parts were `walked` before formatting)."""
        if len(value) > MAX_ITEMS:
            raise ScriptLimitError(f"the script built a text longer than {MAX_ITEMS}")
        return value


def _precheck(func: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    if func is sum and (len(args) > 1 or "start" in kwargs):
        start = args[1] if len(args) > 1 else kwargs["start"]
        if not isinstance(start, int | float):
            raise UnsafeScriptError("sum() adds numbers only; use join() or a loop")
    if func is round and len(args) > 1 and isinstance(args[1], int) and abs(args[1]) > 100:
        raise ScriptLimitError("round() to more than 100 digits is not allowed")


def _refuse_callables(args: Iterable[Any], kwargs: Mapping[str, Any]) -> None:
    if any(callable(value) for value in (*args, *kwargs.values())):
        raise UnsafeScriptError("functions and methods cannot be passed as values")


def _check_method_size(obj: Any, name: str, args: tuple[Any, ...]) -> None:
    if name == "zfill" and args and isinstance(args[0], int) and args[0] > MAX_ITEMS:
        raise ScriptLimitError(f"zfill() wider than {MAX_ITEMS}")
    if name == "replace" and isinstance(obj, str) and len(args) >= 2:
        old, new = str(args[0]), str(args[1])
        hits = obj.count(old) if old else len(obj) + 1
        if len(obj) + hits * max(0, len(new) - len(old)) > MAX_ITEMS:
            raise ScriptLimitError(f"replace() would build a text longer than {MAX_ITEMS}")
    if name in {"join", "extend"} and args:
        items = args[0]
        if name == "join":
            size = len(obj) * max(0, len(items) - 1)
            size += sum(len(i) for i in items if isinstance(i, str))
        else:
            size = len(obj) + len(items)
        if size > MAX_ITEMS:
            raise ScriptLimitError(f"{name}() would build a value longer than {MAX_ITEMS}")


def _checked_result(result: Any) -> Any:
    kind = type(result)
    if kind is int:
        if result.bit_length() > MAX_INT_BITS:
            raise ScriptLimitError(f"the script built a number larger than 2**{MAX_INT_BITS}")
    elif kind is float:
        if not math.isfinite(result):
            raise ScriptLimitError(f"the script computed {result}, which is not a number to store")
    elif kind in _SIZED and len(result) > MAX_ITEMS:
        raise ScriptLimitError(f"the script built a value longer than {MAX_ITEMS}")
    return result


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
