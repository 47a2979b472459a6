"""Checking a document's data (untrusted) against its form's fields, before anything renders.

Text is NFC-normalised and every space character becomes a plain space; a character the
document font cannot print (or that could disguise text: controls, bidi overrides, zero-width
characters) is refused with the field's path, never dropped silently. Sizes are bounded so
that the worst accepted input still renders in bounded time.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from datetime import date, datetime, timedelta, timezone
from functools import cache
from typing import Any

from engine.documents.catalogue import TEMPLATES_DIR, FieldSpec
from engine.errors import FieldError, ValidationFailedError

VIETNAM = timezone(timedelta(hours=7))
TEXT_MAX = 1_000
PARAGRAPH_MAX = 20_000
LONGEST_WORD = 80  # characters without a space: a longer run cannot wrap and would leave the page
TOTAL_TEXT_MAX = 200_000  # characters in all fields: bounds the worst render to ~1.5 s of CPU
Json = dict[str, Any]


@cache
def printable() -> frozenset[int]:
    """Code points listed in templates/charset.txt, plus the space."""
    allowed = {0x20}
    for line in (TEMPLATES_DIR / "charset.txt").read_text(encoding="ascii").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        first, _, last = line.partition("-")
        allowed.update(range(int(first, 16), int(last or first, 16) + 1))
    return frozenset(allowed)


class _Checker:
    def __init__(self) -> None:
        self.errors: list[FieldError] = []
        self.total_text = 0

    def fail(self, path: str, message: str) -> None:
        self.errors.append(FieldError(path, message))

    def text(self, path: str, value: Any, spec: FieldSpec) -> str | None:
        if not isinstance(value, str):
            self.fail(path, "must be text")
            return None
        normal = unicodedata.normalize("NFC", value.replace("\r\n", "\n"))
        text = "".join(" " if unicodedata.category(c) == "Zs" else c for c in normal)
        multiline = spec.type == "paragraph"
        limit = spec.max or (PARAGRAPH_MAX if multiline else TEXT_MAX)
        if len(text) > limit:
            self.fail(path, f"is {len(text)} characters long; at most {limit} are allowed")
            return None
        allowed = printable()
        for position, char in enumerate(text):
            if char == "\n" and multiline:
                continue
            if ord(char) not in allowed:
                name = unicodedata.name(char, "unnamed character")
                self.fail(
                    path,
                    f"character U+{ord(char):04X} ({name}) at position {position + 1} cannot be "
                    "printed on a document",
                )
                return None
        longest = max((len(word) for word in text.split()), default=0)
        if longest > LONGEST_WORD:
            self.fail(
                path, f"has a word of {longest} characters; at most {LONGEST_WORD} fit a line"
            )
            return None
        if not text.strip():
            if not spec.optional:
                self.fail(path, "must not be empty")
            return None
        self.total_text += len(text)
        return text

    def moment(self, path: str, value: Any, with_time: bool) -> Json | None:
        if not isinstance(value, str):
            self.fail(path, f"must be {'a date-time' if with_time else 'a date'} in ISO form")
            return None
        try:
            if with_time:
                moment = datetime.fromisoformat(value)
                if moment.tzinfo is not None:
                    moment = moment.astimezone(VIETNAM)
                return {
                    "year": moment.year,
                    "month": moment.month,
                    "day": moment.day,
                    "hour": moment.hour,
                    "minute": moment.minute,
                }
            day = date.fromisoformat(value)
            return {"year": day.year, "month": day.month, "day": day.day}
        except ValueError:
            shape = "YYYY-MM-DDTHH:MM" if with_time else "YYYY-MM-DD"
            self.fail(path, f"{value[:40]!r} is not a {shape} value")
            return None

    def value(self, path: str, value: Any, spec: FieldSpec) -> Any:
        kind = spec.type
        if kind in ("text", "paragraph"):
            return self.text(path, value, spec)
        if kind == "integer":
            if not isinstance(value, int) or isinstance(value, bool):
                self.fail(path, "must be a whole number")
                return None
            if (spec.min is not None and value < spec.min) or (
                spec.max is not None and value > spec.max
            ):
                self.fail(path, f"must be between {spec.min} and {spec.max}")
                return None
            return value
        if kind in ("date", "datetime"):
            return self.moment(path, value, kind == "datetime")
        if kind == "choice":
            if value not in spec.values:
                self.fail(path, f"must be one of {', '.join(spec.values)}")
                return None
            return value
        if kind == "object":
            return self.fields(path, value, spec.children)
        # list or table
        if not isinstance(value, list):
            self.fail(path, "must be a list")
            return None
        if len(value) > spec.max_items:
            self.fail(path, f"has {len(value)} entries; at most {spec.max_items} are allowed")
            return None
        if not value and not spec.optional:
            self.fail(path, "must not be empty")
            return None
        if kind == "list":
            assert spec.item is not None
            return [self.value(f"{path}[{i}]", v, spec.item) for i, v in enumerate(value)]
        return [self.fields(f"{path}[{i}]", row, spec.children) for i, row in enumerate(value)]

    def fields(self, path: str, value: Any, specs: Mapping[str, FieldSpec]) -> Json | None:
        prefix = f"{path}." if path else ""
        if not isinstance(value, dict):
            self.fail(path or "data", "must be an object")
            return None
        for unknown in sorted(set(value) - set(specs)):
            self.fail(f"{prefix}{unknown}"[:200], "is not a field of this form")
        checked: Json = {}
        for name, spec in specs.items():
            if value.get(name) is None:
                if not spec.optional:
                    self.fail(f"{prefix}{name}", "is required")
                continue
            result = self.value(f"{prefix}{name}", value[name], spec)
            if result is not None:
                checked[name] = result
        return checked


def check(form: str, data: Any, specs: Mapping[str, FieldSpec]) -> Json:
    """The data as the template reads it, or ValidationFailedError listing every problem."""
    checker = _Checker()
    checked = checker.fields("", data, specs)
    if checker.total_text > TOTAL_TEXT_MAX:
        checker.fail("data", f"holds {checker.total_text} characters; at most {TOTAL_TEXT_MAX}")
    if checker.errors or checked is None:
        raise ValidationFailedError(
            f"the data for {form} cannot be printed on the form", checker.errors[:50]
        )
    return checked
