"""The engine for the current request (one `EngineContext`, shared with the API when composed)."""

from __future__ import annotations

from typing import cast

from flask import current_app

from engine.context import EngineContext

EXTENSION = "motcua"


def engine() -> EngineContext:
    return cast(EngineContext, current_app.extensions[EXTENSION])
