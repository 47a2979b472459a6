"""A form made ready to check data (`prepare`, `PreparedForm`), once per deployed form, and the
meter that bounds what one check may cost.

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
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft202012Validator, validators
from referencing.exceptions import Unresolvable

from forms.dialect import FORMATS, KEYWORDS, FormUnusableError, Keyword, registry_of
from forms.field_errors import FormFieldError, field_errors, unusable

#: Submitted data nested deeper than this is refused before validation (a recursive form would
#: otherwise recurse as deep as the data goes).
MAX_DATA_DEPTH = 32
#: Checks (keyword applications, plus sub-schemas tried by allOf/anyOf/oneOf) one validation
#: may make. The repository's forms make a few hundred for a full submission (bench/form_cost.py).
MAX_CHECKS = 50_000
#: The thread's CPU time one validation may take: a second guard for work the checks do not
#: count (50,000 checks take ~0.6 s on a slow two-core machine).
MAX_CPU_SECONDS = 3.0


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


def _metered(keyword: str, function: Keyword) -> Keyword:
    def check(validator: Any, value: Any, instance: Any, schema: Any) -> Any:
        meter = _METER.get()
        if meter is not None:
            meter.tick()
            if keyword in _TRIES_EACH and isinstance(value, list):
                value = _TickingList(value)
        return function(validator, value, instance, schema)

    return check


_Validator = validators.extend(  # type: ignore[no-untyped-call]
    Draft202012Validator,
    {keyword: _metered(keyword, function) for keyword, function in KEYWORDS.items()},
)


def prepare(
    schema: Mapping[str, Any],
    *,
    bundle: Mapping[str, Mapping[str, Any]] | None = None,
    name: str = "",
) -> PreparedForm:
    """`schema` made ready to check data (`PreparedForm.check` is `forms.validation.validate`):
    what depends only on the form is done here, once for a deployed form (its definition never
    changes)."""
    if _combines_unevaluated_and_patterns(schema, bundle or {}):
        return PreparedForm(schema, name, None)
    validator = _Validator(schema, format_checker=FORMATS, registry=registry_of(bundle or {}))
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
        """All problems of `data`, sorted by field (see `forms.validation.validate`)."""
        if _depth_exceeds(data, MAX_DATA_DEPTH):
            return [
                FormFieldError(prefix, f"nested more than {MAX_DATA_DEPTH} levels deep", "maxDepth")
            ]
        if self.validator is None:
            return [
                unusable(
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
                for found in field_errors(error, self.schema, prefix)
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
            return [unusable(prefix, f"it refers to '{exc.ref}' outside its procedure's forms")]
        except FormUnusableError as exc:
            return [unusable(prefix, str(exc))]
        except RecursionError:
            return [unusable(prefix, "it nests references too deeply to be evaluated")]
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
