"""The restricted expression language of diagrams: what conditions, scripts and timer
expressions may be written in (an allow-list of syntax, checked before anything runs).

No imports, no function or class definitions, no `while`, no names or attributes starting with
`_`. Values never include a callable: the allowed functions may only be *called* by name (never
assigned, rebound, stored or passed, e.g. `key=len`), and a method may only be called where it
is named (`text.zfill(3)`, never `f = text.zfill`). So every call a script makes is one the
instrumented code routes through the checked wrappers of `guards`.

The text is measured before Python's parser sees it (length, bracket and operator nesting), and
the tree after (depth, node count), so a deeply nested or very long expression is refused with
its line instead of exhausting the parser's or the compiler's recursion. Non-finite numbers
(`1e999`, `float("nan")`) are refused: they have no JSON form to store.

Scripts must also be deterministic, because auditors replay dossiers from their events and must
get the same result: nothing reads a clock, randomness or I/O, and sets are refused except as the
right side of `in` (a set's iteration order changes from one process to the next).
"""

from __future__ import annotations

import ast
import io
import keyword
import math
import re
import tokenize
from collections.abc import Mapping

from engine.spiff.limits import (
    MAX_INT_BITS,
    MAX_NESTING,
    MAX_NODES,
    MAX_SOURCE_CHARS,
    UnsafeScriptError,
)

MAX_RANGE = 10_000
MAX_FORMAT_WIDTH = 1_000
_DIGITS = re.compile(r"\d+")
#: Functions a diagram may call, by name (the values are in `guards.SAFE_FUNCTIONS`).
FUNCTION_NAMES = frozenset(
    {
        "abs",
        "all",
        "any",
        "bool",
        "dict",
        "enumerate",
        "float",
        "int",
        "isinstance",
        "len",
        "list",
        "max",
        "min",
        "range",
        "reversed",
        "round",
        "sorted",
        "str",
        "sum",
        "tuple",
        "zip",
    }
)
#: Names that may stand as the second argument of isinstance() (types, not functions to call).
TYPE_NAMES = frozenset({"bool", "dict", "float", "int", "list", "str", "tuple"})
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
_OPEN = {"(", "[", "{"}
_CLOSE = {")", "]", "}"}
_UNARY_WORDS = {"not", "-", "+", "~"}
_ARITHMETIC = {"+", "-", "*", "/", "//", "%", "**", "@", "&", "|", "^", "<<", ">>"}
MAX_OPERATORS = 2 * MAX_NESTING


def check_source(
    source: str, mode: str, extra_functions: frozenset[str] = frozenset()
) -> ast.Module | ast.Expression:
    """Parse `source` ('eval' or 'exec') and refuse anything outside the restricted language.

    Raises:
        UnsafeScriptError: with the offending line.
    """
    tree = parse(source, mode)
    callable_names = FUNCTION_NAMES | extra_functions
    parents = _parents(tree)
    membership_sets = {
        id(right)
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare)
        for op, right in zip(node.ops, node.comparators, strict=True)
        if isinstance(op, ast.In | ast.NotIn)
    }
    for node in ast.walk(tree):
        _check_node(node, parents, callable_names, membership_sets)
    return tree


def parse(source: str, mode: str) -> ast.Module | ast.Expression:
    """`ast.parse` within the size and nesting bounds, refusing instead of recursing."""
    if len(source) > MAX_SOURCE_CHARS:
        raise UnsafeScriptError(f"script longer than {MAX_SOURCE_CHARS} characters")
    _check_text_nesting(source)
    try:
        tree = ast.parse(source, mode=mode)
    except SyntaxError as exc:
        raise UnsafeScriptError(f"syntax error: {exc.msg}", exc.lineno) from exc
    except (RecursionError, MemoryError) as exc:
        raise UnsafeScriptError(
            f"the expression nests too deeply (at most {MAX_NESTING} levels)"
        ) from exc
    _check_tree_size(tree)
    assert isinstance(tree, ast.Module | ast.Expression)
    return tree


