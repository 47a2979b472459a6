"""One-stop rules checked on the diagram's XML: gateways decide every case, timers evaluate,
scripts and conditions stay in the restricted language.

They run on the tree after `dialects.adapt`, so Camunda's `${...}` and bare ISO timers are
already in their Python form.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from engine.errors import DefinitionProblem
from engine.procedures.model import USER_TASK_KINDS
from engine.spiff.dialects import PYTHON_SCRIPT_FORMATS, TIMER_KINDS
from engine.spiff.juel import is_juel
from engine.spiff.language import parse
from engine.spiff.metadata import element_form_key
from engine.spiff.scripting import SandboxedEnvironment, UnsafeScriptError, check_source
from engine.spiff.timing import DATE_FUNCTIONS, limit_problem
from engine.spiff.xml import BPMN_NS, FLOW_NODE_KINDS, SPIFF_NS, local_name

_CONSTANT_NAMES = frozenset({"True", "False", "None"})
_OWNER_KINDS = FLOW_NODE_KINDS | {"sequenceFlow"}
_SCRIPT_TAGS = (
    (f"{{{BPMN_NS}}}conditionExpression", "eval", "condition"),
    (f"{{{BPMN_NS}}}completionCondition", "eval", "completion condition"),
    (f"{{{BPMN_NS}}}loopCondition", "eval", "loop condition"),
    (f"{{{BPMN_NS}}}loopCardinality", "eval", "loop cardinality"),
    (f"{{{BPMN_NS}}}script", "exec", "script"),
    (f"{{{SPIFF_NS}}}preScript", "exec", "pre-script"),
    (f"{{{SPIFF_NS}}}postScript", "exec", "post-script"),
)
Report = Callable[[Any, str], None]


def expression_problems(
    root: Any, filename: str, functions: frozenset[str]
) -> list[DefinitionProblem]:
    """Conditions and scripts must be in the restricted language, checked before anything runs."""
    found: list[DefinitionProblem] = []
    for tag, mode, what in _SCRIPT_TAGS:
        for element in root.iter(tag):
            source = (element.text or "").strip()
            if not source or is_juel(source) or _foreign_script(element):
                continue  # empty, or already refused by `dialects.adapt`
            try:
                check_source(source, mode, functions)
            except UnsafeScriptError as exc:
                found.append(_problem(filename, element, f"{what}: {exc}"))
    return found


def decision_table_problems(
    root: Any, filename: str, functions: frozenset[str]
) -> list[DefinitionProblem]:
    """DMN input expressions and rule entries are conditions too (Python, `?` for the input)."""
    found: list[DefinitionProblem] = []
    for element in root.iter():
        kind = local_name(element)
        if kind not in {"inputExpression", "inputEntry", "outputEntry"}:
            continue
        text_element = next((c for c in element if local_name(c) == "text"), None)
        source = (text_element.text or "").strip() if text_element is not None else ""
        if source in {"", "-"}:
            continue
        source = source.replace("?", "dmn_input")
        try:
            check_source(source, "eval", functions)
        except UnsafeScriptError as exc:
            try:  # an entry such as `> 5` or `!= "lost"` is completed with the input on its left
                check_source(f"dmn_input {source}", "eval", functions)
            except UnsafeScriptError:
                found.append(_problem(filename, element, f"decision table entry: {exc}"))
    return found


def _foreign_script(element: Any) -> bool:
    """A script task in another language (refused by `dialects.adapt`) is not Python to check."""
    owner = element.getparent()
    script_format = (owner.get("scriptFormat") or "") if owner is not None else ""
    return script_format.strip().lower() not in PYTHON_SCRIPT_FORMATS


def timer_problems(root: Any, filename: str, functions: frozenset[str]) -> list[DefinitionProblem]:
    """Each timer has one time; constant ones must give an ISO 8601 value of their kind."""
    found: list[DefinitionProblem] = []
    for definition in root.iter(f"{{{BPMN_NS}}}timerEventDefinition"):
        times = [
            child
            for child in definition
            if isinstance(child.tag, str)
            and local_name(child) in TIMER_KINDS
            and (child.text or "").strip()
        ]
        if len(times) != 1:
            found.append(
                _problem(
                    filename,
                    definition,
                    "a timer needs exactly one of timeDate, timeDuration or timeCycle",
                )
            )
            continue
        text = times[0].text.strip()
        if is_juel(text):
            continue  # `dialects.adapt` already said why it cannot run
        message = _timer_message(local_name(times[0]), text, functions)
        if message is not None:
            found.append(_problem(filename, times[0], message))
    return found


def gateway_problems(
    root: Any, filename: str, forms: Mapping[str, Mapping[str, Any]]
) -> list[DefinitionProblem]:
    """Exclusive gateways must have a default flow or conditions that cover every case.

    Coverage is shown when every condition compares one variable to constants and the forms of
    the steps before the gateway list that variable's possible values (an `enum` or a boolean).
    """
    found: list[DefinitionProblem] = []
    for process in root.iterfind(f"{{{BPMN_NS}}}process"):
        leaving: dict[str, list[Any]] = {}
        entering: dict[str, list[Any]] = {}
        for flow in process.iter(f"{{{BPMN_NS}}}sequenceFlow"):
            leaving.setdefault(flow.get("sourceRef"), []).append(flow)
            entering.setdefault(flow.get("targetRef"), []).append(flow)
        nodes = {e.get("id"): e for e in process.iter() if isinstance(e.tag, str) and e.get("id")}
        for gateway in process.iter(f"{{{BPMN_NS}}}exclusiveGateway"):
            gateway_id = gateway.get("id")
            outgoing = leaving.get(gateway_id, [])
            if len(outgoing) < 2:
                continue
            default = gateway.get("default")
            conditions: list[str] = []
            for flow in outgoing:
                if flow.get("id") == default:
                    continue
                condition = flow.find(f"{{{BPMN_NS}}}conditionExpression")
                text = (condition.text or "").strip() if condition is not None else ""
                if not text:
                    found.append(
                        _problem(
                            filename,
                            flow,
                            f"flow leaves exclusive gateway '{gateway_id}' without a condition "
                            "and is not its default flow",
                        )
                    )
                conditions.append(text)
            if default or not all(conditions) or any(is_juel(text) for text in conditions):
                continue
            sources = [nodes.get(f.get("sourceRef")) for f in entering.get(gateway_id, [])]
            message = _coverage_message(conditions, sources, forms)
            if message is not None:
                found.append(_problem(filename, gateway, message))
    return found


def _coverage_message(
    conditions: list[str], sources: list[Any], forms: Mapping[str, Mapping[str, Any]]
) -> str | None:
    advice = "add a default flow"
    cases = [_case(text) for text in conditions]
    variables = {case[0] for case in cases if case is not None}
    if any(case is None for case in cases) or len(variables) != 1:
        return (
            "exclusive gateway has no default flow and its conditions cannot be shown to "
            f"cover every case; {advice}"
        )
    variable = variables.pop()
    covered = set().union(*(case[1] for case in cases if case is not None))
    domain = _domain(variable, sources, forms)
    if domain is None:
        return (
            f"exclusive gateway has no default flow and the forms before it do not list the "
            f"values '{variable}' can take; {advice}"
        )
    missing = sorted(repr(value) for value in domain - covered)
    if missing:
        return (
            f"exclusive gateway has no default flow and no flow for {variable} = "
            f"{', '.join(missing)}; {advice} or a flow for each value"
        )
    return None


def _case(text: str) -> tuple[str, frozenset[Any]] | None:
    """`decision == "accept"` -> ("decision", {"accept"}); None when not that simple."""
    try:
        tree = parse(text, "eval")
    except UnsafeScriptError:
        return None
    return _simple_case(tree.body) if isinstance(tree, ast.Expression) else None


def _simple_case(node: ast.expr) -> tuple[str, frozenset[Any]] | None:
    if isinstance(node, ast.Name):
        return node.id, frozenset({True})
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _simple_case(node.operand)
        if inner is not None and inner[1] == {True}:
            return inner[0], frozenset({False})
        return None
    if isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
        parts = [_simple_case(value) for value in node.values]
        names = {part[0] for part in parts if part is not None}
        if any(part is None for part in parts) or len(names) != 1:
            return None
        return names.pop(), frozenset().union(*(p[1] for p in parts if p is not None))
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        left, op, right = node.left, node.ops[0], node.comparators[0]
        if isinstance(op, ast.Eq | ast.Is):
            if isinstance(left, ast.Constant) and isinstance(right, ast.Name):
                left, right = right, left
            if isinstance(left, ast.Name) and isinstance(right, ast.Constant):
                return left.id, frozenset({right.value})
        if (
            isinstance(op, ast.In)
            and isinstance(left, ast.Name)
            and isinstance(right, ast.List | ast.Tuple | ast.Set)
            and all(isinstance(item, ast.Constant) for item in right.elts)
        ):
            return left.id, frozenset(getattr(item, "value", None) for item in right.elts)
    return None


def _domain(
    variable: str, sources: list[Any], forms: Mapping[str, Mapping[str, Any]]
) -> set[Any] | None:
    values: set[Any] = set()
    for source in sources:
        if source is None or local_name(source) not in USER_TASK_KINDS:
            return None
        form = forms.get(element_form_key(source) or "")
        field = form.get("properties", {}).get(variable) if isinstance(form, Mapping) else None
        if not isinstance(field, Mapping):
            return None
        if isinstance(field.get("enum"), list):
            values |= set(field["enum"])
        elif "const" in field:
            values.add(field["const"])
        elif field.get("type") == "boolean":
            values |= {True, False}
        else:
            return None
    return values or None


def _timer_message(kind: str, text: str, functions: frozenset[str]) -> str | None:
    try:
        tree = check_source(text, "eval", functions)
    except UnsafeScriptError as exc:
        return f"timer expression '{text[:80]}': {exc}"
    if kind != "timeDate":
        called = sorted(
            node.func.id
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in DATE_FUNCTIONS
        )
        if called:
            return f"{called[0]}(...) gives a date-time: use it in a timeDate, not a {kind}"
    if not _is_constant(tree):
        return None  # uses dossier data or a registered function: evaluated when reached
    try:
        value = SandboxedEnvironment().evaluate(text, {})
    except Exception as exc:  # any failure of a constant expression is the analyst's to fix
        return f"timer expression '{text[:80]}' cannot be evaluated: {exc}"
    if not isinstance(value, str):
        return f"timer expression '{text[:80]}' gives {type(value).__name__}, not an ISO 8601 text"
    limit = limit_problem(kind, value)  # docs/deadlines.md, "Timer limits"
    if limit is not None:
        return limit
    if not _is_iso(kind, value):
        expected = {
            "timeDuration": "an ISO 8601 duration such as P5D or PT4H",
            "timeDate": "an ISO 8601 date-time such as 2026-03-10T09:00:00+07:00",
            "timeCycle": "an ISO 8601 repeating interval such as R3/PT1H",
        }[kind]
        return f"timer value '{value[:80]}' is not {expected}"
    if kind == "timeDate" and _is_naive(value):  # read in the server's zone (pitfall P2)
        return f"timer value '{value[:80]}' has no UTC offset; write it like {_DATE_EXAMPLE}"
    return None


_DATE_EXAMPLE = "2026-03-10T09:00:00+07:00"


def _is_naive(value: str) -> bool:
    try:
        return datetime.fromisoformat(value.strip()).tzinfo is None
    except ValueError:  # an ISO week date, which SpiffWorkflow reads on its own
        return False


def _is_constant(tree: ast.AST) -> bool:
    return not any(
        isinstance(node, ast.Call)
        or (isinstance(node, ast.Name) and node.id not in _CONSTANT_NAMES)
        for node in ast.walk(tree)
    )


def _is_iso(kind: str, value: str) -> bool:
    parse: dict[str, Callable[[str], Any]] = {
        "timeDuration": TimerEventDefinition.parse_iso_duration,
        "timeDate": TimerEventDefinition.parse_time_or_duration,
        "timeCycle": TimerEventDefinition.parse_iso_recurring_interval,
    }
    try:
        parsed = parse[kind](value.strip())
    except Exception:  # SpiffWorkflow raises bare Exception, AttributeError, ValueError...
        return False
    return not (kind == "timeDate" and isinstance(parsed, dict))


def _problem(filename: str, element: Any, message: str) -> DefinitionProblem:
    return DefinitionProblem("error", message, filename, element.sourceline, _owner_id(element))


def _owner_id(element: Any) -> str | None:
    """The flow node or flow the text belongs to (a timer's event, a condition's flow)."""
    nearest: str | None = None
    node = element
    while node is not None:
        if isinstance(node.tag, str) and node.get("id"):
            if local_name(node) in _OWNER_KINDS:
                return str(node.get("id"))
            nearest = nearest or str(node.get("id"))
        node = node.getparent()
    return nearest
