"""The `transfer_to` property of a user task (liên thông), checked when a diagram is deployed;
`engine.step.transfers` hands the task to the unit at run time."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any, Final

from engine.procedures.model import NodeModel, ProcedureModel

TRANSFER_PROPERTY: Final = "transfer_to"
_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


def transfer_problems(
    model: ProcedureModel, form_schemas: Mapping[str, Any]
) -> Iterator[tuple[NodeModel, str]]:
    """Each node whose `transfer_to` is wrong, and why: only a user task is handed to another
    unit, and the property names a text field of a step's form (where an earlier step writes the
    receiving unit's code; the submission form's fields live under `submission`, not there)."""
    text_fields = {
        name
        for key, schema in form_schemas.items()
        if key != model.submission_form
        if isinstance(schema, Mapping) and isinstance(schema.get("properties"), Mapping)
        for name, spec in schema["properties"].items()
        if isinstance(spec, Mapping) and spec.get("type") == "string"
    }
    for node in model.nodes.values():
        field = node.properties.get(TRANSFER_PROPERTY)
        if field is None:
            continue
        field = field.strip()
        if not node.is_user_task:
            yield (
                node,
                (
                    f"property {TRANSFER_PROPERTY}='{field}': only a user task is handed to "
                    "another unit"
                ),
            )
        elif not _FIELD_NAME.match(field) or field not in text_fields:
            yield (
                node,
                (
                    f"property {TRANSFER_PROPERTY}='{field}' names no text field of the "
                    "procedure's forms (the field where an earlier step writes the receiving "
                    "unit's code; not the submission form's)"
                ),
            )
