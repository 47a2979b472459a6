"""The unit of work: one session, one transaction, rolled back unless committed."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from storage.audit import AuditLog, Checkpoints
from storage.db import SQLITE_BEGIN_OPTION, is_sqlite, make_session_factory
from storage.errors import (
    AppendOnlyError,
    DatabaseBusyError,
    DuplicateRecordError,
    StaleRecordError,
)
from storage.events import Events
from storage.files import DossierFiles
from storage.models import Definition
from storage.repositories import (
    CalendarOverrides,
    CodeSequences,
    Definitions,
    Dossiers,
    Units,
    Users,
)
from storage.throttles import LoginThrottles
from storage.work import Timers, WorkItems


class UnitOfWork:
    """`with uow: ...; uow.commit()` — anything not committed is rolled back on exit."""

    session: Session
    definitions: Definitions
    units: Units
    users: Users
    dossiers: Dossiers
    codes: CodeSequences
    work_items: WorkItems
    events: Events
    timers: Timers
    calendar: CalendarOverrides
    audit: AuditLog
    checkpoints: Checkpoints
    logins: LoginThrottles
    files: DossierFiles

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        write: bool,
        sqlite: bool,
        definition_cache: dict[int, Definition],
        snapshot: bool = False,
    ) -> None:
        self._factory = factory
        self._write = write
        self._sqlite = sqlite
        self._snapshot = snapshot
        self._definition_cache = definition_cache

    def __enter__(self) -> Self:
        self.session = self._factory()
        if self._write and self._sqlite:
            self.session.connection(execution_options={SQLITE_BEGIN_OPTION: "IMMEDIATE"})
        elif self._snapshot and not self._sqlite:
            # Every statement sees the same snapshot (SQLite's read transactions already do).
            self.session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        elif not self._write and not self._sqlite:
            # READ COMMITTED takes a fresh snapshot per statement even inside a transaction,
            # so reads lose nothing in autocommit and save the BEGIN and ROLLBACK round trips.
            self.session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
        self.definitions = Definitions(self.session, self._definition_cache)
        self.units = Units(self.session)
        self.users = Users(self.session)
        self.dossiers = Dossiers(self.session)
        self.codes = CodeSequences(self.session)
        self.work_items = WorkItems(self.session)
        self.events = Events(self.session)
        self.timers = Timers(self.session)
        self.calendar = CalendarOverrides(self.session)
        self.audit = AuditLog(self.session)
        self.checkpoints = Checkpoints(self.session)
        self.logins = LoginThrottles(self.session)
        self.files = DossierFiles(self.session)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()
        if exc is not None:
            _raise_translated(exc)

    def flush(self) -> None:
        with translate_errors():
            self.events.write_heads()
            self.session.flush()

    def commit(self) -> None:
        with translate_errors():
            self.events.write_heads()
            self.session.commit()


class translate_errors:  # noqa: N801 - used as a context manager, reads like a statement
    """Turn SQLAlchemy's errors into storage errors the engine understands."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is not None:
            _raise_translated(exc)


#: PostgreSQL SQLSTATEs: serialization_failure, deadlock_detected (a concurrent writer won).
_PG_CONFLICT_STATES = frozenset({"40001", "40P01"})
#: lock_not_available (lock_timeout), query_canceled (statement_timeout).
_PG_BUSY_STATES = frozenset({"55P03", "57014"})


def _raise_translated(exc: BaseException) -> None:
    if isinstance(exc, StaleDataError):
        raise StaleRecordError(str(exc)) from exc
    if isinstance(exc, IntegrityError | OperationalError) and "append-only" in str(exc.orig):
        raise AppendOnlyError(str(exc.orig)) from exc
    if isinstance(exc, IntegrityError):
        raise DuplicateRecordError(str(exc.orig)) from exc
    if isinstance(exc, DBAPIError):
        sqlstate = getattr(exc.orig, "sqlstate", None)
        if sqlstate in _PG_CONFLICT_STATES:
            raise StaleRecordError(str(exc.orig)) from exc
        if sqlstate in _PG_BUSY_STATES:
            raise DatabaseBusyError(str(exc.orig)) from exc
    if isinstance(exc, OperationalError) and "locked" in str(exc.orig).lower():
        raise DatabaseBusyError(str(exc.orig)) from exc


class Database:
    """The process-wide engine and session factory, made once at start-up."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.factory = make_session_factory(engine)
        self.sqlite = is_sqlite(engine)
        self.definition_cache: dict[int, Definition] = {}

    def uow(self, *, write: bool = True, snapshot: bool = False) -> UnitOfWork:
        return UnitOfWork(
            self.factory,
            write=write,
            sqlite=self.sqlite,
            definition_cache=self.definition_cache,
            snapshot=snapshot,
        )

    def dispose(self) -> None:
        self.engine.dispose()
