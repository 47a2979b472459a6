"""Storage errors; the engine translates them into its own."""

from __future__ import annotations

from sqlalchemy.exc import SQLAlchemyError


class StorageError(Exception):
    pass


class StaleRecordError(StorageError):
    """Someone else changed the row since it was read (optimistic version check failed)."""


class DuplicateRecordError(StorageError):
    """A unique constraint refused the write."""


class DatabaseBusyError(StorageError):
    """The database stayed locked longer than the busy timeout."""


class AppendOnlyError(StorageError):
    """The database refused to change or delete an audit row (append-only triggers)."""


def is_database_error(exc: BaseException) -> bool:
    """True if `exc` came from the database (busy, down, refused), not from what ran on it."""
    return isinstance(exc, StorageError | SQLAlchemyError)
