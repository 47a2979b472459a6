"""JSON pointers into form documents: written as URI fragments in messages, and followed."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def pointer(parts: tuple[str | int, ...]) -> str:
    """JSON pointer of `parts` as a URI fragment: `#/properties/a~1b`."""
    escaped = (str(p).replace("~", "~0").replace("/", "~1") for p in parts)
    return "#" + "".join(f"/{p}" for p in escaped)


def value_at(document: Any, parts: tuple[str | int, ...]) -> Any:
    for part in parts:
        document = document[part]
    return document


def typed_parts(document: Any, parts: tuple[str, ...]) -> tuple[str | int, ...] | None:
    """The pointer's parts, typed as the document is (list indexes as ints), or None."""
    found: list[str | int] = []
    for part in parts:
        if isinstance(document, Mapping) and part in document:
            document = document[part]
            found.append(part)
        elif isinstance(document, list) and part.isdigit() and int(part) < len(document):
            document = document[int(part)]
            found.append(int(part))
        else:
            return None
    return tuple(found)
