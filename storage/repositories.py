"""Collection-like access to the reference data, users and dossiers. Repositories never commit;
the unit of work does. The others: `storage.work` (work items, timers), `storage.events` (event
chains), `storage.audit`, `storage.throttles`, `storage.files`."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, String, bindparam, cast, exists, func, or_, select
from sqlalchemy.orm import Session, defer

from storage.db import dialect_of, insert_for
from storage.models import (
    CalendarOverride,
    CodeSequence,
    Definition,
    Dossier,
    Event,
    RoleGrant,
    Unit,
    User,
    WorkItem,
)
from storage.statuses import RoleGrantStatus


def _locking(stmt: Select[Dossier]) -> Select[Dossier]:
    # A real row lock on PostgreSQL (SQLite drops it; its IMMEDIATE transaction covers).
    # populate_existing: what the lock returns must overwrite a copy read earlier.
    return stmt.with_for_update().execution_options(populate_existing=True)


# The statements every request runs are built once: building one costs more than running it.
_LATEST_DEFINITION = (
    select(Definition.id)
    .where(Definition.key == bindparam("definition_key"))
    .order_by(Definition.version.desc())
    .limit(1)
)
_LOCK_FOR_TASK = _locking(
    select(Dossier).where(
        Dossier.id
        == select(WorkItem.dossier_id).where(WorkItem.id == bindparam("task_id")).scalar_subquery()
    )
)
# Claims and releases read none of the bulk of the row: the workflow state (kilobytes, stored
# out of line), the submitted data and the applicant stay in the database.
_LOCK_FOR_CLAIM = _LOCK_FOR_TASK.options(
    defer(Dossier.state), defer(Dossier.data), defer(Dossier.submission), defer(Dossier.applicant)
)
_ALL_OVERRIDES = select(CalendarOverride).order_by(CalendarOverride.day)


@functools.cache
def _next_code_statement(dialect: str) -> Any:
    stmt = insert_for(dialect)(CodeSequence).values(
        unit_code=bindparam("unit"), day=bindparam("code_day"), last_value=1
    )
    return stmt.on_conflict_do_update(
        index_elements=[CodeSequence.unit_code, CodeSequence.day],
        set_={"last_value": CodeSequence.last_value + 1},
    ).returning(CodeSequence.last_value)


class DefinitionRowCache:
    """Definition rows by id, kept for the life of a Database (one per process) as detached,
    read-only objects: deployed definitions never change, so the hot paths skip loading the
    diagram sources and forms on every request. Rows only: what the engine derives from a row
    (its parsed diagrams, its model) is cached once per process in `engine.definitions.cache`.
    Ids are numbered per database, so each Database keeps its own."""

    def __init__(self) -> None:
        self._rows: dict[int, Definition] = {}

    def get(self, definition_id: int) -> Definition | None:
        return self._rows.get(definition_id)

    def keep(self, definition: Definition) -> None:
        self._rows[definition.id] = definition


class Definitions:
    """Deployed definitions; rows read by id come from the Database's `DefinitionRowCache`."""

    def __init__(self, session: Session, rows: DefinitionRowCache) -> None:
        self.session = session
        self._rows = rows
        self._added: set[int] = set()

    def add(self, definition: Definition) -> None:
        self.session.add(definition)
        self.session.flush()
        self._added.add(definition.id)

    def get(self, definition_id: int) -> Definition | None:
        cached = self._rows.get(definition_id)
        if cached is not None:
            return cached
        definition = self.session.get(Definition, definition_id)
        if definition is None or definition_id in self._added:
            return definition  # not committed yet: nothing to share
        self.session.expunge(definition)  # a rollback must not expire the shared copy
        self._rows.keep(definition)
        return definition

    def latest(self, key: str) -> Definition | None:
        definition_id = self.session.scalars(_LATEST_DEFINITION, {"definition_key": key}).first()
        return None if definition_id is None else self.get(definition_id)

    def by_hash(self, key: str, content_hash: str) -> Definition | None:
        stmt = select(Definition).where(
            Definition.key == key, Definition.content_hash == content_hash
        )
        return self.session.scalars(stmt).first()

    def version(self, key: str, version: int) -> Definition | None:
        stmt = select(Definition).where(Definition.key == key, Definition.version == version)
        return self.session.scalars(stmt).first()

    def cached_version(self, key: str, version: int) -> Definition | None:
        """`version`, through the per-process copy `get` keeps: only the id is read (the
        unique key's index), not the sources and forms again for every dossier replayed."""
        stmt = select(Definition.id).where(Definition.key == key, Definition.version == version)
        definition_id = self.session.scalars(stmt).first()
        return None if definition_id is None else self.get(definition_id)

    def versions(self, key: str) -> Sequence[Definition]:
        stmt = select(Definition).where(Definition.key == key).order_by(Definition.version)
        return self.session.scalars(stmt).all()

    def all_latest(self) -> Sequence[Definition]:
        """The newest version of every procedure, for lists: the diagram sources and the forms
        (most of a row's bytes, JSON to decode) load only if a caller touches them."""
        newest = (
            select(Definition.key, func.max(Definition.version).label("version"))
            .group_by(Definition.key)
            .subquery()
        )
        stmt = (
            select(Definition)
            .join(
                newest, (Definition.key == newest.c.key) & (Definition.version == newest.c.version)
            )
            .order_by(Definition.key)
            .options(defer(Definition.sources), defer(Definition.forms))
        )
        return self.session.scalars(stmt).all()