def _check_text_nesting(source: str) -> None:
    """Bracket depth and runs of prefix operators (`not not ... x`), counted on the tokens."""
    depth = 0
    unary_run = 0
    operators = 0  # arithmetic operators of the logical line: each nests one level deeper
    previous: tokenize.TokenInfo | None = None
    try:
        for token in tokenize.generate_tokens(io.StringIO(source).readline):
            text = token.string
            if token.type == tokenize.NEWLINE:
                operators = 0
            elif token.type == tokenize.OP and text in _ARITHMETIC and _ends_value(previous):
                operators += 1  # binary: `-1` in a list of negative numbers is no operator
                if operators > MAX_OPERATORS:
                    raise UnsafeScriptError(
                        f"more than {MAX_OPERATORS} arithmetic operators in one statement; "
                        "add up a list with sum() instead",
                        token.start[0],
                    )
            if token.type == tokenize.OP and text in _OPEN:
                depth += 1
            elif token.type == tokenize.OP and text in _CLOSE:
                depth -= 1
            if text in _UNARY_WORDS and token.type in (tokenize.OP, tokenize.NAME):
                unary_run += 1
            elif token.type not in (tokenize.NL, tokenize.COMMENT):
                unary_run = 0 if text not in _OPEN else unary_run
            if token.type not in (tokenize.NL, tokenize.COMMENT, tokenize.INDENT):
                previous = token
            if depth > MAX_NESTING or unary_run > MAX_NESTING:
                raise UnsafeScriptError(
                    f"the expression nests too deeply (at most {MAX_NESTING} levels)",
                    token.start[0],
                )
    except (tokenize.TokenError, SyntaxError):
        return  # ast.parse below says what is wrong, with its line


def _ends_value(token: tokenize.TokenInfo | None) -> bool:
    """Whether an operator after `token` is binary (`a - b`, `) * 2`) rather than a sign."""
    if token is None:
        return False
    if token.type in (tokenize.NUMBER, tokenize.STRING):
        return True
    if token.type == tokenize.NAME:
        return not keyword.iskeyword(token.string) or token.string in {"True", "False", "None"}
    return token.string in _CLOSE


def _check_tree_size(tree: ast.AST) -> None:
    """Depth and node count, walked without recursion (`a + b + ...` nests one level a term)."""
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    count = 0
    while stack:
        node, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            raise UnsafeScriptError(f"the script is too long (more than {MAX_NODES} parts)")
        if depth > MAX_NESTING * 2:  # statements and expressions: twice the text's levels
            raise UnsafeScriptError(
                f"the expression nests too deeply (at most {MAX_NESTING} levels; a long chain "
                "of operators counts one level per term: sum a list instead)",
                getattr(node, "lineno", None),
            )
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _parents(tree: ast.AST) -> dict[int, ast.AST]:
    return {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _check_node(
    node: ast.AST,
    parents: Mapping[int, ast.AST],
    callable_names: frozenset[str],
    membership_sets: set[int],
) -> None:
    line = getattr(node, "lineno", None)
    if not isinstance(node, _ALLOWED_NODES):
        raise UnsafeScriptError(f"'{type(node).__name__}' is not allowed in diagram scripts", line)
    parent = parents.get(id(node))
    if isinstance(node, ast.Name):
        _check_name(node, parents, callable_names, line)
    if isinstance(node, ast.Attribute):
        if node.attr.startswith("_"):
            raise UnsafeScriptError(f"attribute '{node.attr}' is not allowed", line)
        if node.attr not in SAFE_METHODS:
            raise UnsafeScriptError(f"attribute '.{node.attr}' is not allowed", line)
        if not (isinstance(parent, ast.Call) and parent.func is node):
            raise UnsafeScriptError(
                f"method '.{node.attr}' must be called where it is named, not used as a value",
                line,
            )
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name):
            if func.id not in callable_names:
                raise UnsafeScriptError(f"function '{func.id}' is not allowed", line)
        elif not isinstance(func, ast.Attribute):
            raise UnsafeScriptError("only named functions and allowed methods may be called", line)
        _check_constant_call(node, line)
    if isinstance(node, ast.Set | ast.SetComp) and id(node) not in membership_sets:
        raise UnsafeScriptError(
            "sets are only allowed after 'in': their order differs between runs, so a replay "
            "could differ; use a list",
            line,
        )
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bytes | complex):
            raise UnsafeScriptError("bytes and complex literals are not allowed", line)
        if isinstance(node.value, int) and node.value.bit_length() > MAX_INT_BITS:
            raise UnsafeScriptError(f"numbers above 2**{MAX_INT_BITS} are not allowed", line)
        if isinstance(node.value, float) and not math.isfinite(node.value):
            raise UnsafeScriptError(f"the number {node.value} cannot be stored", line)
    if (
        isinstance(node, ast.BinOp)
        and isinstance(node.op, ast.Mod)
        and isinstance(node.left, ast.JoinedStr | ast.Constant)
        and not isinstance(getattr(node.left, "value", ""), int | float)
    ):
        raise UnsafeScriptError("'%' formatting of text is not allowed; use an f-string", line)
    if isinstance(node, ast.FormattedValue) and node.format_spec is not None:
        _check_format_spec(node.format_spec, line)


