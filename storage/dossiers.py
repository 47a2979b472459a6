"""Collection-like access to dossiers (read, locked for a step, listed, searched, walked) and
the numbers their codes are made of. Repositories never commit; the unit of work does."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, exists, func, or_, select
from sqlalchemy.orm import Session, defer

from storage.audit_models import Event
from storage.db import dialect_of, insert_for
from storage.models import CodeSequence, Dossier, WorkItem


def _locking(stmt: Select[Dossier]) -> Select[Dossier]:
    # A real row lock on PostgreSQL (SQLite drops it; its IMMEDIATE transaction covers).
    # populate_existing: what the lock returns must overwrite a copy read earlier.
    return stmt.with_for_update().execution_options(populate_existing=True)


# The statements every request runs are built once: building one costs more than running it.
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


@functools.cache
def _next_code_statement(dialect: str) -> Any:
    stmt = insert_for(dialect)(CodeSequence).values(
        unit_code=bindparam("unit"), day=bindparam("code_day"), last_value=1
    )
    return stmt.on_conflict_do_update(
        index_elements=[CodeSequence.unit_code, CodeSequence.day],
        set_={"last_value": CodeSequence.last_value + 1},
    ).returning(CodeSequence.last_value)


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
