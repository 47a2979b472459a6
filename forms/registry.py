"""Load form files: `forms/<procedure_key>/<form_key>.json` holds one JSON Schema per form."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

MAX_FORM_BYTES = 256 * 1024


class FormFileError(Exception):
    def __init__(self, file: str, message: str) -> None:
        super().__init__(f"{file}: {message}")
        self.file = file
        self.message = message


def load_form_bytes(filename: str, content: bytes) -> dict[str, Any]:
    """Parse one form file. Raises FormFileError when it is too large or not a JSON object."""
    if len(content) > MAX_FORM_BYTES:
        raise FormFileError(filename, f"form file larger than {MAX_FORM_BYTES} bytes")
    try:
        parsed = json.loads(content.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise FormFileError(filename, f"not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise FormFileError(
            filename, "not usable JSON: nested too deeply (a form nests at most 64 levels)"
        ) from exc
    if not isinstance(parsed, dict):
        raise FormFileError(filename, "a form file must hold a JSON object")
    return parsed


def form_key_of(filename: str) -> str:
    name = Path(filename).name
    for suffix in (".schema.json", ".json"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def load_directory(directory: Path) -> dict[str, bytes]:
    """Raw bytes of every `*.json` form in `directory` by file name (empty if it does not exist)."""
    if not directory.is_dir():
        return {}
    return {path.name: path.read_bytes() for path in sorted(directory.glob("*.json"))}
