"""Hostile request bodies: JSON that is too deep, too big or carries characters no database
keeps is refused with 413/422 before any schema or engine code sees it (never a 500 or a hang)."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import marshmallow as ma
from flask import abort, request
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request

from api.contract import unknown_parts

#: Deep enough for every form (the deepest nests objects in lists in `data`), far below the
#: recursion limits of the JSON parser, JSON Schema validation and canonical JSON of events.
MAX_JSON_DEPTH = 32
#: Values (objects, arrays, strings, numbers...) in one body.
MAX_JSON_VALUES = 20_000
#: NUL and lone surrogates: PostgreSQL refuses the first, UTF-8 cannot encode the second.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class StrictParser(FlaskParser):
    """webargs' Flask parser with guarded JSON, and every location strict about unknown fields
    (the schemas' `Meta.unknown`, RAISE in `api.base.Schema`, decides)."""

    DEFAULT_UNKNOWN_BY_LOCATION: dict[str, str | None] = dict.fromkeys(
        FlaskParser.DEFAULT_UNKNOWN_BY_LOCATION
    )

    def load_files(self, req: Any, schema: ma.Schema) -> Any:
        """Multipart parts: any part or form field the schema does not name is refused (422)."""
        unknown = unknown_parts(req, schema)
        if unknown:
            raise ma.ValidationError(unknown)
        return super().load_files(req, schema)

    def _raw_load_json(self, req: Any) -> Any:
        if not is_json_request(req):
            return core.missing
        raw = req.get_data(cache=True)
        limit = req.max_content_length
        if req.content_length is None and limit is not None and len(raw) >= limit:
            # A streamed (chunked) body is cut at the limit without an error: refuse it whole.
            abort(413, description=f"a request body may have at most {limit - 1} bytes")
        return load_json(raw)


def load_json(raw: bytes) -> Any:
    """Parse a request body, refusing what could hurt us later.

    Raises:
        marshmallow.ValidationError: invalid, too deeply nested or unstorable text (-> 422).
        werkzeug RequestEntityTooLarge: too many values (-> 413).
    """
    try:
        value = json.loads(
            raw.decode("utf-8"), parse_float=_finite_float, parse_constant=_no_constant
        )
    except UnicodeDecodeError as exc:
        raise ma.ValidationError({"(body)": ["not UTF-8 text"]}) from exc
    except json.JSONDecodeError as exc:
        raise ma.ValidationError({"(body)": [f"not valid JSON: {exc.msg} at {exc.pos}"]}) from exc
    except ValueError as exc:  # infinities, NaN, integers of more than 4,300 digits
        raise ma.ValidationError({"(body)": ["a number is out of range"]}) from exc
    except RecursionError as exc:
        raise ma.ValidationError(
            {"(body)": [f"JSON nested deeper than {MAX_JSON_DEPTH} levels"]}
        ) from exc
    check_json(value)
    return value


def check_json(value: Any) -> None:
    """Walk the document without recursion: depth, number of values, storable strings."""
    stack: list[tuple[Any, str, int]] = [(value, "", 0)]
    seen = 0
    while stack:
        item, path, depth = stack.pop()
        seen += 1
        if seen > MAX_JSON_VALUES:
            abort(413, description=f"a JSON body holds at most {MAX_JSON_VALUES} values")
        if depth > MAX_JSON_DEPTH:
            _refuse(path, f"nested deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(item, str):
            if _UNSTORABLE.search(item):
                _refuse(path, "contains a NUL character or an unpaired surrogate")
        elif isinstance(item, dict):
            for key, child in item.items():
                if _UNSTORABLE.search(key):
                    _refuse(path, "a key contains a NUL character or an unpaired surrogate")
                stack.append((child, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(item, list):
            stack.extend(
                (child, f"{path}.{i}" if path else str(i), depth + 1)
                for i, child in enumerate(item)
            )


def _finite_float(text: str) -> float:
    number = float(text)
    if not math.isfinite(number):
        raise ValueError(f"number out of range: {text[:20]}")
    return number


def _no_constant(text: str) -> float:
    raise ValueError(f"{text} is not a JSON number")


def _refuse(path: str, message: str) -> None:
    raise ma.ValidationError({path or "(body)": [message]})


def refuse_unstorable_url() -> None:
    """Before every request: a NUL in the path or query is refused (400), never sent to SQL."""
    if "\x00" in request.path or any(
        "\x00" in k or "\x00" in v for k, v in request.args.items(multi=True)
    ):
        abort(400, description="NUL characters are not allowed in URLs")
