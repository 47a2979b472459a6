"""Reads for a unit's leader (the workspace's dashboard, issue 16): dossiers by status, open
steps that are due soon or late, claimed work per officer, the officers who could take a step.
Projections only (dossier columns, work items); nothing here deserializes a workflow."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from storage.account_models import User
from storage.models import Dossier, WorkItem
from storage.statuses import WorkItemStatus


def status_counts(session: Session, unit_code: str) -> dict[int, int]:
    """How many of the unit's dossiers are in each DVCQG status (the index on unit, status)."""
    stmt = (
        select(Dossier.status, func.count())
        .where(Dossier.unit_code == unit_code)
        .group_by(Dossier.status)
    )
    return {int(status): int(count) for status, count in session.execute(stmt).all()}


def _page(
    session: Session, stmt: Select[WorkItem, Dossier], offset: int, limit: int
) -> tuple[Sequence[tuple[WorkItem, Dossier]], int]:
    total = session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    found = session.execute(stmt.offset(offset).limit(limit)).all()
    return [(item, dossier) for item, dossier in found], int(total)


def open_items_of_dossiers(
    session: Session, unit_code: str, codes: Collection[str]
) -> Sequence[tuple[WorkItem, Dossier]]:
    """The open steps the unit takes of the given dossiers, each dossier's oldest first."""
    if not codes:
        return []
    stmt = (
        select(WorkItem, Dossier)
        .join(Dossier, Dossier.id == WorkItem.dossier_id)
        .where(
            Dossier.code.in_(sorted(codes)),
            WorkItem.unit_code == unit_code,
            WorkItem.status == WorkItemStatus.OPEN,
        )
        .order_by(Dossier.id, WorkItem.created_at, WorkItem.id)
    )
    return [(item, dossier) for item, dossier in session.execute(stmt).all()]


def open_items_at(
    session: Session, unit_code: str, bpmn_ids: Collection[str], limit: int
) -> Sequence[tuple[WorkItem, Dossier]]:
    """Open steps of the unit at the given diagram elements, oldest first."""
    if not bpmn_ids:
        return []
    stmt = (
        select(WorkItem, Dossier)
        .join(Dossier, Dossier.id == WorkItem.dossier_id)
        .where(
            WorkItem.unit_code == unit_code,
            WorkItem.status == WorkItemStatus.OPEN,
            WorkItem.bpmn_id.in_(sorted(bpmn_ids)),
        )
        .order_by(WorkItem.created_at, WorkItem.id)
        .limit(limit)
    )
    return [(item, dossier) for item, dossier in session.execute(stmt).all()]


def open_items_held_by(
    session: Session, unit_code: str, username: str | None, offset: int, limit: int
) -> tuple[Sequence[tuple[WorkItem, Dossier]], int]:
    """Open steps of the unit claimed by `username` (None: claimed by nobody), earliest
    appointment first; and how many there are."""
    held = (
        WorkItem.claimed_by_id.is_(None)
        if username is None
        else WorkItem.claimed_by_username == username
    )
    stmt = (
        select(WorkItem, Dossier)
        .join(Dossier, Dossier.id == WorkItem.dossier_id)
        .where(WorkItem.unit_code == unit_code, WorkItem.status == WorkItemStatus.OPEN, held)
        .order_by(
            Dossier.due_at.is_(None),  # not accepted yet (no appointment): after the others
            Dossier.due_at,
            WorkItem.created_at,
            Dossier.id,
            WorkItem.id,
        )
    )
    return _page(session, stmt, offset, limit)


def claimed_per_officer(session: Session, unit_code: str) -> dict[str, int]:
    """Open steps of the unit each officer holds, by username."""
    stmt = (
        select(WorkItem.claimed_by_username, func.count())
        .where(
            WorkItem.unit_code == unit_code,
            WorkItem.status == WorkItemStatus.OPEN,
            WorkItem.claimed_by_username.is_not(None),
        )
        .group_by(WorkItem.claimed_by_username)
    )
    return {str(name): int(count) for name, count in session.execute(stmt).all()}


def unclaimed_count(session: Session, unit_code: str) -> int:
    stmt = select(func.count()).where(
        WorkItem.unit_code == unit_code,
        WorkItem.status == WorkItemStatus.OPEN,
        WorkItem.claimed_by_id.is_(None),
    )
    return int(session.scalar(stmt) or 0)


def unit_accounts(session: Session, unit_code: str) -> Sequence[User]:
    """Every account of the unit (active or not), by username; a unit has tens, not thousands."""
    stmt = (
        select(User)
        .where(User.unit_code == unit_code, User.deleted_at.is_(None))
        .order_by(User.username)
    )
    return session.scalars(stmt).all()
