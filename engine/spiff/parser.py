"""Turn a bundle of diagram files into an executable spec plus our procedure model.

Every failure, whatever SpiffWorkflow or lxml raise, becomes a `DefinitionProblem` with file,
line and element id; callers never see a traceback (issue: authoring).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

from engine.errors import DefinitionProblem, InvalidDefinitionError
from engine.procedures import ProcedureModel
from engine.spiff.metadata import called_process_ids, executable_process_ids, extract_model
from engine.spiff.scripting import UnsafeScriptError, check_source
from engine.spiff.timing import validate_timer_value
from engine.spiff.xml import BPMN_NS, XmlRejectedError, local_name, namespace, parse_document


@dataclass(frozen=True, slots=True)
class ParsedProcedure:
    """An executable procedure: shared, immutable after parsing, cached per deployed version."""

    key: str
    main_file: str
    model: ProcedureModel
    spec: Any
    subprocess_specs: dict[str, Any]


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
    problems: list[DefinitionProblem] = []
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
    if problems:
        raise InvalidDefinitionError("the diagram could not be read", problems)

    key, main_file = _main_process(bpmn_roots, expected_key, problems)
    if problems:
        raise InvalidDefinitionError("the diagram has no single executable procedure", problems)
    model, model_problems = extract_model(bpmn_roots[main_file], main_file, key)
    problems.extend(model_problems)
    for filename, root in bpmn_roots.items():
        problems.extend(_expression_problems(root, filename, script_functions))

    parser = SpiffBpmnParser(validator=VALIDATOR)
    spec: Any = None
    subprocess_specs: dict[str, Any] = {}
    try:
        for filename, root in bpmn_roots.items():
            parser.add_bpmn_xml(root, filename)
        for filename, root in dmn_roots.items():
            parser.add_dmn_xml(root, filename)
        spec = parser.get_spec(key)
        subprocess_specs = parser.get_subprocess_specs(key)
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
    if any(p.severity == "error" for p in problems):
        raise InvalidDefinitionError("the diagram is not valid", problems)
    return ParsedProcedure(
        key=key, main_file=main_file, model=model, spec=spec, subprocess_specs=subprocess_specs
    )


def _main_process(
    roots: Mapping[str, Any], expected_key: str | None, problems: list[DefinitionProblem]
) -> tuple[str, str]:
    """The procedure is the executable process nobody calls; its id is the procedure key."""
    called: set[str] = set()
    for root in roots.values():
        called |= called_process_ids(root)
    candidates = [
        (pid, filename)
        for filename, root in roots.items()
        for pid in executable_process_ids(root)
        if pid not in called
    ]
    if expected_key is not None:
        candidates = [c for c in candidates if c[0] == expected_key] or candidates
    if len(candidates) > 1:
        stems = [c for c in candidates if PurePath(c[1]).stem == c[0]]
        candidates = stems or candidates
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


_TIMER_TAGS = ("timeDate", "timeDuration", "timeCycle")
_WHAT = {"conditionExpression": "condition", "script": "script"}


def _expression_problems(
    root: Any, filename: str, functions: frozenset[str]
) -> list[DefinitionProblem]:
    """Conditions, scripts and timer expressions must be in the restricted language, checked
    before anything runs; a timer given as a literal must also be valid ISO 8601 with an offset."""
    found: list[DefinitionProblem] = []
    tags = ("conditionExpression", "script", *_TIMER_TAGS)
    for element in root.iter(*(f"{{{BPMN_NS}}}{tag}" for tag in tags)):
        source = (element.text or "").strip()
        if not source:
            continue
        tag = local_name(element)
        mode = "exec" if tag == "script" else "eval"
        what = _WHAT.get(tag, f"timer {tag}")
        owner = element.getparent()
        if tag in _TIMER_TAGS:  # the timer definition sits in its event
            owner = owner.getparent() if owner is not None else None
        message = None
        try:
            tree = check_source(source, mode, functions)
        except UnsafeScriptError as exc:
            message = str(exc)
        else:
            if tag in _TIMER_TAGS and isinstance(getattr(tree, "body", None), ast.Constant):
                message = validate_timer_value(tree.body.value, tag)  # type: ignore[attr-defined]
        if message is not None:
            found.append(
                DefinitionProblem(
                    "error",
                    f"{what}: {message}",
                    filename,
                    element.sourceline,
                    owner.get("id") if owner is not None else None,
                )
            )
    return found


def _from_validation(exc: ValidationException) -> DefinitionProblem:
    line = exc.line_number if isinstance(exc.line_number, int) else None
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
