"""The officers' work: work items (one per READY user task, the inboxes) and BPMN timers (what
the scheduler fires). Repositories never commit; the unit of work does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, bindparam, func, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from storage.models import Dossier, Timer, WorkItem
from storage.statuses import TimerStatus, WorkItemStatus

# The statements every task action runs are built once: building one costs more than running it.
_OPEN_FOR_DOSSIER = (
    select(WorkItem)
    .where(WorkItem.dossier_id == bindparam("dossier_id"), WorkItem.status == WorkItemStatus.OPEN)
    .order_by(WorkItem.created_at, WorkItem.id)
)
_CLAIM = (
    update(WorkItem)
    .where(
        WorkItem.id == bindparam("item_id"),
        WorkItem.status == WorkItemStatus.OPEN,
        WorkItem.claimed_by_id.is_(None),
    )
    .values(
        claimed_by_id=bindparam("user_id"),
        claimed_by_username=bindparam("username"),
        claimed_at=bindparam("at"),
    )
    .returning(WorkItem.id)
    .execution_options(synchronize_session=False)
)
_RELEASE = (
    update(WorkItem)
    .where(
        WorkItem.id == bindparam("item_id"),
        WorkItem.status == WorkItemStatus.OPEN,
        WorkItem.claimed_by_id == bindparam("user_id"),
    )
    .values(claimed_by_id=None, claimed_by_username=None, claimed_at=None)
    .returning(WorkItem.id)
    .execution_options(synchronize_session=False)
)
_COMPLETION_CHECK = (
    select(
        WorkItem.role,
        WorkItem.unit_code,
        WorkItem.status,
        WorkItem.claimed_by_id,
        WorkItem.form_key,
        Dossier.definition_id,
    )
    .join(Dossier, Dossier.id == WorkItem.dossier_id)
    .where(WorkItem.id == bindparam("item_id"))
)
_PENDING_FOR_DOSSIER = select(Timer).where(
    Timer.dossier_id == bindparam("dossier_id"), Timer.status == TimerStatus.PENDING
)


@dataclass(frozen=True, slots=True)
class CompletionCheck:
    """What completing a task is checked against before its transaction opens."""

    role: str
    unit_code: str
    status: str
    claimed_by_id: int | None
    form_key: str | None
    definition_id: int


@dataclass(frozen=True, slots=True)
class InboxFilter:
    unit_code: str
    roles: frozenset[str]
    user_id: int
    assignee: str | None = None  # "me" | "none" | None
    procedure_key: str | None = None
    dossier_code: str | None = None
    # The workspace's inbox page (issue 16): more filters and a chosen order.
    dossier_status: int | None = None
    #: The step's due time (the appointment when the step has none) within [due_from, due_before).
    due_from: datetime | None = None
    due_before: datetime | None = None
    sort: str = "created"  # one of INBOX_SORTS
    descending: bool = False


#: The inbox's orders: by when the step opened, the step's due time, the appointment, the code.
INBOX_SORTS = ("created", "step_due", "appointment", "code")


class WorkItemStore(Protocol):
    """What a step and a dossier's detail use of its work items: `WorkItems` below, or a
    replay's scratch copy (`engine.audit.scratch`)."""

    def open_for_dossier(self, dossier_id: int) -> Sequence[WorkItem]: ...
    def add(self, item: WorkItem) -> None: ...


