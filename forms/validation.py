"""Validate submitted data against a form's JSON Schema, one error per offending field.

Validation never reaches outside the procedure's bundle: references resolve in a registry of the
bundle's forms whose retrieval refuses everything (no network, no file system), and `pattern`,
`patternProperties` and `format: regex` run on RE2, whose matching time is linear in the input
(forms/safety.py, forms/dialect.py; the deploy checks refuse what would not work here).

The cost of one validation is bounded by a meter (forms/prepared.py); the problems are told
field by field (forms/field_errors.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from forms.dialect import FORMATS
from forms.field_errors import FormFieldError
from forms.prepared import MAX_CHECKS, MAX_CPU_SECONDS, prepare


def schema_problems(schema: Any) -> list[str]:
    """Why `schema` is not a usable JSON Schema (Draft 2020-12); empty when it is fine.

    The bundle-wide checks (references, patterns, cycles, cost) are `forms.safety`'s; they run
    first at deploy, so that the meta-schema check never meets a form it cannot handle.
    """
    if not isinstance(schema, Mapping):
        return ["a form must be a JSON object (a JSON Schema)"]
    # Checking against the metaschema costs ~10 ms a form; deploys repeat the same forms.
    return list(_problems_of(json.dumps(schema, sort_keys=True)))


@lru_cache(maxsize=1024)
def _problems_of(canonical: str) -> tuple[str, ...]:
    schema = json.loads(canonical)
    try:
        Draft202012Validator.check_schema(schema, format_checker=FORMATS)
    except SchemaError as exc:
        where = "/".join(str(p) for p in exc.path) or "(root)"
        return (f"invalid JSON Schema at {where}: {exc.message}",)
    if schema.get("type", "object") != "object":
        return ("a form's top-level type must be 'object'",)
    return ()


def validate(
    schema: Mapping[str, Any],
    data: Any,
    *,
    prefix: str = "data",
    bundle: Mapping[str, Mapping[str, Any]] | None = None,
    name: str = "",
    max_checks: int = MAX_CHECKS,
    max_cpu_seconds: float = MAX_CPU_SECONDS,
) -> list[FormFieldError]:
    """All problems of `data` against `schema`, sorted by field; empty when valid.

    `bundle`: the procedure's forms by key, which `schema` may refer to by file name or `$id`.
    A form that cannot be evaluated (a reference outside the bundle, a pattern that is not
    RE2, deployed before the deploy checks refused them) gives one problem on `prefix`, as does
    data nested deeper than `forms.prepared.MAX_DATA_DEPTH`; this function never raises on
    hostile content.
    So does a form that costs more than `max_checks` checks (or `max_cpu_seconds` of the thread's
    CPU time, checked every 256 checks) for this data:
    the problem's keyword is `budget` and its message names the form by `name`.
    """
    return prepare(schema, bundle=bundle, name=name).check(
        data, prefix=prefix, max_checks=max_checks, max_cpu_seconds=max_cpu_seconds
    )
