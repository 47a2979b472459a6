"""The unit of work: one session, one transaction, rolled back unless committed."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Self

from sqlalchemy import Engine, bindparam, select
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from storage.account_models import User
from storage.account_tokens import AccountTokens
from storage.accounts import RoleGrants, Users
from storage.audit import AuditLog, Checkpoints
from storage.audit_models import Event
from storage.db import SQLITE_BEGIN_OPTION, is_sqlite, make_session_factory
from storage.dossiers import CodeSequences, Dossiers
from storage.errors import (
    AppendOnlyError,
    DatabaseBusyError,
    DuplicateRecordError,
    StaleRecordError,
)
from storage.events import Events
from storage.files import DossierFiles
from storage.integration import Acknowledgements, NotificationChoices, Webhooks
from storage.outbox import Heartbeats, Outbox
from storage.records import CalendarVersions, Documents, DocumentSealer
from storage.reference_data import CalendarOverrides, DefinitionRowCache, Definitions, Units
from storage.report_increments import ReportIncrements
from storage.report_projection import ReportProjection
from storage.reports import DueDossiers, ReportEvents
from storage.staging import StagedUploads
from storage.step_times import StepTimes
from storage.submission_keys import SubmissionKeys
from storage.throttles import LoginThrottles
from storage.work import Timers, WorkItems

#: Called after events are written, in their transaction, with the events written (in order):
#: keeps a projection of the events (engine.report_increments).
EventProjector = Callable[["UnitOfWork", Sequence[Event]], None]


class UnitOfWork:
    """`with uow: ...; uow.commit()` — anything not committed is rolled back on exit."""

    session: Session
    definitions: Definitions
    units: Units
    users: Users
    role_grants: RoleGrants
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
    staged: StagedUploads
    calendar_versions: CalendarVersions
    documents: Documents
    outbox: Outbox
    heartbeats: Heartbeats
    reports: ReportEvents
    due_dossiers: DueDossiers
    report_projection: ReportProjection
    report_increments: ReportIncrements
    account_tokens: AccountTokens
    webhooks: Webhooks
    notification_choices: NotificationChoices
    acknowledgements: Acknowledgements
    step_times: StepTimes
    submission_keys: SubmissionKeys

    def __init__(
        self,
        factory: sessionmaker[Session],
        *,
        write: bool,
        sqlite: bool,
        definition_rows: DefinitionRowCache,
        snapshot: bool = False,
        sealer: DocumentSealer | None = None,
        destinations: tuple[str, ...] = (),
        projector: EventProjector | None = None,
    ) -> None:
        #: Keeps the projections of the events written (the handling report's), or None.
        self._projector = projector
        #: Where the outbox's messages go (docs/integration.md); none, no message is written.
        self._destinations = destinations
        #: Issues documents of record as signed PDFs (None: issued without a PDF).
        self.sealer = sealer
        self._factory = factory
        self._write = write
        self._sqlite = sqlite
        self._snapshot = snapshot
        self._definition_rows = definition_rows

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
        self.definitions = Definitions(self.session, self._definition_rows)
        self.units = Units(self.session)
        self.users = Users(self.session)
        self.role_grants = RoleGrants(self.session)
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
        self.staged = StagedUploads(self.session)
        self.calendar_versions = CalendarVersions(self.session)
        self.documents = Documents(self.session)
        self.webhooks = Webhooks(self.session)
        self.notification_choices = NotificationChoices(self.session)
        self.acknowledgements = Acknowledgements(self.session)
        self.outbox = Outbox(self.session, self._destinations, self.webhooks)
        self.heartbeats = Heartbeats(self.session)
        self.reports = ReportEvents(self.session)
        self.due_dossiers = DueDossiers(self.session)
        self.report_projection = ReportProjection(self.session)
        self.report_increments = ReportIncrements(self.session)
        self.account_tokens = AccountTokens(self.session)
        self.step_times = StepTimes(self.session)
        self.submission_keys = SubmissionKeys(self.session)
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

    @property
    def writable(self) -> bool:
        """False in a read transaction (nothing it adds could be committed)."""
        return self._write

    def forget(self, *, keep: tuple[type[Any], ...] = ()) -> None:
        """Drop every row loaded so far (a read walking many rows keeps constant memory), but
        those of the `keep` types (a few rows every step reads again, e.g. immutable ones)."""
        if not keep:
            self.session.expunge_all()
            return
        for row in list(self.session):
            if not isinstance(row, keep):
                self.session.expunge(row)

    def flush(self) -> None:
        with translate_errors():
            self.session.flush()  # first: events refer to the dossiers they are about
            written = self.events.write_heads()
            if written and self._projector is not None:
                self._projector(self, written)

    def commit(self) -> None:
        with translate_errors():
            self.flush()
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

    def __init__(
        self,
        engine: Engine,
        *,
        sealer: DocumentSealer | None = None,
        destinations: tuple[str, ...] = (),
        projector: EventProjector | None = None,
    ) -> None:
        self.engine = engine
        self.projector = projector
        self.destinations = destinations
        self.sealer = sealer
        self.factory = make_session_factory(engine)
        self.sqlite = is_sqlite(engine)
        self.definition_rows = DefinitionRowCache()
        # One read needs no transaction: no BEGIN and ROLLBACK round trips (same pool).
        self._autocommit = engine.execution_options(isolation_level="AUTOCOMMIT")

    def uow(self, *, write: bool = True, snapshot: bool = False) -> UnitOfWork:
        return UnitOfWork(
            self.factory,
            write=write,
            sqlite=self.sqlite,
            definition_rows=self.definition_rows,
            snapshot=snapshot,
            sealer=self.sealer,
            destinations=self.destinations,
            projector=self.projector,
        )

    def account(self, user_id: int) -> Account | None:
        """The account behind a token, read on its own connection outside any unit of work:
        every request asks this first, and a session, its transaction and an ORM object cost
        several times the one indexed read."""
        with translate_errors(), self._autocommit.connect() as connection:
            row = connection.execute(_ACCOUNT_QUERY, {"user_id": user_id}).first()
        if row is None:
            return None
        return Account(
            id=row.id,
            username=row.username,
            roles=tuple(row.roles),
            unit_code=row.unit_code,
            active=bool(row.active) and row.deleted_at is None,
            is_demo=bool(row.is_demo),
            credentials_epoch=int(row.credentials_epoch),
        )

    def dispose(self) -> None:
        self.engine.dispose()


@dataclass(frozen=True, slots=True)
class Account:
    id: int
    username: str
    roles: tuple[str, ...]
    unit_code: str | None
    #: False once deactivated or deleted.
    active: bool
    is_demo: bool
    #: Tokens issued under another value are refused (see `User.credentials_epoch`).
    credentials_epoch: int


_USERS = User.__table__.c
_ACCOUNT_QUERY = select(
    _USERS.id,
    _USERS.username,
    _USERS.roles,
    _USERS.unit_code,
    _USERS.active,
    _USERS.deleted_at,
    _USERS.is_demo,
    _USERS.credentials_epoch,
).where(_USERS.id == bindparam("user_id"))
