"""Storage conflicts become engine conflicts (HTTP 409; the scheduler retries)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from engine.errors import ConcurrentModificationError
from storage.errors import DatabaseBusyError, StaleRecordError


@contextmanager
def conflicts_as_errors() -> Iterator[None]:
    try:
        yield
    except StaleRecordError as exc:
        raise ConcurrentModificationError(
            "the dossier was changed by someone else at the same time; reload and try again"
        ) from exc
    except DatabaseBusyError as exc:
        raise ConcurrentModificationError("the database is busy; try again") from exc
