"""Process-wide singleton locks, so that exactly one process does a job (the timer scheduler).

PostgreSQL: a session advisory lock held on a dedicated connection; it is released when that
connection closes, so a crashed holder frees it. SQLite: an exclusive `fcntl.flock` on a file
next to the database; the kernel releases it when the holder's file is closed or it dies.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import threading
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url


class SingletonLock(Protocol):
    description: str

    def try_acquire(self) -> bool:
        """Take the lock if nobody holds it; True if this holder has it (now or already)."""
        ...

    def release(self) -> None:
        """Give the lock up; harmless when not held."""
        ...


def singleton_lock(engine: Engine, name: str) -> SingletonLock:
    """The lock called `name` for the database behind `engine`."""
    if engine.dialect.name == "postgresql":
        return AdvisoryLock(engine, name)
    database = make_url(str(engine.url)).database
    if not database or database == ":memory:":
        return ProcessLock(name)
    return FileLock(Path(f"{database}.{name}.lock"))


class AdvisoryLock:
    def __init__(self, engine: Engine, name: str) -> None:
        self._engine = engine
        self._key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)
        self._connection: Any = None
        self.description = f"PostgreSQL advisory lock {self._key} ({name})"

    def try_acquire(self) -> bool:
        if self._connection is not None:
            return True
        # Autocommit: the lock belongs to the database session, not to a transaction, and this
        # connection must not sit "idle in transaction" for as long as it holds the lock.
        connection = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        try:
            taken = connection.execute(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}
            ).scalar_one()
        except Exception:
            connection.close()
            raise
        if not taken:
            connection.close()
            return False
        self._connection = connection
        return True

    def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": self._key})
        finally:
            connection.close()


class FileLock:
    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None
        self.description = f"file lock {path}"

    def try_acquire(self) -> bool:
        if self._fd is not None:
            return True
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return True

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)


class ProcessLock:
    """For in-memory databases, which only one process can see anyway."""

    _held: set[str] = set()
    _guard = threading.Lock()

    def __init__(self, name: str) -> None:
        self._name = name
        self._mine = False
        self.description = f"in-process lock {name}"

    def try_acquire(self) -> bool:
        with self._guard:
            if self._mine:
                return True
            if self._name in self._held:
                return False
            self._held.add(self._name)
            self._mine = True
            return True

    def release(self) -> None:
        with self._guard:
            if self._mine:
                self._held.discard(self._name)
                self._mine = False
