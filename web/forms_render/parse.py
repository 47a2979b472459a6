"""Submitted form fields back to JSON typed by the schema.

Two representations of a form's content:
- *raw*: what the person typed, to show back unchanged (strings; True/False for checkboxes;
  dicts for objects; lists of rows for arrays);
- *data*: JSON typed by the schema (int, float, bool, ISO dates, nested objects and arrays),
  with empty inputs left out, which is what `forms.validate` and the engine receive.

Input names are dotted paths: `attachments.0.name` (see `name_of`). Each array row also posts a
marker `<row>.:row`, so that a row of empty inputs or unticked boxes still counts as a row.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from web.forms_render.messages import parse_error
from web.forms_render.schema import Field, encode_key

Raw = Any
ROW_MARKER = ":row"
_INTEGER = re.compile(r"^[+-]?\d+$")
_GROUPED_INTEGER = re.compile(r"^[+-]?\d{1,3}(?:[. ]\d{3})+$")
_DECIMAL = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
_DAY_MONTH_YEAR = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_INDEX_DIGITS = 4


def name_of(prefix: str, key: str | int) -> str:
    segment = str(key) if isinstance(key, int) else encode_key(key)
    return f"{prefix}.{segment}" if prefix else segment


# -- raw values ---------------------------------------------------------------------------


def raw_from_data(field: Field, data: Any) -> Raw:
    """What a form shows for existing JSON data (or the schema's defaults when there is none)."""
    if field.kind == "object":
        values = data if isinstance(data, Mapping) else {}
        return {c.key: raw_from_data(c, values.get(c.key, c.default)) for c in field.children}
    if field.kind == "array":
        assert field.item is not None
        rows = data if isinstance(data, list) else []
        return [raw_from_data(field.item, row) for row in rows[: field.max_items]]
    if field.kind == "boolean":
        return data is True
    if field.kind == "json":
        return "" if data is None else json.dumps(data, ensure_ascii=False, indent=2)
    if data is None:
        return ""
    if isinstance(data, bool):
        return "true" if data else "false"
    return str(data)


def raw_from_post(field: Field, form: Mapping[str, str], name: str) -> Raw:
    """What was posted for `field` at input name `name` (the root has name "")."""
    if field.kind == "object":
        return {c.key: raw_from_post(c, form, name_of(name, c.key)) for c in field.children}
    if field.kind == "array":
        assert field.item is not None
        return [
            raw_from_post(field.item, form, name_of(name, index))
            for index in row_indices(form, name)[: field.max_items]
        ]
    if field.kind == "boolean":
        return form.get(name) == "true"
    value = form.get(name, "")
    return value.replace("\r\n", "\n") if isinstance(value, str) else ""


def row_indices(form: Mapping[str, str], name: str) -> list[int]:
    """The row numbers posted under array `name`, in order."""
    prefix = f"{name}." if name else ""
    found = set()
    for key in form:
        if not key.startswith(prefix):
            continue
        segment = key[len(prefix) :].split(".", 1)[0]
        if segment.isdigit() and len(segment) <= MAX_INDEX_DIGITS:
            found.add(int(segment))
    return sorted(found)


def is_empty(field: Field, raw: Raw) -> bool:
    if field.kind == "object":
        return all(is_empty(c, raw.get(c.key)) for c in field.children)
    if field.kind == "array":
        return not raw
    if field.kind == "boolean":
        return raw is not True
    return not (raw or "").strip()


def without_empty_rows(field: Field, raw: Raw) -> Raw:
    """The same content with rows in which nothing was entered removed (at every depth)."""
    if field.kind == "object":
        return {c.key: without_empty_rows(c, raw.get(c.key)) for c in field.children}
    if field.kind == "array":
        assert field.item is not None
        item = field.item
        return [without_empty_rows(item, row) for row in raw if not is_empty(item, row)]
    return raw


# -- typed data ---------------------------------------------------------------------------


def to_data(field: Field, raw: Raw, name: str, errors: dict[str, str]) -> tuple[bool, Any]:
    """(present, value) of `raw` typed by `field`; inputs that cannot be typed are left out and
    reported in `errors` by input name (e.g. "12a" for a number)."""
    if field.kind == "object":
        values: dict[str, Any] = {}
        for child in field.children:
            present, value = to_data(child, raw.get(child.key), name_of(name, child.key), errors)
            if present:
                values[child.key] = value
        return bool(values) or field.required or not name, values
    if field.kind == "array":
        assert field.item is not None
        rows = []
        for index, row in enumerate(raw):
            if is_empty(field.item, row):
                continue
            present, value = to_data(field.item, row, name_of(name, index), errors)
            if present:
                rows.append(value)
        # `minItems` applies to an array that is there; one left empty is simply not there.
        return bool(rows) or field.required, rows
    if field.kind == "boolean":
        return True, raw is True
    text = (raw or "").strip()
    if not text:
        return False, None
    try:
        return True, _scalar(field, text)
    except ValueError:
        errors[name] = parse_error(field)
        return False, None


def _scalar(field: Field, text: str) -> Any:
    if field.kind == "integer":
        compact = re.sub(r"[. ]", "", text) if _GROUPED_INTEGER.match(text) else text
        if not _INTEGER.match(compact):
            raise ValueError(text)
        return int(compact)
    if field.kind == "number":
        compact = re.sub(r"[. ]", "", text) if _GROUPED_INTEGER.match(text) else text
        if _INTEGER.match(compact):
            return int(compact)
        if not _DECIMAL.match(compact):
            raise ValueError(text)
        number = float(compact.replace(",", "."))
        if not math.isfinite(number):
            raise ValueError(text)
        return number
    if field.kind == "date":
        return parse_date(text).isoformat()
    if field.kind == "choice":
        return next((v for v, _ in field.choices if _choice_text(v) == text), text)
    if field.kind == "json":
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(text) from exc
    return text


def parse_date(text: str) -> date:
    """`2026-03-10` (a date input) or `10/03/2026` (typed as Vietnamese write dates)."""
    if _ISO_DATE.match(text):
        return date.fromisoformat(text)
    match = _DAY_MONTH_YEAR.match(text)
    if match is None:
        raise ValueError(text)
    day, month, year = (int(part) for part in match.groups())
    return date(year, month, day)


def choice_text(value: Any) -> str:
    """How a choice's value is written in the page (and posted back)."""
    return _choice_text(value)


def _choice_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)
