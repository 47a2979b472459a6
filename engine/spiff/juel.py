"""Translate the Camunda expressions we can honour (JUEL `${...}`) into our restricted Python.

Camunda Modeler writes conditions such as `${decision == 'accept' && amount > 0}`; SpiffWorkflow
would hand that text to Python and fail at run time. We accept the simple-comparison subset of
JUEL (literals, variables, property access, comparisons, `&&`/`||`/`!`, arithmetic) and refuse
everything else (method calls, `empty`, the ternary, lambdas) with a message saying why.
"""

from __future__ import annotations

import re

_EXPRESSION = re.compile(r"^\s*[$#]\{(?P<body>.*)\}\s*$", re.DOTALL)
_TOKEN = re.compile(
    r"""
    (?P<space>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>==|!=|<=|>=|&&|\|\||->|[<>!+\-*/%()\[\].,?:])
    """,
    re.VERBOSE,
)
_WORD_OPERATORS = {
    "and": "and",
    "or": "or",
    "not": "not",
    "eq": "==",
    "ne": "!=",
    "lt": "<",
    "gt": ">",
    "le": "<=",
    "ge": ">=",
    "div": "/",
    "mod": "%",
    "true": "True",
    "false": "False",
    "null": "None",
}
_SYMBOL_OPERATORS = {"&&": "and", "||": "or", "!": "not"}
_REFUSED_WORDS = {
    "empty": "the 'empty' operator",
    "instanceof": "'instanceof'",
    "execution": "Camunda's Java 'execution' object",
    "task": "Camunda's Java 'task' object",
}
#: Tokens after which `.name` is property access on a value.
_VALUE_END = {"name", "close", "string"}


class JuelError(ValueError):
    """The expression is JUEL that cannot run here."""


def is_juel(text: str) -> bool:
    stripped = text.strip()
    return stripped.startswith(("${", "#{"))


def to_python(text: str) -> str:
    """`${a == 'x' && b.c > 1}` -> `a == 'x' and b["c"] > 1`.

    Raises:
        JuelError: composite text, method calls, or JUEL operators we do not support.
    """
    match = _EXPRESSION.match(text)
    if match is None or "${" in match["body"] or "#{" in match["body"]:
        raise JuelError(
            f"'{_short(text)}' is not a single ${{...}} expression; mixed text is not supported"
        )
    out: list[str] = []
    previous = ""
    body = match["body"]
    position = 0
    while position < len(body):
        token = _TOKEN.match(body, position)
        if token is None:
            raise JuelError(f"cannot read '{_short(body[position:])}' in '{_short(text)}'")
        position = token.end()
        kind = token.lastgroup or ""
        value = token.group()
        if kind == "space":
            continue
        if kind == "name":
            if value in _REFUSED_WORDS:
                raise JuelError(f"{_REFUSED_WORDS[value]} is not supported in ${{...}} expressions")
            if value not in _WORD_OPERATORS and _next_symbol(body, position) == "(":
                raise JuelError(
                    f"method and function calls ('{value}(...)') are not supported in "
                    "${...} expressions; only simple comparisons are"
                )
            out.append(_WORD_OPERATORS.get(value, value))
            previous = "keyword" if value in _WORD_OPERATORS else "name"
            continue
        if kind in {"string", "number"}:
            out.append(value)
            previous = "string" if kind == "string" else "number"
            continue
        if value == ".":
            name = _TOKEN.match(body, position)
            if previous not in _VALUE_END or name is None or name.lastgroup != "name":
                raise JuelError(f"unexpected '.' in '{_short(text)}'")
            if _next_symbol(body, name.end()) == "(":
                raise JuelError(
                    f"method calls ('.{name.group()}(...)') are not supported in ${{...}} "
                    "expressions; only simple comparisons are"
                )
            out.append(f'["{name.group()}"]')
            position = name.end()
            previous = "name"
            continue
        if value in {"?", ":", "->", ","}:
            raise JuelError(
                f"'{value}' (conditional, lambda or list syntax) is not supported in ${{...}} "
                "expressions; split the decision over gateway flows"
            )
        if value == "(" and previous in _VALUE_END:
            raise JuelError("function calls are not supported in ${...} expressions")
        out.append(_SYMBOL_OPERATORS.get(value, value))
        previous = "close" if value in {")", "]"} else "op"
    python = " ".join(out)  # spaces between tokens never change a Python expression's meaning
    if not python.strip():
        raise JuelError("empty ${} expression")
    return python


def _next_symbol(text: str, position: int) -> str:
    rest = text[position:].lstrip()
    return rest[:1]


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