class Units:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, code: str) -> Unit | None:
        return self.session.get(Unit, code)

    def add(self, unit: Unit) -> None:
        self.session.add(unit)
        self.session.flush()

    def all(self) -> Sequence[Unit]:
        return self.session.scalars(select(Unit).order_by(Unit.code)).all()

    def page(self, offset: int, limit: int) -> tuple[Sequence[Unit], int]:
        total = self.session.scalar(select(func.count()).select_from(Unit)) or 0
        stmt = select(Unit).order_by(Unit.code).offset(offset).limit(limit)
        return self.session.scalars(stmt).all(), total


@dataclass(frozen=True, slots=True)
class UserFilter:
    unit_code: str | None = None
    role: str | None = None
    active: bool | None = None
    username_prefix: str | None = None


class Users:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, user_id: int) -> User | None:
        return self.session.get(User, user_id)

    def by_username(self, username: str) -> User | None:
        return self.session.scalars(select(User).where(User.username == username)).first()

    def full_name(self, username: str) -> str | None:
        """The account's full name now (a document prints it as it is at issue)."""
        user = self.by_username(username)
        return user.full_name if user is not None else None

    def lock_for_share(
        self, *, user_id: int | None = None, username: str | None = None
    ) -> User | None:
        """The account, read under a share lock (PostgreSQL): a concurrent deactivation or move
        either waits for the caller's transaction or is seen by it."""
        stmt = select(User)
        stmt = (
            stmt.where(User.id == user_id)
            if user_id is not None
            else stmt.where(User.username == username)
        )
        stmt = stmt.with_for_update(read=True).execution_options(populate_existing=True)
        return self.session.scalars(stmt).first()

    def add(self, user: User) -> None:
        self.session.add(user)
        self.session.flush()

    def all(self) -> Sequence[User]:
        return self.session.scalars(select(User).order_by(User.username)).all()

    def search(self, flt: UserFilter, offset: int, limit: int) -> tuple[Sequence[User], int]:
        stmt = select(User)
        if flt.unit_code is not None:
            stmt = stmt.where(User.unit_code == flt.unit_code)
        if flt.active is not None:
            stmt = stmt.where(User.active.is_(flt.active))
        if flt.username_prefix:
            stmt = stmt.where(User.username.startswith(flt.username_prefix, autoescape=True))
        if flt.role is not None:
            # `roles` is a JSON list of plain words; its text form reads the same on both databases.
            stmt = stmt.where(cast(User.roles, String).like(f'%"{flt.role}"%'))
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = self.session.scalars(stmt.order_by(User.username).offset(offset).limit(limit))
        return rows.all(), total

    def revoke_tokens(self, user: User) -> None:
        """Raise the account's credentials epoch, in SQL (`epoch + 1` on the row as committed):
        two concurrent changes raise it twice, so neither can leave a token of the other alive."""
        user.credentials_epoch = User.credentials_epoch + 1

    def any_active_demo(self) -> bool:
        stmt = select(User.id).where(User.is_demo.is_(True), User.active.is_(True)).limit(1)
        return self.session.scalars(stmt).first() is not None


