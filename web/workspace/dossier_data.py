"""A dossier's submitted data as a person reads it: the submission form's labels in its order,
choices by their Vietnamese labels (the form renderer's reading of the schema, so the task page
and the form say the same thing)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from web.forms_render.schema import Field, read_schema

#: (label, value) where a value is text, a list of values, or a nested list of pairs.
Labelled = list[tuple[str, Any]]


def labelled(schema: Mapping[str, Any] | None, data: Mapping[str, Any]) -> Labelled:
    """`data` labelled by `schema` (its properties first, in order; anything else after)."""
    root = read_schema(schema) if schema else None
    return _object(root, data)


def _object(field: Field | None, data: Mapping[str, Any]) -> Labelled:
    rows: Labelled = []
    children = field.children if field is not None and field.kind == "object" else ()
    for child in children:
        if child.key in data:
            rows.append((child.label, _value(child, data[child.key])))
    known = {child.key for child in children}
    rows.extend((str(k), _value(None, v)) for k, v in data.items() if k not in known)
    return rows


def _value(field: Field | None, value: Any) -> Any:
    if isinstance(value, Mapping):
        return _object(field, value)
    if isinstance(value, list):
        item = field.item if field is not None else None
        return [_value(item, v) for v in value]
    if field is not None and field.choices:
        return field.choice_label(value)
    return value
