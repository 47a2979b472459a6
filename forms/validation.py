"""Validate submitted data against a form's JSON Schema, one error per offending field.

Validation never reaches outside the procedure's bundle: references resolve in a registry of the
bundle's forms whose retrieval refuses everything (no network, no file system), and `pattern`,
`patternProperties` and `format: regex` run on RE2, whose matching time is linear in the input
(forms/safety.py; the deploy checks refuse what would not work here).

The cost of one validation is bounded (docs/authoring.md, "Forms: what a form may contain"):
every keyword the validator applies, and every sub-schema `allOf`/`anyOf`/`oneOf` applies, is
one check on a meter; past `MAX_CHECKS` checks, or `MAX_CPU_SECONDS` of the thread's CPU time,
validation stops and the submission gets one problem naming the form. A form within every
deploy bound can still be costly for some data (a list of items each tried against thousands
of alternatives); that cost falls on the one submission, never on a worker for long.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import SchemaError, ValidationError
from referencing import Registry, Resource
from referencing.exceptions import NoSuchResource, Unresolvable
from referencing.jsonschema import DRAFT202012

from forms.patterns import compiled_pattern, pattern_problem
from forms.safety import bundle_names

#: Submitted data nested deeper than this is refused before validation (a recursive form would
#: otherwise recurse as deep as the data goes).
MAX_DATA_DEPTH = 32
#: Checks (keyword applications, plus sub-schemas tried by allOf/anyOf/oneOf) one validation
#: may make. The repository's forms make a few hundred for a full submission (bench/form_cost.py).
MAX_CHECKS = 50_000
#: The thread's CPU time one validation may take: a second guard for work the checks do not
#: count (50,000 checks take ~0.6 s on a slow two-core machine).
MAX_CPU_SECONDS = 3.0

_FORMATS = FormatChecker()


@_FORMATS.checks("regex")
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
        raise _FormUnusableError(f"the form's pattern {pattern!r} cannot be used: {problem}")
    return compiled_pattern(pattern).search(text) is not None


class _FormUnusableError(Exception):
    """The deployed form itself is at fault (not the data): the submission cannot be checked."""


class _OverBudgetError(Exception):
    """The form costs more than the budget for this data."""


class _Meter:
    """Counts one validation's checks; raises _OverBudgetError past the budget."""

    __slots__ = ("count", "limit", "cpu_seconds", "cpu_deadline")

    def __init__(self, limit: int, cpu_seconds: float) -> None:
        self.count = 0
        self.limit = limit
        self.cpu_seconds = cpu_seconds
        self.cpu_deadline = time.thread_time() + cpu_seconds

    def tick(self) -> None:
        self.count += 1
        if self.count > self.limit:
            raise _OverBudgetError(f"more than {self.limit:,} checks")
        if not self.count & 0xFF and time.thread_time() > self.cpu_deadline:
            raise _OverBudgetError(f"more than {self.cpu_seconds:g} s of processor time")


_METER: ContextVar[_Meter | None] = ContextVar("forms_validation_meter", default=None)

_Keyword = Callable[[Any, Any, Any, Any], Iterable[ValidationError] | None]
#: Keywords that apply a list of sub-schemas to the same value: each one tried is a check.
_TRIES_EACH = frozenset({"allOf", "anyOf", "oneOf"})


class _TickingList(list[Any]):
    """A keyword's list of sub-schemas that counts each one the keyword goes on to try."""

    def __iter__(self) -> Iterator[Any]:
        meter = _METER.get()
        for subschema in super().__iter__():
            if meter is not None:
                meter.tick()
            yield subschema


def _metered(keyword: str, function: _Keyword) -> _Keyword:
    def check(validator: Any, value: Any, instance: Any, schema: Any) -> Any:
        meter = _METER.get()
        if meter is not None:
            meter.tick()
            if keyword in _TRIES_EACH and isinstance(value, list):
                value = _TickingList(value)
        return function(validator, value, instance, schema)

    return check


def _refuse_retrieval(uri: str) -> Resource[Any]:
    raise NoSuchResource(ref=uri)  # type: ignore[call-arg]