class RoleGrants:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, grant: RoleGrant) -> None:
        self.session.add(grant)
        self.session.flush()

    def get(self, grant_id: int, *, for_update: bool = False) -> RoleGrant | None:
        stmt = select(RoleGrant).where(RoleGrant.id == grant_id)
        if for_update:
            stmt = stmt.with_for_update().execution_options(populate_existing=True)
        return self.session.scalars(stmt).first()

    def pending_for(self, user_id: int, role: str) -> RoleGrant | None:
        stmt = select(RoleGrant).where(
            RoleGrant.user_id == user_id,
            RoleGrant.role == role,
            RoleGrant.status == RoleGrantStatus.PENDING,
        )
        return self.session.scalars(stmt).first()

    def page(self, status: str | None, offset: int, limit: int) -> tuple[Sequence[RoleGrant], int]:
        stmt = select(RoleGrant)
        if status is not None:
            stmt = stmt.where(RoleGrant.status == status)
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = self.session.scalars(stmt.order_by(RoleGrant.id.desc()).offset(offset).limit(limit))
        return rows.all(), total


@dataclass(frozen=True, slots=True)
class DossierSearch:
    """An auditor's search: code prefix, procedure, unit, submitted in [since, before)."""

    code_prefix: str | None = None
    procedure: str | None = None
    unit_code: str | None = None
    since: datetime | None = None
    before: datetime | None = None


