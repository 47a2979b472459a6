"""Checking submitted data against a deployed form, outside the write transaction.

Every caller checks the data before it opens its write unit of work: SQLite takes the database's
write lock at BEGIN IMMEDIATE and PostgreSQL holds the dossier's row lock until commit, so a form
that is costly to check (legal, within the deploy bounds) would otherwise make every other
writer wait. Forms are part of an immutable definition: a check made before the transaction
stays valid as long as the transaction finds the same definition (callers compare its id).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
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
    (forms.prepared.MAX_CHECKS) gives one problem on `data` naming the form, which is also
    the problem's detail: the analyst must simplify the form, the data may be fine."""
    form = _prepared(definition, form_key or "")
    if form is None:
        return
    problems = form.check(dict(data), prefix="data")
    over_budget = [p.message for p in problems if p.keyword == "budget"]
    if over_budget:
        detail = over_budget[0]
    if problems:
        raise ValidationFailedError(detail, [FieldError(p.field, p.message) for p in problems])


#: (procedure key, content hash, form key) -> the form ready to check data. A deployed
#: definition never changes and its hash covers every form file, so an entry is never stale;
#: building a form's validator and reference registry cost more than checking most data.
_FORMS: OrderedDict[tuple[str, str, str], forms.PreparedForm] = OrderedDict()
_FORMS_LOCK = threading.Lock()
_MAX_FORMS = 512


def _prepared(definition: Definition, form_key: str) -> forms.PreparedForm | None:
    schema = definition.forms.get(form_key)
    if not schema:
        return None
    identity = (definition.key, definition.content_hash, form_key)
    with _FORMS_LOCK:
        found = _FORMS.get(identity)
        if found is not None:
            _FORMS.move_to_end(identity)
            return found
    # Built outside the lock: two threads may both build it, and either result is the same.
    prepared = forms.prepare(schema, bundle=definition.forms, name=form_key)
    with _FORMS_LOCK:
        _FORMS[identity] = prepared
        while len(_FORMS) > _MAX_FORMS:
            _FORMS.popitem(last=False)
    return prepared
