"""Validate submitted data against a form's JSON Schema, one error per offending field."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError, ValidationError

_FORMATS = FormatChecker()


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


def schema_problems(schema: Any) -> list[str]:
    """Why `schema` is not a usable JSON Schema (Draft 2020-12); empty when it is fine."""
    if not isinstance(schema, Mapping):
        return ["a form must be a JSON object (a JSON Schema)"]
    # Checking against the metaschema costs ~10 ms a form; deploys repeat the same forms.
    return list(_problems_of(json.dumps(schema, sort_keys=True)))


@lru_cache(maxsize=1024)
def _problems_of(canonical: str) -> tuple[str, ...]:
    schema = json.loads(canonical)
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.path) or "(root)"
        return (f"invalid JSON Schema at {where}: {exc.message}",)
    if schema.get("type", "object") != "object":
        return ("a form's top-level type must be 'object'",)
    return ()


def validate(schema: Mapping[str, Any], data: Any, *, prefix: str = "data") -> list[FormFieldError]:
    """All problems of `data` against `schema`, sorted by field; empty when valid."""
    validator = Draft202012Validator(schema, format_checker=_FORMATS)
    errors = [
        found
        for error in validator.iter_errors(data)
        for found in _field_errors(error, schema, prefix)
    ]
    unique = {(e.field, e.message): e for e in errors}
    return sorted(unique.values(), key=lambda e: (e.field, e.message))


def _field_errors(
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