class WorkItems:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, item_id: str) -> WorkItem | None:
        return self.session.get(WorkItem, item_id)

    def add(self, item: WorkItem) -> None:
        self.session.add(item)

    def completion_check(self, item_id: str) -> CompletionCheck | None:
        """The task's role, unit, state, claimant and form with its dossier's definition, in
        one read (the dossier row itself, with its workflow state, is not loaded)."""
        row = self.session.execute(_COMPLETION_CHECK, {"item_id": item_id}).first()
        return None if row is None else CompletionCheck(*row)

    def open_for_dossier(self, dossier_id: int) -> Sequence[WorkItem]:
        return self.session.scalars(_OPEN_FOR_DOSSIER, {"dossier_id": dossier_id}).all()

    def history_for_dossier(self, dossier_id: int) -> Sequence[WorkItem]:
        stmt = (
            select(WorkItem)
            .where(WorkItem.dossier_id == dossier_id)
            .order_by(WorkItem.created_at, WorkItem.id)
        )
        return self.session.scalars(stmt).all()

    def try_claim(self, item: WorkItem, user_id: int, username: str, now: datetime) -> bool:
        """One conditional UPDATE: exactly one of many concurrent claimers gets True (and
        sees the claim on `item`)."""
        params = {"item_id": item.id, "user_id": user_id, "username": username, "at": now}
        if self.session.execute(_CLAIM, params).first() is None:
            return False
        self._claimed(item, user_id, username, now)
        return True

    def claimed_by(self, user_id: int) -> Sequence[WorkItem]:
        """The open items `user_id` holds, by dossier (the order task actions lock them in)."""
        stmt = (
            select(WorkItem)
            .where(WorkItem.claimed_by_id == user_id, WorkItem.status == WorkItemStatus.OPEN)
            .order_by(WorkItem.dossier_id, WorkItem.id)
        )
        return self.session.scalars(stmt).all()

    def reassign(
        self,
        item: WorkItem,
        holder_id: int | None,
        user_id: int | None,
        username: str | None,
        now: datetime | None,
    ) -> bool:
        """Move the claim from `holder_id` (None: unclaimed) to `user_id` (None: release), if it
        is still held as the caller saw it: one conditional UPDATE, like a claim."""
        held = (
            WorkItem.claimed_by_id.is_(None)
            if holder_id is None
            else WorkItem.claimed_by_id == holder_id
        )
        stmt = (
            update(WorkItem)
            .where(WorkItem.id == item.id, WorkItem.status == WorkItemStatus.OPEN, held)
            .values(claimed_by_id=user_id, claimed_by_username=username, claimed_at=now)
            .returning(WorkItem.id)
            .execution_options(synchronize_session=False)
        )
        if self.session.execute(stmt).first() is None:
            return False
        self._claimed(item, user_id, username, now)
        return True

    def try_release(self, item: WorkItem, user_id: int) -> bool:
        if self.session.execute(_RELEASE, {"item_id": item.id, "user_id": user_id}).first() is None:
            return False
        self._claimed(item, None, None, None)
        return True

    @staticmethod
    def _claimed(
        item: WorkItem, user_id: int | None, username: str | None, at: datetime | None
    ) -> None:
        # The row now says this; tell the loaded object without another round trip.
        set_committed_value(item, "claimed_by_id", user_id)
        set_committed_value(item, "claimed_by_username", username)
        set_committed_value(item, "claimed_at", at)

    def inbox(
        self, flt: InboxFilter, offset: int, limit: int
    ) -> tuple[Sequence[tuple[WorkItem, Dossier]], int]:
        """Open items of the caller's roles in the caller's unit, oldest first, with dossiers."""
        stmt = (
            select(WorkItem, Dossier)
            .join(Dossier, Dossier.id == WorkItem.dossier_id)
            .where(
                WorkItem.unit_code == flt.unit_code,
                WorkItem.status == WorkItemStatus.OPEN,
                WorkItem.role.in_(sorted(flt.roles)),
            )
        )
        if flt.assignee == "me":
            stmt = stmt.where(WorkItem.claimed_by_id == flt.user_id)
        elif flt.assignee == "none":
            stmt = stmt.where(WorkItem.claimed_by_id.is_(None))
        if flt.procedure_key:
            stmt = stmt.where(WorkItem.procedure_key == flt.procedure_key)
        if flt.dossier_code:
            stmt = stmt.where(Dossier.code == flt.dossier_code)
        if flt.dossier_status is not None:
            stmt = stmt.where(Dossier.status == flt.dossier_status)
        due = _step_due()
        if flt.due_from is not None:
            stmt = stmt.where(due >= flt.due_from)
        if flt.due_before is not None:
            stmt = stmt.where(due < flt.due_before)
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = self.session.execute(
            stmt.order_by(*_inbox_order(flt)).offset(offset).limit(limit)
        ).all()
        return [(item, dossier) for item, dossier in rows], total

    def inbox_counts(self, flt: InboxFilter, now: datetime, soon: datetime) -> dict[str, int]:
        """How many open items of the caller's roles in the caller's unit: in all, claimed by
        the caller, unclaimed, overdue at `now`, due before `soon` (not yet overdue); one query
        (the other filters of `flt` are ignored: these are the counts the filters show)."""
        due = _step_due()
        stmt = (
            select(
                func.count(),
                func.count().filter(WorkItem.claimed_by_id == flt.user_id),
                func.count().filter(WorkItem.claimed_by_id.is_(None)),
                func.count().filter(due < now),
                func.count().filter(due >= now, due < soon),
            )
            .select_from(WorkItem)
            .join(Dossier, Dossier.id == WorkItem.dossier_id)
            .where(
                WorkItem.unit_code == flt.unit_code,
                WorkItem.status == WorkItemStatus.OPEN,
                WorkItem.role.in_(sorted(flt.roles)),
            )
        )
        row = self.session.execute(stmt).one()
        return dict(zip(("total", "mine", "unclaimed", "overdue", "due_soon"), row, strict=True))


