"""Structural checks of diagram files: the BPMN 2.0 XSD, references that point nowhere,
call activities that resolve and do not recurse, and a layout (BPMN DI) for every element.

These run on the lxml tree before SpiffWorkflow sees the diagram, because SpiffWorkflow turns a
dangling reference into a misleading message and runs a self-calling process forever.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from typing import Any

from SpiffWorkflow.spiff.parser import VALIDATOR

from engine.errors import DefinitionProblem
from engine.spiff.xml import BPMN_NS, BPMNDI_NS, FLOW_NODE_KINDS, local_name, namespace

MAX_SCHEMA_ERRORS = 20
#: Attributes whose value is the id of another element of the same file.
_ID_ATTRIBUTES = frozenset(
    {
        "sourceRef",
        "targetRef",
        "messageRef",
        "signalRef",
        "errorRef",
        "escalationRef",
        "attachedToRef",
        "processRef",
        "dataObjectRef",
        "dataStoreRef",
        "default",
    }
)
#: Child elements whose text is the id of another element of the same file.
_ID_CHILDREN = frozenset(
    {"incoming", "outgoing", "flowNodeRef", "sourceRef", "targetRef", "dataInputRefs"}
)
_DRAWN_KINDS = FLOW_NODE_KINDS | {"sequenceFlow", "messageFlow", "lane", "participant"}
_NS_PREFIXES = {
    BPMN_NS: "bpmn",
    BPMNDI_NS: "bpmndi",
    "http://www.omg.org/spec/DD/20100524/DC": "dc",
    "http://www.omg.org/spec/DD/20100524/DI": "di",
}
# lxml's XMLSchema keeps its error log on the schema object: one validation at a time.
_SCHEMA_LOCK = threading.Lock()


def schema_problems(root: Any, filename: str) -> list[DefinitionProblem]:
    """Every BPMN 2.0 XSD violation of `root` (the schema SpiffWorkflow ships), with lines."""
    with _SCHEMA_LOCK:
        VALIDATOR.preprocess(root)  # bpmn-js writes correlation properties the XSD refuses
        schema = VALIDATOR.validator
        if schema.validate(root):
            return []
        entries = [(entry.line, entry.path, entry.message) for entry in schema.error_log]
    tree = root.getroottree()
    problems = []
    for line, path, message in entries[:MAX_SCHEMA_ERRORS]:
        element = _element_at(tree, path) if path else None
        if element is None and line:
            element = next((e for e in root.iter() if e.sourceline == line), None)
        problems.append(
            DefinitionProblem(
                "error",
                f"not valid BPMN 2.0: {_readable(message)}",
                filename,
                line or None,
                _id_near(element),
            )
        )
    if len(entries) > MAX_SCHEMA_ERRORS:
        problems.append(
            DefinitionProblem(
                "error", f"... and {len(entries) - MAX_SCHEMA_ERRORS} more XSD errors", filename
            )
        )
    return problems


def reference_problems(root: Any, filename: str) -> list[DefinitionProblem]:
    """References (sourceRef, messageRef, default, bpmnElement, ...) to ids that do not exist."""
    ids = {element.get("id") for element in root.iter() if element.get("id")}
    problems: list[DefinitionProblem] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        ns, kind = namespace(element), local_name(element)
        if ns == BPMN_NS:
            for attribute in _ID_ATTRIBUTES & set(element.attrib):
                target = _strip_prefix(element.get(attribute))
                if target not in ids:
                    problems.append(
                        _dangling(filename, element, f"{attribute}='{target}'", element.get("id"))
                    )
            if kind in _ID_CHILDREN and element.text and element.text.strip():
                target = _strip_prefix(element.text)
                if target not in ids:
                    owner = element.getparent()
                    problems.append(
                        _dangling(filename, element, f"<{kind}>{target}", _id_near(owner))
                    )
        elif ns == BPMNDI_NS and element.get("bpmnElement"):
            target = _strip_prefix(element.get("bpmnElement"))
            if target not in ids:
                problems.append(
                    _dangling(filename, element, f"bpmnElement='{target}'", element.get("id"))
                )
    problems.extend(_default_flow_problems(root, filename))
    return problems


def call_problems(roots: Mapping[str, Any]) -> tuple[list[DefinitionProblem], list[Any]]:
    """Call activities whose process is not in the bundle; and the call graph as edges.

    Returns the problems and `(filename, call_activity, caller_id, callee_id)` edges.
    """
    processes = {p.get("id") for root in roots.values() for p in _processes(root)}
    problems: list[DefinitionProblem] = []
    edges: list[Any] = []
    for filename, root in roots.items():
        for process in _processes(root):
            for call in process.iter(f"{{{BPMN_NS}}}callActivity"):
                called = (call.get("calledElement") or "").strip()
                if not called:
                    problems.append(
                        DefinitionProblem(
                            "error",
                            "call activity names no process (calledElement)",
                            filename,
                            call.sourceline,
                            call.get("id"),
                        )
                    )
                elif called not in processes:
                    problems.append(
                        DefinitionProblem(
                            "error",
                            f"call activity calls process '{called}', which is not in the bundle",
                            filename,
                            call.sourceline,
                            call.get("id"),
                        )
                    )
                else:
                    edges.append((filename, call, process.get("id"), called))
    return problems, edges


def recursion_problems(edges: list[Any]) -> list[DefinitionProblem]:
    """A call activity whose called process leads back to its caller recurses without bound."""
    graph: dict[str, set[str]] = {}
    for _filename, _call, caller, callee in edges:
        graph.setdefault(caller, set()).add(callee)
    problems = []
    for filename, call, caller, callee in edges:
        path = _path(graph, callee, caller)
        if path is not None:
            chain = " → ".join([caller, *path])
            problems.append(
                DefinitionProblem(
                    "error",
                    f"call activity recurses without bound ({chain}); a procedure may not call "
                    "itself",
                    filename,
                    call.sourceline,
                    call.get("id"),
                )
            )
    return problems


def layout_problems(root: Any, filename: str) -> list[DefinitionProblem]:
    """Warnings for elements the diagram's layout (BPMN DI) does not draw."""
    drawn = {
        _strip_prefix(element.get("bpmnElement"))
        for element in root.iter(f"{{{BPMNDI_NS}}}BPMNShape", f"{{{BPMNDI_NS}}}BPMNEdge")
    }
    if not drawn:
        return [
            DefinitionProblem(
                "warning",
                "the file has no diagram layout (BPMN DI); it cannot be shown as a picture",
                filename,
            )
        ]
    return [
        DefinitionProblem(
            "warning",
            "the element has no shape in the diagram layout (BPMN DI); pictures will miss it",
            filename,
            element.sourceline,
            element.get("id"),
        )
        for element in root.iter()
        if isinstance(element.tag, str)
        and namespace(element) == BPMN_NS
        and local_name(element) in _DRAWN_KINDS
        and element.get("id")
        and element.get("id") not in drawn
    ]


