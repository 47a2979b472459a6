"""A deployable bundle: its files read from a directory, every deploy check run on it, and its
content hash; nothing here stores anything (deploying is `engine.services.definitions`)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Any

import forms
from engine.definitions.cache import SCRIPT_FUNCTIONS
from engine.errors import DefinitionProblem, InvalidDefinitionError
from engine.form_conventions import DOCUMENTS_RECEIVED
from engine.procedures.issues import result_fields
from engine.procedures.model import ProcedureModel
from engine.procedures.transfers import transfer_problems
from engine.spiff.parser import ParsedProcedure, inspect_bundle
from engine.statuses import DossierStatus
from forms.visibility import visibility_problems

KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{1,99}$")
DIAGRAM_SUFFIXES = {".bpmn", ".dmn"}
MAX_BUNDLE_FILES = 50


@dataclass(frozen=True, slots=True)
class ValidatedBundle:
    parsed: ParsedProcedure
    sources: dict[str, str]
    forms: dict[str, dict[str, Any]]
    content_hash: str
    warnings: list[DefinitionProblem]


def validate_bundle(files: Mapping[str, bytes]) -> ValidatedBundle:
    """Run every deploy check on a bundle (diagrams + form files) without storing anything.

    Raises:
        InvalidDefinitionError: listing every problem with file, line and element id.
    """
    problems: list[DefinitionProblem] = []
    if len(files) > MAX_BUNDLE_FILES:
        raise InvalidDefinitionError(
            "too many files",
            [DefinitionProblem("error", f"a bundle holds at most {MAX_BUNDLE_FILES} files")],
        )
    diagrams: dict[str, bytes] = {}
    sources: dict[str, str] = {}
    form_schemas: dict[str, dict[str, Any]] = {}
    form_files: dict[str, dict[str, Any]] = {}
    for filename, content in sorted(files.items()):
        name = PurePath(filename).name
        suffix = PurePath(name).suffix.lower()
        if suffix in DIAGRAM_SUFFIXES:
            try:
                sources[name] = content.decode("utf-8")
            except UnicodeDecodeError:
                problems.append(DefinitionProblem("error", "file is not UTF-8 text", name))
                continue
            diagrams[name] = content
        elif suffix == ".json":
            try:
                schema = forms.load_form_bytes(name, content)
            except forms.FormFileError as exc:
                problems.append(DefinitionProblem("error", exc.message, name))
                continue
            form_files[name] = schema
            form_schemas[forms.registry.form_key_of(name)] = schema
        else:
            problems.append(
                DefinitionProblem(
                    "error",
                    "unsupported file type; a bundle holds .bpmn, .dmn and form .json files",
                    name,
                )
            )

    # What a form may contain (references inside the bundle, RE2 patterns, no cycles, cost
    # bounds) first: the meta-schema check and the gateway checks read the forms after it.
    unsafe = forms.bundle_problems(form_files)
    problems.extend(DefinitionProblem("error", p.message, p.file) for p in unsafe)
    unsafe_files = {p.file for p in unsafe}
    for name, schema in sorted(form_files.items()):
        if name not in unsafe_files:
            problems.extend(
                DefinitionProblem("error", message, name)
                for message in [*forms.schema_problems(schema), *visibility_problems(schema)]
            )
    if unsafe:
        raise InvalidDefinitionError("the procedure cannot be deployed", problems)
    inspection = inspect_bundle(diagrams, forms=form_schemas, script_functions=SCRIPT_FUNCTIONS)
    problems.extend(inspection.structure)
    if inspection.model is not None and inspection.main_file is not None:
        problems.extend(
            _one_stop_problems(
                inspection.model, inspection.main_file, inspection.process_line, form_schemas
            )
        )
    problems.extend(inspection.rules)
    parsed = inspection.parsed
    if parsed is None or any(p.severity == "error" for p in problems):
        raise InvalidDefinitionError("the procedure cannot be deployed", problems)
    return ValidatedBundle(
        parsed=parsed,
        sources=sources,
        forms=form_schemas,
        content_hash=_content_hash(files),
        warnings=[p for p in problems if p.severity != "error"],
    )


def bundle_from_directory(diagram: Path, forms_root: Path) -> dict[str, bytes]:
    """`bpmn/<key>.bpmn`, extra files in `bpmn/<key>/`, and the forms in `forms/<key>/*.json`."""
    key = diagram.stem
    files = {diagram.name: diagram.read_bytes()}
    extra_dir = diagram.parent / key
    if extra_dir.is_dir():
        for path in sorted(extra_dir.iterdir()):
            if path.suffix.lower() in DIAGRAM_SUFFIXES:
                files[path.name] = path.read_bytes()
    files.update(forms.load_directory(forms_root / key))
    return files


def _one_stop_problems(
    model: ProcedureModel,
    main_file: str,
    process_line: int | None,
    form_schemas: Mapping[str, Any],
) -> list[DefinitionProblem]:
    problems: list[DefinitionProblem] = []

    def error(message: str, element_id: str | None = None, line: int | None = None) -> None:
        line = line if line is not None else process_line
        problems.append(DefinitionProblem("error", message, main_file, line, element_id))

    if not KEY_PATTERN.match(model.key):
        error(
            f"process id '{model.key}' is not a procedure key (lower-case letters, digits, _)",
            model.key,
        )
    if model.name == model.key:
        error(
            "the process has no name: set the procedure's Vietnamese name on the process", model.key
        )
    if model.sla is None and "sla" not in model.properties:
        error("the process declares no 'sla' property (e.g. '7 working_days')", model.key)
    # procedure_code may be left out while the national code is not known (shown as "chưa xác
    # định"): engine.procedures.checks warns, so a placeholder is never published as a code.
    if model.submission_form is None:
        error("no submission form: give the start event a form key", model.key)
    elif model.submission_form not in form_schemas:
        error(f"submission form '{model.submission_form}' is not in the bundle", model.key)
    for node in model.user_tasks():
        if node.form_key and node.form_key not in form_schemas:
            error(f"form '{node.form_key}' is not in the bundle", node.bpmn_id, node.line)
    for node, message in transfer_problems(model, form_schemas):
        error(message, node.bpmn_id, node.line)
    known = {name for schema in form_schemas.values() for name in _properties(schema)}
    for node in model.nodes.values():
        for name, _label in result_fields(node.properties):
            if name not in known:
                error(
                    f"property result_fields: '{name}' is a field of none of the forms",
                    node.bpmn_id,
                    node.line,
                )
    received = [node for node in model.nodes.values() if node.status == DossierStatus.ACCEPTED]
    step_forms = {node.form_key for node in model.user_tasks() if node.form_key}
    if received and not any(
        _lists_documents(form_schemas.get(key), DOCUMENTS_RECEIVED) for key in step_forms
    ):
        error(
            f"the dossier is received (status 2) at '{received[0].bpmn_id}' but no step's form "
            f"declares '{DOCUMENTS_RECEIVED}' as a list of documents ({{name, kind, quantity}}) "
            "that Mẫu 01 prints: add it to the reception check's form",
            received[0].bpmn_id,
            received[0].line,
        )
    return problems


def _lists_documents(schema: Any, name: str) -> bool:
    """Whether the form has a top-level array `name` of objects with a text `name` (what
    Mẫu 01 reads of each document received; `kind` and `quantity` are optional there)."""
    found = schema.get("properties") if isinstance(schema, Mapping) else None
    field = found.get(name) if isinstance(found, Mapping) else None
    items = field.get("items") if isinstance(field, Mapping) else None
    if not isinstance(field, Mapping) or field.get("type") != "array":
        return False
    item_fields = items.get("properties") if isinstance(items, Mapping) else None
    document_name = item_fields.get("name") if isinstance(item_fields, Mapping) else None
    return isinstance(document_name, Mapping) and document_name.get("type") == "string"


def _properties(schema: Any) -> list[str]:
    """The field names a form declares (top-level `properties`)."""
    found = schema.get("properties") if isinstance(schema, Mapping) else None
    return [str(name) for name in found] if isinstance(found, Mapping) else []


def _content_hash(files: Mapping[str, bytes]) -> str:
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(PurePath(name).name.encode("utf-8") + b"\0")
        digest.update(hashlib.sha256(files[name]).hexdigest().encode("ascii") + b"\n")
    return digest.hexdigest()