_KEYWORDS: dict[str, _Keyword] = {
    **Draft202012Validator.VALIDATORS,
    "pattern": _pattern,
    "patternProperties": _pattern_properties,
    "additionalProperties": _additional_properties,
}
_Validator = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator,
    {keyword: _metered(keyword, function) for keyword, function in _KEYWORDS.items()},
)


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
        Draft202012Validator.check_schema(schema, format_checker=_FORMATS)
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
    data nested deeper than `MAX_DATA_DEPTH`; this function never raises on hostile content.
    So does a form that costs more than `max_checks` checks (or `max_cpu_seconds` of the thread's
    CPU time, checked every 256 checks) for this data:
    the problem's keyword is `budget` and its message names the form by `name`.
    """
    return prepare(schema, bundle=bundle, name=name).check(
        data, prefix=prefix, max_checks=max_checks, max_cpu_seconds=max_cpu_seconds
    )


def prepare(
    schema: Mapping[str, Any],
    *,
    bundle: Mapping[str, Mapping[str, Any]] | None = None,
    name: str = "",
) -> PreparedForm:
    """`schema` made ready to check data (`PreparedForm.check` is `validate`): what depends
    only on the form is done here, once for a deployed form (its definition never changes)."""
    if _combines_unevaluated_and_patterns(schema, bundle or {}):
        return PreparedForm(schema, name, None)
    validator = _Validator(schema, format_checker=_FORMATS, registry=registry_of(bundle or {}))
    return PreparedForm(schema, name, validator)


@dataclass(frozen=True, slots=True)
class PreparedForm:
    schema: Mapping[str, Any]
    name: str
    #: None: the form combines unevaluatedProperties with patternProperties (not evaluated).
    validator: Any

    def check(
        self,
        data: Any,
        *,
        prefix: str = "data",
        max_checks: int = MAX_CHECKS,
        max_cpu_seconds: float = MAX_CPU_SECONDS,
    ) -> list[FormFieldError]:
        """All problems of `data`, sorted by field (see `validate`)."""
        if _depth_exceeds(data, MAX_DATA_DEPTH):
            return [
                FormFieldError(prefix, f"nested more than {MAX_DATA_DEPTH} levels deep", "maxDepth")
            ]
        if self.validator is None:
            return [
                _unusable(
                    prefix,
                    "unevaluatedProperties cannot be combined with patternProperties "
                    "(the deploy checks refuse it)",
                )
            ]
        meter = _Meter(max_checks, max_cpu_seconds)
        token = _METER.set(meter)
        try:
            errors = [
                found
                for error in self.validator.iter_errors(data)
                for found in _field_errors(error, self.schema, prefix)
            ]
        except _OverBudgetError as exc:
            form = f"the form '{self.name}'" if self.name else "the form"
            return [
                FormFieldError(
                    prefix,
                    f"{form} costs {exc} for this data; the analyst must simplify it",
                    "budget",
                    max_checks,
                )
            ]
        except Unresolvable as exc:
            return [_unusable(prefix, f"it refers to '{exc.ref}' outside its procedure's forms")]
        except _FormUnusableError as exc:
            return [_unusable(prefix, str(exc))]
        except RecursionError:
            return [_unusable(prefix, "it nests references too deeply to be evaluated")]
        finally:
            _METER.reset(token)
            last_checks.set(meter.count)
        unique = {(e.field, e.message): e for e in errors}
        return sorted(unique.values(), key=lambda e: (e.field, e.message))


#: How many checks the last validation of this thread (context) made: for measurements and tests.
last_checks: ContextVar[int] = ContextVar("forms_validation_last_checks", default=0)


def _combines_unevaluated_and_patterns(
    schema: Mapping[str, Any], bundle: Mapping[str, Mapping[str, Any]]
) -> bool:
    """jsonschema matches `patternProperties` with Python's `re` when it evaluates
    `unevaluatedProperties`: a form deployed before the deploy checks refused the two together
    is not evaluated at all."""
    text = json.dumps([schema, bundle])
    return '"unevaluatedProperties"' in text and '"patternProperties"' in text


def _unusable(prefix: str, why: str) -> FormFieldError:
    return FormFieldError(prefix, f"the form cannot check this data: {why}", "form")


def _depth_exceeds(data: Any, limit: int) -> bool:
    stack = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(value, Mapping):
            stack.extend((v, depth + 1) for v in value.values())
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value)
    return False


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
