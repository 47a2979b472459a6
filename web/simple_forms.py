"""Errors of a hand-written form (login, lookup), in the shape the field macros and the error
summary expect; the JSON-Schema forms (web.forms_render) produce the same shape."""

from __future__ import annotations


class FormErrors:
    """Messages by field name, in the order they were found (the error summary's order)."""

    def __init__(self) -> None:
        self._messages: dict[str, str] = {}

    def add(self, field: str, message: str) -> None:
        self._messages.setdefault(field, message)

    def check_text(
        self, field: str, value: str, *, missing: str, max_length: int, too_long: str
    ) -> None:
        """A required text field: `missing` when empty, `too_long` past `max_length`."""
        if not value:
            self.add(field, missing)
        elif len(value) > max_length:
            self.add(field, too_long)

    def get(self, field: str) -> str | None:
        return self._messages.get(field)

    def items(self) -> list[tuple[str, str]]:
        return list(self._messages.items())

    def __bool__(self) -> bool:
        return bool(self._messages)

    def __len__(self) -> int:
        return len(self._messages)
