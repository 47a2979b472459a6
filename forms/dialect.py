"""The JSON Schema dialect forms are checked in: Draft 2020-12 whose `pattern`,
`patternProperties`, `additionalProperties` and `format: regex` match on RE2 (linear in the
input; forms/safety.py refuses at deploy what would not work here), and whose references resolve
only among the procedure's own forms (no network, no file system)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource
from referencing.jsonschema import DRAFT202012

from forms.patterns import compiled_pattern, pattern_problem
from forms.safety import bundle_names

FORMATS = FormatChecker()


@FORMATS.checks("regex")
def _is_re2_pattern(instance: object) -> bool:
    """`format: regex`: the value is a pattern RE2 accepts within the forms' bounds."""
    return not isinstance(instance, str) or pattern_problem(instance) is None


def _pattern(validator: Any, pattern: Any, instance: Any, schema: Any) -> Iterable[ValidationError]:
    if validator.is_type(instance, "string") and not _search(pattern, instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


def _pattern_properties(
    validator: Any, patterns: Any, instance: Any, schema: Any
) -> Iterable[ValidationError]:
    if not validator.is_type(instance, "object"):
        return
    for pattern, subschema in patterns.items():
        for name, value in instance.items():
            if _search(pattern, name):
                yield from validator.descend(value, subschema, path=name, schema_path=pattern)


def _additional_properties(
    validator: Any, additional: Any, instance: Any, schema: Any
) -> Iterable[ValidationError]:
    """jsonschema's `additionalProperties`, with the `patternProperties` it skips matched by
    RE2 (jsonschema's own matches them with Python's backtracking `re`)."""
    if not validator.is_type(instance, "object"):
        return
    declared = schema.get("properties", {})
    patterns = list(schema.get("patternProperties", {}))
    extras = [
        name
        for name in instance
        if name not in declared and not any(_search(p, name) for p in patterns)
    ]
    if validator.is_type(additional, "object"):
        for extra in extras:
            yield from validator.descend(instance[extra], additional, path=extra)
    elif not additional and extras:
        listed = ", ".join(repr(each) for each in sorted(extras))
        yield ValidationError(f"Additional properties are not allowed ({listed} unexpected)")


def _search(pattern: str, text: str) -> bool:
    problem = pattern_problem(pattern)
    if problem is not None:  # deployed before the deploy checks refused it
        raise FormUnusableError(f"the form's pattern {pattern!r} cannot be used: {problem}")
    return compiled_pattern(pattern).search(text) is not None


class FormUnusableError(Exception):
    """The deployed form itself is at fault (not the data): the submission cannot be checked."""


Keyword = Callable[[Any, Any, Any, Any], Iterable[ValidationError] | None]
#: The validator's keywords: Draft 2020-12's, with the pattern keywords on RE2.
KEYWORDS: dict[str, Keyword] = {
    **Draft202012Validator.VALIDATORS,
    "pattern": _pattern,
    "patternProperties": _pattern_properties,
    "additionalProperties": _additional_properties,
}


def _refuse_retrieval(uri: str) -> Resource[Any]:
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]


def registry_of(bundle: Mapping[str, Mapping[str, Any]]) -> Registry[Any]:
    """The bundle's forms (form key -> schema) by every name a reference may give them: their
    file name (`<key>.json`, `<key>.schema.json`) and their `$id`; nothing else resolves."""
    files: dict[str, Any] = {}
    for key, schema in bundle.items():
        files[f"{key}.json"] = schema
        files[f"{key}.schema.json"] = schema
    pairs = [
        (name, DRAFT202012.create_resource(files[file]))
        for name, file in bundle_names(files).items()
    ]
    return Registry(retrieve=_refuse_retrieval).with_resources(pairs)  # type: ignore[call-arg]