class Dossiers:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, dossier: Dossier) -> None:
        self.session.add(dossier)
        self.session.flush()

    def by_code(self, code: str, *, for_update: bool = False) -> Dossier | None:
        return self._one(select(Dossier).where(Dossier.code == code), for_update)

    def get(self, dossier_id: int, *, for_update: bool = False) -> Dossier | None:
        return self._one(select(Dossier).where(Dossier.id == dossier_id), for_update)

    def lock_for_task(self, task_id: str, *, whole: bool = True) -> Dossier | None:
        """The dossier a work item belongs to, row-locked like `get(..., for_update=True)`;
        `whole=False` leaves its state, data, submission and applicant unloaded (loaded on
        first access)."""
        stmt = _LOCK_FOR_TASK if whole else _LOCK_FOR_CLAIM
        return self.session.scalars(stmt, {"task_id": task_id}).first()

    def _one(self, stmt: Select[Dossier], for_update: bool) -> Dossier | None:
        if for_update:
            stmt = _locking(stmt)
        return self.session.scalars(stmt).first()

    def page(self, stmt: Select[Dossier], offset: int, limit: int) -> tuple[Sequence[Dossier], int]:
        """A page for a list: the workflow state and the submitted data (the bulk of a row)
        load only if a caller touches them."""
        total = (
            self.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
            or 0
        )
        listed = stmt.options(defer(Dossier.state), defer(Dossier.submission), defer(Dossier.data))
        return self.session.scalars(listed.offset(offset).limit(limit)).all(), total

    def ids_after(
        self,
        dossier_id: int,
        limit: int,
        *,
        upto: int | None = None,
        changed_since: datetime | None = None,
    ) -> Sequence[int]:
        """The next `limit` dossier ids (keyset pagination): walks every dossier in batches,
        reading only the primary key index; `upto` ends the walk at that id (inclusive).

        `changed_since` keeps only the dossiers something was written to at or after that time:
        an event of the dossier, its row (`updated_at`), or one of its work items (created,
        claimed or completed). Each candidate is probed through the dossier-id indexes, so a
        walk reads every dossier id once however few have changed.
        """
        stmt = select(Dossier.id).where(Dossier.id > dossier_id)
        if upto is not None:
            stmt = stmt.where(Dossier.id <= upto)
        if changed_since is not None:
            stmt = stmt.where(
                or_(
                    Dossier.updated_at >= changed_since,
                    exists().where(
                        Event.dossier_id == Dossier.id, Event.occurred_at >= changed_since
                    ),
                    exists().where(
                        WorkItem.dossier_id == Dossier.id,
                        or_(
                            WorkItem.created_at >= changed_since,
                            WorkItem.claimed_at >= changed_since,
                            WorkItem.completed_at >= changed_since,
                        ),
                    ),
                )
            )
        return self.session.scalars(stmt.order_by(Dossier.id).limit(limit)).all()

    def id_bounds(self) -> tuple[int, int] | None:
        """The lowest and highest dossier id, or None without dossiers."""
        low, high = self.session.execute(select(func.min(Dossier.id), func.max(Dossier.id))).one()
        return None if low is None else (int(low), int(high))

    def for_owner(self, user_id: int, offset: int, limit: int) -> tuple[Sequence[Dossier], int]:
        stmt = select(Dossier).where(Dossier.owner_user_id == user_id).order_by(Dossier.id.desc())
        return self.page(stmt, offset, limit)

    def every(self, offset: int, limit: int) -> tuple[Sequence[Dossier], int]:
        return self.page(select(Dossier).order_by(Dossier.id.desc()), offset, limit)

    def search(self, flt: DossierSearch, offset: int, limit: int) -> tuple[Sequence[Dossier], int]:
        """Every unit's dossiers matching `flt`, newest first (auditors search the system)."""
        stmt = select(Dossier)
        if flt.code_prefix:
            stmt = stmt.where(Dossier.code.startswith(flt.code_prefix, autoescape=True))
        if flt.procedure:
            stmt = stmt.where(Dossier.procedure_key == flt.procedure)
        if flt.unit_code:
            stmt = stmt.where(Dossier.unit_code == flt.unit_code)
        if flt.since is not None:
            stmt = stmt.where(Dossier.submitted_at >= flt.since)
        if flt.before is not None:
            stmt = stmt.where(Dossier.submitted_at < flt.before)
        return self.page(stmt.order_by(Dossier.id.desc()), offset, limit)

    def for_unit(self, unit_code: str, offset: int, limit: int) -> tuple[Sequence[Dossier], int]:
        stmt = select(Dossier).where(Dossier.unit_code == unit_code).order_by(Dossier.id.desc())
        return self.page(stmt, offset, limit)


class CodeSequences:
    def __init__(self, session: Session) -> None:
        self.session = session

    def next_value(self, unit_code: str, day: str) -> int:
        """Atomically take the unit's next number of the day (an upsert; safe under concurrency)."""
        stmt = _next_code_statement(dialect_of(self.session))
        return int(self.session.execute(stmt, {"unit": unit_code, "code_day": day}).scalar_one())


class CalendarOverrides:
    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> Sequence[CalendarOverride]:
        return self.session.scalars(_ALL_OVERRIDES).all()

    def get(self, day: date) -> CalendarOverride | None:
        return self.session.get(CalendarOverride, day)

    def add(self, override: CalendarOverride) -> None:
        self.session.add(override)

    def delete(self, override: CalendarOverride) -> None:
        self.session.delete(override)
