"""What a reader is told of a form's problems: one `FormFieldError` per offending field, made
from jsonschema's errors (the field's path and title, the keyword that failed and its value)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jsonschema.exceptions import ValidationError


@dataclass(frozen=True, slots=True)
class FormFieldError:
    """`field` is a dotted path under `prefix`, e.g. `data.applicant.id_number`.

    `keyword` is the JSON Schema keyword that failed (`required`, `maxLength`, `format`, ...) and
    `constraint` its value in the schema (e.g. 100, `date`), so that a page can say what is wrong
    in the reader's language instead of the validator's English `message`.
    """

    field: str
    message: str
    keyword: str = ""
    constraint: Any = None


def unusable(prefix: str, why: str) -> FormFieldError:
    return FormFieldError(prefix, f"the form cannot check this data: {why}", "form")


def field_errors(
    error: ValidationError, schema: Mapping[str, Any], prefix: str
) -> list[FormFieldError]:
    path = [str(part) for part in error.absolute_path]
    if error.validator == "required" and isinstance(error.instance, Mapping):
        found = []
        for missing in _missing_properties(error):
            title = _title_of(schema, [*path, missing])
            label = f"{missing} ({title})" if title and title != missing else missing
            found.append(
                FormFieldError(
                    _join(prefix, [*path, missing]), f"{label} is required", "required", missing
                )
            )
        if found:
            return found
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        declared = error.schema.get("properties", {}) if isinstance(error.schema, Mapping) else {}
        extra = sorted(set(error.instance) - set(declared))
        if extra:
            return [
                FormFieldError(
                    _join(prefix, [*path, name]), "unknown field", "additionalProperties"
                )
                for name in extra
            ]
    return [
        FormFieldError(
            _join(prefix, path), _message(error), str(error.validator), _constraint(error)
        )
    ]


def _constraint(error: ValidationError) -> Any:
    value = error.validator_value
    # Only plain values: a sub-schema (`if`, `not`, ...) says nothing a reader could use.
    return value if isinstance(value, str | int | float | bool | list) else None


def _missing_properties(error: ValidationError) -> list[str]:
    required: Iterable[str] = (
        error.validator_value if isinstance(error.validator_value, list) else []
    )
    instance = error.instance if isinstance(error.instance, Mapping) else {}
    return [name for name in required if name not in instance]


def _title_of(schema: Mapping[str, Any], path: list[str]) -> str | None:
    node: Any = schema
    for part in path:
        if not isinstance(node, Mapping):
            return None
        if part.isdigit() and isinstance(node.get("items"), Mapping):
            node = node["items"]
            continue
        node = node.get("properties", {}).get(part)
    return node.get("title") if isinstance(node, Mapping) else None


def _message(error: ValidationError) -> str:
    if error.validator == "enum":
        options = error.validator_value if isinstance(error.validator_value, list) else []
        allowed = ", ".join(repr(v) for v in options)
        return f"must be one of {allowed}"
    if error.validator == "type":
        return f"must be of type {error.validator_value}"
    return str(error.message)


def _join(prefix: str, path: list[str]) -> str:
    return ".".join([prefix, *path]) if prefix else ".".join(path)
