"""Checking submitted data against a deployed form, outside the write transaction.

Every caller checks the data before it opens its write unit of work: SQLite takes the database's
write lock at BEGIN IMMEDIATE and PostgreSQL holds the dossier's row lock until commit, so a form
that is costly to check (legal, within the deploy bounds) would otherwise make every other
writer wait. Forms are part of an immutable definition: a check made before the transaction
stays valid as long as the transaction finds the same definition (callers compare its id).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import forms
from engine.errors import FieldError, ValidationFailedError
from storage.models import Definition


def raise_for_form(
    definition: Definition, form_key: str | None, data: Mapping[str, Any], detail: str
) -> None:
    """Raises ValidationFailedError naming each offending field; nothing when the definition has
    no such form. A form that costs more than the validation budget for this data
    (forms.validation.MAX_CHECKS) gives one problem on `data` naming the form, which is also
    the problem's detail: the analyst must simplify the form, the data may be fine."""
    schema = definition.forms.get(form_key or "", {})
    if not schema:
        return
    problems = forms.validate(
        schema, dict(data), prefix="data", bundle=definition.forms, name=f"{form_key}"
    )
    over_budget = [p.message for p in problems if p.keyword == "budget"]
    if over_budget:
        detail = over_budget[0]
    if problems:
        raise ValidationFailedError(detail, [FieldError(p.field, p.message) for p in problems])
