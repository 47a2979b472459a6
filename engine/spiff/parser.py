"""Turn a bundle of diagram files into an executable spec plus our procedure model.

Every failure, whatever SpiffWorkflow or lxml raise, becomes a `DefinitionProblem` with file,
line and element id; callers never see a traceback (issue: authoring).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import PurePath
from typing import Any

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser import SpiffBpmnParser

from engine.errors import DefinitionProblem, InvalidDefinitionError
from engine.procedures.model import ProcedureModel
from engine.spiff.dialects import adapt
from engine.spiff.loops import loop_problems
from engine.spiff.metadata import executable_process_ids, extract_model
from engine.spiff.rules import (
    decision_table_problems,
    expression_problems,
    gateway_problems,
    timer_problems,
)
from engine.spiff.structure import (
    call_problems,
    layout_problems,
    recursion_problems,
    reference_problems,
    schema_problems,
)
from engine.spiff.xml import BPMN_NS, XmlRejectedError, local_name, namespace, parse_document


@dataclass(frozen=True, slots=True)
class ParsedProcedure:
    """An executable procedure: shared, immutable after parsing, cached per deployed version."""

    key: str
    main_file: str
    model: ProcedureModel
    spec: Any
    subprocess_specs: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BundleInspection:
    """What the checks found, in the order they run; `parsed` only when nothing is an error."""

    parsed: ParsedProcedure | None
    structure: list[DefinitionProblem] = field(default_factory=list)
    rules: list[DefinitionProblem] = field(default_factory=list)
    #: The procedure model, its file and the process's line, once the main process is known.
    model: ProcedureModel | None = None
    main_file: str | None = None
    process_line: int | None = None

    @property
    def problems(self) -> list[DefinitionProblem]:
        return [*self.structure, *self.rules]


def parse_bundle(
    files: Mapping[str, bytes],
    *,
    script_functions: frozenset[str] = frozenset(),
    expected_key: str | None = None,
) -> ParsedProcedure:
    """Parse `.bpmn` and `.dmn` files (name -> bytes) into one procedure.

    Raises:
        InvalidDefinitionError: with every problem found, in check order.
    """
    inspection = inspect_bundle(files, script_functions=script_functions, expected_key=expected_key)
    if inspection.parsed is None:
        raise InvalidDefinitionError("the diagram is not valid", inspection.problems)
    return inspection.parsed


def inspect_bundle(
    files: Mapping[str, bytes],
    *,
    forms: Mapping[str, Mapping[str, Any]] | None = None,
    script_functions: frozenset[str] = frozenset(),
    expected_key: str | None = None,
) -> BundleInspection:
    """Run the diagram checks in order: hardened XML; BPMN 2.0 XSD and references; dialect
    translation and SpiffWorkflow parsing; then the one-stop rules readable from the XML
    (roles, gateways when `forms` are given, timers, call activities, scripts). Never raises."""
    structure: list[DefinitionProblem] = []
    bpmn_roots, dmn_roots = _read(files, structure)
    if structure:
        return BundleInspection(None, structure)
    for filename, root in bpmn_roots.items():
        structure.extend(schema_problems(root, filename))
        structure.extend(reference_problems(root, filename))
    call_errors, calls = call_problems(bpmn_roots)
    structure.extend(call_errors)
    # A process that calls itself would make SpiffWorkflow recurse for ever: stop here.
    structure.extend(recursion_problems(calls))
    if _has_error(structure):
        return BundleInspection(None, structure)

    key, main_file = _main_process(bpmn_roots, expected_key, structure)
    if not key:
        return BundleInspection(None, structure)
    for filename, root in bpmn_roots.items():
        structure.extend(adapt(root, filename))
    spiff_problems: list[DefinitionProblem] = []
    spec, subprocess_specs = _spiff_parse(bpmn_roots, dmn_roots, key, main_file, spiff_problems)
    structure.extend(_with_lines(spiff_problems, bpmn_roots))

    model, rules = extract_model(bpmn_roots[main_file], main_file, key)
    process = bpmn_roots[main_file].find(f"{{{BPMN_NS}}}process[@id='{key}']")
    located = (model, main_file, process.sourceline if process is not None else None)
    for filename, root in bpmn_roots.items():
        if forms is not None:
            rules.extend(gateway_problems(root, filename, forms))
        rules.extend(timer_problems(root, filename, script_functions))
        rules.extend(expression_problems(root, filename, script_functions))
        rules.extend(loop_problems(root, filename))
        rules.extend(layout_problems(root, filename))
    for filename, root in dmn_roots.items():
        rules.extend(decision_table_problems(root, filename, script_functions))
    if _has_error(structure) or _has_error(rules):
        return BundleInspection(None, structure, rules, *located)
    parsed = ParsedProcedure(
        key=key, main_file=main_file, model=model, spec=spec, subprocess_specs=subprocess_specs
    )
    return BundleInspection(parsed, structure, rules, *located)


def _read(
    files: Mapping[str, bytes], problems: list[DefinitionProblem]
) -> tuple[dict[str, Any], dict[str, Any]]:
    bpmn_roots: dict[str, Any] = {}
    dmn_roots: dict[str, Any] = {}
    for filename, content in files.items():
        suffix = PurePath(filename).suffix.lower()
        if suffix not in {".bpmn", ".dmn"}:
            continue
        try:
            root = parse_document(content, filename)
        except XmlRejectedError as exc:
            problems.append(exc.problem)
            continue
        if suffix == ".bpmn":
            if local_name(root) != "definitions" or namespace(root) != BPMN_NS:
                problems.append(
                    DefinitionProblem(
                        "error",
                        "not a BPMN 2.0 document (root must be bpmn:definitions)",
                        filename,
                        root.sourceline,
                    )
                )
                continue
            bpmn_roots[filename] = root
        else:
            dmn_roots[filename] = root
    if not bpmn_roots and not problems:
        problems.append(DefinitionProblem("error", "the bundle holds no .bpmn file"))
    return bpmn_roots, dmn_roots


def _spiff_parse(
    bpmn_roots: Mapping[str, Any],
    dmn_roots: Mapping[str, Any],
    key: str,
    main_file: str,
    problems: list[DefinitionProblem],
) -> tuple[Any, dict[str, Any]]:
    # The XSD ran above; SpiffWorkflow's validator would stop at the first error only.
    parser = SpiffBpmnParser(validator=None)
    try:
        for filename, root in bpmn_roots.items():
            parser.add_bpmn_xml(root, filename)
        for filename, root in dmn_roots.items():
            parser.add_dmn_xml(root, filename)
        return parser.get_spec(key), parser.get_subprocess_specs(key)
    except ValidationException as exc:
        problems.append(_from_validation(exc))
    except (
        SpiffWorkflowException,
        KeyError,
        TypeError,
        ValueError,
        AttributeError,
        IndexError,
        RecursionError,
    ) as exc:
        problems.append(
            DefinitionProblem(
                "error", f"the BPMN engine cannot load this diagram: {_describe(exc)}", main_file
            )
        )
    return None, {}


def _with_lines(
    problems: list[DefinitionProblem], roots: Mapping[str, Any]
) -> list[DefinitionProblem]:
    """SpiffWorkflow often names the element but not its line: look the line up."""
    lines = {
        (filename, element.get("id")): element.sourceline
        for filename, root in roots.items()
        for element in root.iter()
        if isinstance(element.tag, str) and element.get("id")
    }
    return [
        replace(p, line=lines.get((p.file, p.element_id)))
        if p.line is None and p.element_id and p.file
        else p
        for p in problems
    ]


def _has_error(problems: list[DefinitionProblem]) -> bool:
    return any(p.severity == "error" for p in problems)


def _main_process(
    roots: Mapping[str, Any], expected_key: str | None, problems: list[DefinitionProblem]
) -> tuple[str, str]:
    """The procedure is the executable process no other process calls; its id is the key."""
    executable = [
        (pid, filename) for filename, root in roots.items() for pid in executable_process_ids(root)
    ]
    called = {
        str(call.get("calledElement"))
        for root in roots.values()
        for process in root.iterfind(f"{{{BPMN_NS}}}process")
        for call in process.iter(f"{{{BPMN_NS}}}callActivity")
        if call.get("calledElement") != process.get("id")
    }
    # Processes calling each other in a cycle are all "called"; the recursion check reports it.
    candidates = [c for c in executable if c[0] not in called] or executable
    if expected_key is not None:
        candidates = [c for c in candidates if c[0] == expected_key] or candidates
    if len(candidates) > 1:
        stems = [c for c in candidates if PurePath(c[1]).stem == c[0]]
        candidates = stems or candidates
    if not executable:
        for filename, root in roots.items():
            for process in root.iterfind(f"{{{BPMN_NS}}}process"):
                problems.append(
                    DefinitionProblem(
                        "error",
                        'the process is not executable: set isExecutable="true" on the '
                        "procedure's process",
                        filename,
                        process.sourceline,
                        process.get("id"),
                    )
                )
        if not problems:
            problems.append(DefinitionProblem("error", "the bundle has no process"))
        return "", ""
    if len(candidates) != 1:
        found = ", ".join(pid for pid, _ in candidates) or "none"
        problems.append(
            DefinitionProblem(
                "error",
                "expected exactly one executable process that no call activity calls; "
                f"found {found}",
                next(iter(roots), None),
            )
        )
        return "", ""
    return candidates[0]


def _from_validation(exc: ValidationException) -> DefinitionProblem:
    line = exc.line_number if isinstance(exc.line_number, int) and exc.line_number > 0 else None
    return DefinitionProblem(
        "error",
        str(exc.args[0]) if exc.args else str(exc),
        exc.file_name or None,
        line,
        exc.id or None,
    )


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    if isinstance(exc, KeyError):
        return f"reference to unknown element {text}"
    return text or type(exc).__name__
