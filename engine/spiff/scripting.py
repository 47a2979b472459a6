"""The restricted expression language of diagrams: conditions, scripts and timer expressions.

SpiffWorkflow would `eval`/`exec` diagram text as plain Python (reference notes P12). We parse it
first and accept only an allow-list of syntax: no imports, no function or class definitions, no
`while`, no names or attributes starting with `_`, calls only to a fixed set of pure functions and
methods. It then runs with a builtins table holding only those functions, within the step, time
and size bounds of `limits`. The same check runs at deploy time (`check_source`) and again before
every evaluation.

Scripts must also be deterministic, because auditors replay dossiers from their events and must
get the same result: nothing reads a clock, randomness or I/O, and sets are refused except as the
right side of `in` (a set's iteration order changes from one process to the next).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from functools import lru_cache
from types import CodeType
from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

from engine.spiff import limits
from engine.spiff.limits import ScriptLimitError, UnsafeScriptError

__all__ = ["ScriptLimitError", "UnsafeScriptError", "check_source", "make_script_engine"]

MAX_RANGE = 10_000
MAX_SOURCE_CHARS = 10_000
MAX_FORMAT_WIDTH = 1_000
_DIGITS = re.compile(r"\d+")


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
    "True": True,
    "False": False,
    "None": None,
}
SAFE_METHODS = frozenset(
    {
        "get",
        "keys",
        "values",
        "items",
        "copy",
        "append",
        "extend",
        "count",
        "index",
        "lower",
        "upper",
        "strip",
        "lstrip",
        "rstrip",
        "split",
        "startswith",
        "endswith",
        "replace",
        "join",
        "isdigit",
        "isalpha",
        "isalnum",
        "title",
        "casefold",
        "zfill",
    }
)
_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Module,
    ast.Expression,
    ast.Expr,
    ast.Assign,
    ast.AugAssign,
    ast.If,
    ast.For,
    ast.Pass,
    ast.Break,
    ast.Continue,
    ast.IfExp,
    ast.BoolOp,
    ast.BinOp,
    ast.UnaryOp,
    ast.Compare,
    ast.Call,
    ast.Name,
    ast.Constant,
    ast.List,
    ast.Tuple,
    ast.Dict,
    ast.Set,
    ast.Subscript,
    ast.Slice,
    ast.Attribute,
    ast.ListComp,
    ast.SetComp,
    ast.DictComp,
    ast.GeneratorExp,
    ast.comprehension,
    ast.JoinedStr,
    ast.FormattedValue,
    ast.keyword,
    ast.Load,
    ast.Store,
    ast.And,
    ast.Or,
    ast.Add,
    ast.Sub,
    ast.Mult,
    ast.Div,
    ast.FloorDiv,
    ast.Mod,
    ast.USub,
    ast.UAdd,
    ast.Not,
    ast.Eq,
    ast.NotEq,
    ast.Lt,
    ast.LtE,
    ast.Gt,
    ast.GtE,
    ast.In,
    ast.NotIn,
    ast.Is,
    ast.IsNot,
)


def check_source(source: str, mode: str, extra_functions: frozenset[str] = frozenset()) -> ast.AST:
    """Parse `source` ('eval' or 'exec') and refuse anything outside the restricted language.

    Raises:
        UnsafeScriptError: with the offending line.
    """
    if len(source) > MAX_SOURCE_CHARS:
        raise UnsafeScriptError(f"script longer than {MAX_SOURCE_CHARS} characters")
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        raise UnsafeScriptError(f"syntax error: {exc.msg}", exc.lineno) from exc
    callable_names = set(SAFE_FUNCTIONS) | extra_functions
    membership_sets = {
        id(right)
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare)
        for op, right in zip(node.ops, node.comparators, strict=True)
        if isinstance(op, ast.In | ast.NotIn)
    }
    for node in ast.walk(tree):
        line = getattr(node, "lineno", None)
        if not isinstance(node, _ALLOWED_NODES):
            raise UnsafeScriptError(
                f"'{type(node).__name__}' is not allowed in diagram scripts", line
            )
        if isinstance(node, ast.Name) and node.id.startswith("_"):
            raise UnsafeScriptError(f"name '{node.id}' is not allowed (leading underscore)", line)
        if isinstance(node, ast.Attribute):
            if node.attr.startswith("_"):
                raise UnsafeScriptError(f"attribute '{node.attr}' is not allowed", line)
            if node.attr not in SAFE_METHODS:
                raise UnsafeScriptError(f"attribute '.{node.attr}' is not allowed", line)
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                if func.id not in callable_names:
                    raise UnsafeScriptError(f"function '{func.id}' is not allowed", line)
            elif not isinstance(func, ast.Attribute):
                raise UnsafeScriptError(
                    "only named functions and allowed methods may be called", line
                )
        if isinstance(node, ast.Set | ast.SetComp) and id(node) not in membership_sets:
            raise UnsafeScriptError(
                "sets are only allowed after 'in': their order differs between runs, so a replay "
                "could differ; use a list",
                line,
            )
        if isinstance(node, ast.Constant) and isinstance(node.value, (bytes, complex)):
            raise UnsafeScriptError("bytes and complex literals are not allowed", line)
        if (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Mod)
            and isinstance(node.left, ast.JoinedStr | ast.Constant)
            and not isinstance(getattr(node.left, "value", ""), int | float)
        ):
            raise UnsafeScriptError("'%' formatting of text is not allowed; use an f-string", line)
        if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
            _check_format_spec(node.format_spec, line)
    return tree


def _check_format_spec(spec: ast.expr, line: int | None) -> None:
    """`f"{x:>999999999}"` would allocate gigabytes in one call: specs are fixed and small."""
    parts = spec.values if isinstance(spec, ast.JoinedStr) else [spec]
    for part in parts:
        if not isinstance(part, ast.Constant):
            raise UnsafeScriptError("format specifications must be written out, not computed", line)
        widths = [int(d) for d in _DIGITS.findall(str(part.value))]
        if any(width > MAX_FORMAT_WIDTH for width in widths):
            raise UnsafeScriptError(f"format widths above {MAX_FORMAT_WIDTH} are not allowed", line)


@lru_cache(maxsize=4096)
def _compiled(source: str, mode: str, extra_functions: frozenset[str]) -> CodeType:
    tree = limits.guard(check_source(source, mode, extra_functions))
    code: CodeType = compile(tree, limits.DIAGRAM_FILENAME, mode)  # type: ignore[call-overload]
    return code


class SandboxedEnvironment(BasePythonScriptEngineEnvironment):  # type: ignore[misc]
    """Evaluates diagram expressions with task data as variables and only safe builtins."""

    def __init__(self, functions: Mapping[str, Callable[..., Any]] | None = None) -> None:
        super().__init__(dict(functions or {}))
        self._function_names = frozenset(self.globals)

    def _namespace(
        self, context: Mapping[str, Any], external: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        namespace: dict[str, Any] = {"__builtins__": dict(SAFE_FUNCTIONS), **limits.helpers()}
        namespace.update(self.globals)
        namespace.update(external or {})
        namespace.update(context)
        return namespace

    def evaluate(
        self,
        expression: str,
        context: dict[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> Any:
        code = _compiled(expression.strip(), "eval", self._function_names)
        namespace = self._namespace(context, external_context)
        with limits.Budget():
            return eval(code, namespace)  # noqa: S307 - checked above

    def execute(
        self,
        script: str,
        context: dict[str, Any],
        external_context: Mapping[str, Any] | None = None,
    ) -> bool:
        code = _compiled(script, "exec", self._function_names)
        namespace = self._namespace(context, external_context)
        before = set(namespace)
        with limits.Budget():
            exec(code, namespace)  # noqa: S102 - checked above
        hidden = (
            {"__builtins__"}
            | set(limits.helpers())
            | self._function_names
            | set(external_context or {})
        )
        for key, value in namespace.items():
            if key not in hidden and not callable(value) and (key in context or key not in before):
                context[key] = value
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise UnsafeScriptError("service tasks are not supported; model the work as a user task")


def make_script_engine(functions: Mapping[str, Callable[..., Any]] | None = None) -> Any:
    return PythonScriptEngine(environment=SandboxedEnvironment(functions))
