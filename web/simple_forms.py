"""Errors of a hand-written form (login, lookup), in the shape the field macros and the error
summary expect; the JSON-Schema forms (web.forms_render) produce the same shape."""

from __future__ import annotations


class FormErrors:
    """Messages by field name, in the order they were found (the error summary's order)."""

    def __init__(self) -> None:
        self._messages: dict[str, str] = {}

    def add(self, field: str, message: str) -> None:
        self._messages.setdefault(field, message)

    def get(self, field: str) -> str | None:
        return self._messages.get(field)

    def items(self) -> list[tuple[str, str]]:
        return list(self._messages.items())

    def __bool__(self) -> bool:
        return bool(self._messages)

    def __len__(self) -> int:
        return len(self._messages)