def _default_flow_problems(root: Any, filename: str) -> Iterator[DefinitionProblem]:
    flows = {f.get("id"): f for f in root.iter(f"{{{BPMN_NS}}}sequenceFlow")}
    for element in root.iter():
        default = element.get("default") if isinstance(element.tag, str) else None
        if default is None or namespace(element) != BPMN_NS:
            continue
        flow = flows.get(_strip_prefix(default))
        if flow is not None and flow.get("sourceRef") != element.get("id"):
            yield DefinitionProblem(
                "error",
                f"default flow '{default}' does not leave this element",
                filename,
                element.sourceline,
                element.get("id"),
            )


def _path(graph: Mapping[str, set[str]], start: str, goal: str) -> list[str] | None:
    """Process ids from `start` to `goal` along calls, or None when `goal` is unreachable."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        if node == goal:
            return path
        if node in seen:
            continue
        seen.add(node)
        stack.extend((nxt, [*path, nxt]) for nxt in sorted(graph.get(node, ())))
    return None


def _processes(root: Any) -> list[Any]:
    return list(root.iterfind(f"{{{BPMN_NS}}}process"))


def _dangling(filename: str, element: Any, what: str, element_id: str | None) -> DefinitionProblem:
    return DefinitionProblem(
        "error",
        f"{what} points to no element of this file",
        filename,
        element.sourceline,
        element_id,
    )


def _strip_prefix(value: str | None) -> str:
    """`tns:flow_1` and `flow_1` name the same element."""
    return (value or "").strip().rsplit(":", 1)[-1]


def _element_at(tree: Any, path: str) -> Any:
    try:
        found = tree.xpath(path)
    except Exception:  # libxml2's paths are best-effort hints, never fatal
        return None
    return found[0] if isinstance(found, list) and found else None


def _id_near(element: Any) -> str | None:
    node = element
    while node is not None:
        if isinstance(node.tag, str) and node.get("id"):
            return str(node.get("id"))
        node = node.getparent()
    return None


def _readable(message: str) -> str:
    for uri, prefix in _NS_PREFIXES.items():
        message = message.replace(f"{{{uri}}}", f"{prefix}:")
    return message.replace("Element '", "element '")
