"""The catalogue of documents of record: forms.json in the templates folder, read once.

Each form names its Typst template, title, orientation, number symbol and the fields it takes.
A layout change is an edit of the form's template; a new field is declared in forms.json.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from engine.documents.errors import TemplateError

TEMPLATES_DIR = Path(__file__).parent / "templates"
FIELD_TYPES = frozenset(
    {"text", "paragraph", "integer", "date", "datetime", "choice", "object", "list", "table"}
)
# Typst downloads `@preview/...` packages from the network: a template may not import one.
_PACKAGE_IMPORT = re.compile(r"""(import|include)\s*\(?\s*"@""")


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """What one data field may hold; `children` are an object's fields or a table's columns."""

    type: str
    optional: bool = False
    max: int | None = None
    min: int | None = None
    values: tuple[str, ...] = ()
    max_items: int = 0
    item: FieldSpec | None = None
    children: Mapping[str, FieldSpec] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class FormSpec:
    form: str
    title: str
    template: Path
    number_symbol: str
    landscape: bool
    fields: Mapping[str, FieldSpec]


def _field(path: str, raw: Any) -> FieldSpec:
    if not isinstance(raw, dict) or raw.get("type") not in FIELD_TYPES:
        raise TemplateError(f"forms.json: {path}: type must be one of {sorted(FIELD_TYPES)}")
    kind = raw["type"]
    children: dict[str, FieldSpec] = {}
    item = None
    if kind in ("object", "table"):
        members = raw.get("fields" if kind == "object" else "columns")
        if not isinstance(members, dict) or not members:
            raise TemplateError(f"forms.json: {path}: {kind} needs its fields")
        children = {name: _field(f"{path}.{name}", spec) for name, spec in members.items()}
    if kind == "list":
        item = _field(f"{path}[]", raw.get("item"))
    if kind in ("list", "table") and not isinstance(raw.get("max_items", raw.get("max_rows")), int):
        raise TemplateError(f"forms.json: {path}: a {kind} needs max_items/max_rows")
    if kind == "choice" and not raw.get("values"):
        raise TemplateError(f"forms.json: {path}: a choice needs its values")
    return FieldSpec(
        type=kind,
        optional=bool(raw.get("optional", False)),
        max=raw.get("max"),
        min=raw.get("min"),
        values=tuple(raw.get("values", ())),
        max_items=int(raw.get("max_items", raw.get("max_rows")) or 0),
        item=item,
        children=children,
    )


def _check_template(path: Path) -> None:
    if not path.is_file():
        raise TemplateError(f"template {path.name} does not exist in {TEMPLATES_DIR}")
    text = path.read_text(encoding="utf-8")
    match = _PACKAGE_IMPORT.search(text)
    if match:
        line = text.count("\n", 0, match.start()) + 1
        raise TemplateError(
            f"{path.name}:{line}: templates may not import Typst packages (they are downloaded)"
        )


def load_catalogue(directory: Path = TEMPLATES_DIR) -> Mapping[str, FormSpec]:
    """Read and check forms.json and every .typ file of `directory`."""
    try:
        raw = json.loads((directory / "forms.json").read_text(encoding="utf-8"))
        common = raw["common_fields"]
        forms = raw["forms"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise TemplateError(f"forms.json in {directory} is unreadable: {exc}") from exc
    for typ in sorted(directory.glob("*.typ")):
        _check_template(typ)
    catalogue: dict[str, FormSpec] = {}
    for form, spec in forms.items():
        template = directory / str(spec.get("template", ""))
        _check_template(template)
        merged = {**common, **spec.get("fields", {})}
        catalogue[form] = FormSpec(
            form=form,
            title=str(spec["title"]),
            template=template,
            number_symbol=str(spec.get("number_symbol", "")),
            landscape=bool(spec.get("landscape", False)),
            fields={name: _field(f"{form}.{name}", value) for name, value in merged.items()},
        )
    return catalogue


@cache
def catalogue() -> Mapping[str, FormSpec]:
    return load_catalogue()


def document_number(sequence: int, form: str, issuer_symbol: str) -> str:
    """The number printed after "Số:", e.g. `125/TB-BHXH` (sequence per unit, form and year)."""
    spec = catalogue()[form]
    return f"{sequence}/{spec.number_symbol}-{issuer_symbol}"