def _step_due() -> ColumnElement[datetime]:
    """When the step is due: its own due time, else the dossier's appointment."""
    return func.coalesce(WorkItem.due_at, Dossier.due_at)


def _inbox_order(flt: InboxFilter) -> list[Any]:
    orders: dict[str, Any] = {
        "step_due": _step_due(),
        "appointment": Dossier.due_at,
        "code": Dossier.code,
    }
    column = orders.get(flt.sort, WorkItem.created_at)
    first = column.desc() if flt.descending else column.asc()
    # Items without a due time last whichever the direction; ties in a stable order.
    return [first.nulls_last(), WorkItem.created_at, WorkItem.dossier_id, WorkItem.id]


class Timers:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, timer_id: str) -> Timer | None:
        return self.session.get(Timer, timer_id)

    def add(self, timer: Timer) -> None:
        self.session.add(timer)

    def pending_for_dossier(self, dossier_id: int) -> Sequence[Timer]:
        return self.session.scalars(_PENDING_FOR_DOSSIER, {"dossier_id": dossier_id}).all()

    def for_dossier(self, dossier_id: int) -> Sequence[Timer]:
        stmt = select(Timer).where(Timer.dossier_id == dossier_id).order_by(Timer.created_at)
        return self.session.scalars(stmt).all()

    def pending_until(self, until: datetime, limit: int) -> Sequence[tuple[str, datetime]]:
        """(id, due_at) of pending timers due by `until`, soonest first."""
        stmt = (
            select(Timer.id, Timer.due_at)
            .where(Timer.status == TimerStatus.PENDING, Timer.due_at <= until)
            .order_by(Timer.due_at, Timer.id)
            .limit(limit)
        )
        return [(str(row.id), row.due_at) for row in self.session.execute(stmt)]

    def failed(self, limit: int) -> Sequence[tuple[Timer, str]]:
        """Parked timers with their dossier's code, most recently parked first."""
        stmt = (
            select(Timer, Dossier.code)
            .join(Dossier, Dossier.id == Timer.dossier_id)
            .where(Timer.status == TimerStatus.FAILED)
            .order_by(Timer.closed_at.desc(), Timer.id)
            .limit(limit)
        )
        return [(row[0], str(row[1])) for row in self.session.execute(stmt)]
