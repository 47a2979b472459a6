"""How the command line writes a moment: ISO 8601 with its offset, in the deployment's time zone
(`MOTCUA_TIMEZONE`), as the HTTP API and the log lines do."""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Any


def local_iso(moment: datetime, tz: tzinfo) -> str:
    """`2026-03-10T09:00:00+07:00` (stored times are UTC-aware)."""
    return moment.astimezone(tz).isoformat(timespec="seconds")


def shown(value: Any, tz: tzinfo) -> str:
    """A value in a human-readable line: moments as `local_iso`, anything else as its repr."""
    return local_iso(value, tz) if isinstance(value, datetime) else repr(value)