def _check_name(
    node: ast.Name,
    parents: Mapping[int, ast.AST],
    callable_names: frozenset[str],
    line: int | None,
) -> None:
    parent = parents.get(id(node))
    if node.id.startswith("_"):
        raise UnsafeScriptError(f"name '{node.id}' is not allowed (leading underscore)", line)
    if node.id not in callable_names:
        return
    if not isinstance(node.ctx, ast.Load):
        raise UnsafeScriptError(
            f"'{node.id}' is the name of a function and cannot be assigned; choose another name",
            line,
        )
    if isinstance(parent, ast.Call) and parent.func is node:
        return
    if node.id in TYPE_NAMES and _is_isinstance_type(node, parents):
        return
    raise UnsafeScriptError(
        f"function '{node.id}' may only be called, not used as a value (e.g. key={node.id})",
        line,
    )


def _is_isinstance_type(node: ast.Name, parents: Mapping[int, ast.AST]) -> bool:
    """`isinstance(x, str)` or `isinstance(x, (int, float))`."""
    parent = parents.get(id(node))
    call = parents.get(id(parent)) if isinstance(parent, ast.Tuple) else parent
    return (
        isinstance(call, ast.Call)
        and isinstance(call.func, ast.Name)
        and call.func.id == "isinstance"
        and len(call.args) == 2
        and (call.args[1] is node or call.args[1] is parent)
    )


def _check_constant_call(node: ast.Call, line: int | None) -> None:
    """`float("nan")`, `float("inf")` written out: refused at deploy like `1e999`."""
    if (
        isinstance(node.func, ast.Name)
        and node.func.id == "float"
        and len(node.args) == 1
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        try:
            value = float(node.args[0].value)
        except ValueError:
            return
        if not math.isfinite(value):
            raise UnsafeScriptError(
                f"float({node.args[0].value!r}) cannot be stored: it is not a number", line
            )


def _check_format_spec(spec: ast.expr, line: int | None) -> None:
    """`f"{x:>999999999}"` would allocate gigabytes in one call: specs are fixed and small."""
    parts = spec.values if isinstance(spec, ast.JoinedStr) else [spec]
    for part in parts:
        if not isinstance(part, ast.Constant):
            raise UnsafeScriptError("format specifications must be written out, not computed", line)
        widths = [int(d) for d in _DIGITS.findall(str(part.value))]
        if any(width > MAX_FORMAT_WIDTH for width in widths):
            raise UnsafeScriptError(f"format widths above {MAX_FORMAT_WIDTH} are not allowed", line)
