"""Make what Camunda Modeler, bpmn.io and SpiffArena write runnable by SpiffWorkflow, or refuse it.

SpiffWorkflow evaluates condition and timer texts as Python (reference notes P1). Camunda writes
JUEL (`${decision == 'accept'}`) and bare ISO values (`P5D`), so before SpiffWorkflow parses a
diagram we rewrite those texts in the XML tree. The stored source stays as the analyst wrote it;
the rewrite runs again whenever the definition is parsed. Camunda features that would run Java
or JUEL outside the diagram's flow (delegates, listeners, connectors, external workers, mappings)
cannot work here and are refused with a message saying so, never silently ignored.
"""

from __future__ import annotations

import re
from typing import Any

from engine.errors import DefinitionProblem
from engine.spiff.juel import JuelError, is_juel, to_python
from engine.spiff.xml import BPMN_NS, CAMUNDA_NS, local_name, namespace

TIMER_KINDS = ("timeDate", "timeDuration", "timeCycle")
PYTHON_SCRIPT_FORMATS = frozenset({"", "python", "python3", "py", "text/x-python"})
#: A bare ISO 8601 duration, repeating interval or date-time, as Camunda accepts it unquoted.
_BARE_ISO = re.compile(
    r"^(?:R\d*/\S+|P(?:\d|T\d)\S*|\d{4}-\d{2}-\d{2}(?:[T ]\S*)?|\d{4}-?W\d{2}\S*)$"
)
_JUEL_MARK = re.compile(r"[$#]\{")

_REFUSED_ATTRIBUTES = {
    "class": "a Java class (camunda:class) cannot run here",
    "delegateExpression": "a Java delegate (camunda:delegateExpression) cannot run here",
    "expression": "a JUEL method expression (camunda:expression) cannot run here",
    "topic": "external task workers (camunda:topic) are not supported",
    "decisionRef": (
        "Camunda DMN decisions (camunda:decisionRef) are not supported; reference a DMN table "
        "with Python entries through spiffworkflow:calledDecisionId"
    ),
    "collection": "multi-instance over camunda:collection is not supported; use loopDataInputRef",
    "elementVariable": "camunda:elementVariable is not supported; use inputDataItem",
    "resource": "scripts and conditions in external files (camunda:resource) are not supported",
    "formRef": "Camunda Forms (camunda:formRef) are not supported; name a JSON Schema form with "
    "camunda:formKey",
}
_REFUSED_CHILDREN = {
    "connector": "Camunda Connect connectors (camunda:connector) cannot run here",
    "executionListener": "execution listeners run code outside the diagram's flow and are "
    "not supported; model the step as a script task",
    "taskListener": "task listeners run code outside the diagram's flow and are not "
    "supported; model the step as a script task",
    "inputOutput": "input/output mappings (camunda:inputOutput) are not supported; every "
    "step sees the dossier's data",
    "formData": "generated task forms (camunda:formData) are not supported; name a JSON "
    "Schema form with camunda:formKey",
}
_IGNORED_WITH_WARNING = {
    "assignee": "camunda:assignee is ignored: the task goes to its role's inbox in the unit",
    "candidateUsers": "camunda:candidateUsers is ignored: the task goes to its role's inbox",
    "dueDate": "camunda:dueDate is ignored: step deadlines come from the 'sla' property",
    "followUpDate": "camunda:followUpDate is ignored",
}


def adapt(root: Any, filename: str) -> list[DefinitionProblem]:
    """Rewrite Camunda texts of `root` in place into our Python; return what cannot run."""
    problems: list[DefinitionProblem] = []

    def report(element: Any, message: str, severity: str = "error") -> None:
        owner = _owner(element)
        problems.append(
            DefinitionProblem(
                severity,
                message,
                filename,
                element.sourceline,
                owner.get("id") if owner is not None else None,
            )
        )

    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        kind = local_name(element)
        if namespace(element) == BPMN_NS:
            _adapt_bpmn_element(element, kind, report)
        elif namespace(element) == CAMUNDA_NS:
            _check_camunda_child(element, kind, report)
        _check_camunda_attributes(element, report)
    return problems


def _adapt_bpmn_element(element: Any, kind: str, report: Any) -> None:
    if kind == "conditionExpression":
        language = (element.get("language") or "").strip().lower()
        if language and language not in PYTHON_SCRIPT_FORMATS:
            report(element, f"conditions in '{language}' are not supported; write a comparison")
            return
        _translate_text(element, report, "condition")
    elif kind in TIMER_KINDS:
        if not _translate_text(element, report, "timer"):
            return
        text = (element.text or "").strip()
        if _BARE_ISO.match(text):
            element.text = repr(text)  # Camunda's unquoted `P5D` is the string "P5D"
    elif kind == "scriptTask":
        script_format = (element.get("scriptFormat") or "").strip().lower()
        if script_format not in PYTHON_SCRIPT_FORMATS:
            report(
                element,
                f"scripts in '{script_format}' are not supported; script tasks run the "
                "restricted Python of the diagram language",
            )
    elif kind == "serviceTask":
        report(
            element,
            "service tasks are not supported: officers' work is a user task and automatic "
            "steps are script tasks",
        )
    elif kind == "complexGateway":
        report(element, "complex gateways are not supported; use exclusive or parallel gateways")


def _translate_text(element: Any, report: Any, what: str) -> bool:
    text = element.text or ""
    if not is_juel(text):
        if _JUEL_MARK.search(text):
            report(element, f"{what} '{text.strip()[:80]}' mixes text and ${{...}} expressions")
            return False
        return True
    try:
        element.text = to_python(text)
    except JuelError as exc:
        report(element, f"{what}: {exc}")
        return False
    return True


def _check_camunda_child(element: Any, kind: str, report: Any) -> None:
    if kind in _REFUSED_CHILDREN:
        report(element, _REFUSED_CHILDREN[kind])
    elif kind in {"in", "out"} and element.get("variables") != "all":
        report(
            element,
            f"camunda:{kind} variable mappings are not supported; a call activity passes "
            'all data (camunda:in/out variables="all")',
        )


def _check_camunda_attributes(element: Any, report: Any) -> None:
    for attribute, value in element.attrib.items():
        if not attribute.startswith(f"{{{CAMUNDA_NS}}}"):
            continue
        name = attribute.split("}", 1)[1]
        if name in _REFUSED_ATTRIBUTES:
            report(element, _REFUSED_ATTRIBUTES[name])
        elif name == "type" and value.strip() == "external":
            report(element, "external task workers (camunda:type='external') are not supported")
        elif name in _IGNORED_WITH_WARNING:
            report(element, _IGNORED_WITH_WARNING[name], "warning")
        elif _JUEL_MARK.search(value):
            report(
                element,
                f"camunda:{name}='{value[:60]}': expressions are not supported here; "
                "use a fixed value",
            )


def _owner(element: Any) -> Any:
    """The nearest BPMN element with an id: the one an analyst would look for."""
    node = element
    while node is not None:
        if isinstance(node.tag, str) and namespace(node) == BPMN_NS and node.get("id"):
            return node
        node = node.getparent()
    return None
