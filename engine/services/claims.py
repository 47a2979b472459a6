"""Claims nobody can work any more, and the supervisors who move them (issue 12, B7).

A claim is only useful while its holder may act on the task: an active account, in the task's
unit, with the task's role (`engine.security.authz.ensure_can_act_on_task`). Whenever an account
changes (deactivated, moved to another unit, a role removed) the claims it can no longer work go
back to the unit's pool, each release an event on the dossier's chain naming who did it and why.
Leaders of the task's unit and administrators may also release or reassign any claim.
"""

from __future__ import annotations

from datetime import datetime

from engine import events
from engine.event_types import EventType, TaskReleased
from engine.security.authz import Actor
from storage.account_models import User
from storage.models import Dossier, WorkItem
from storage.uow import UnitOfWork

#: Why a claim was released, as recorded in the `task_released` event's `reason`.
ACCOUNT_DEACTIVATED = "account_deactivated"
ACCOUNT_CHANGED = "account_changed"  # moved to another unit, or the task's role removed
BY_SUPERVISOR = "released_by_supervisor"
#: Why a task was given to an officer, as recorded in the `task_assigned` event's `reason`.
ASSIGNED_BY_SUPERVISOR = "assigned_by_supervisor"


def can_work(user: User, item: WorkItem) -> bool:
    """Whether `user` could still act on `item` (the rule of `ensure_can_act_on_task`)."""
    return (
        user.active
        and user.deleted_at is None
        and user.unit_code == item.unit_code
        and item.role in user.roles
    )


def release_unworkable_claims(
    uow: UnitOfWork, user: User, actor: Actor, now: datetime, reason: str
) -> list[str]:
    """Release every open claim of `user` they can no longer work; returns the task ids.

    Each dossier is locked first, as every task action does, so this takes its locks in the
    same order (dossier, work items, event chain) and cannot deadlock with them.
    """
    released = []
    for candidate in uow.work_items.claimed_by(user.id):
        if can_work(user, candidate):
            continue
        dossier = uow.dossiers.lock_for_task(candidate.id)
        if dossier is None:
            continue
        # The conditional UPDATE re-checks the claim after the lock: a task completed or
        # released meanwhile is left alone.
        if uow.work_items.reassign(candidate, user.id, None, None, None):
            record_release(uow, dossier, candidate, actor, now, user.username, reason)
            released.append(candidate.id)
    return released


def record_release(
    uow: UnitOfWork,
    dossier: Dossier,
    item: WorkItem,
    actor: Actor,
    now: datetime,
    holder: str | None,
    reason: str,
) -> None:
    """A claim taken back by someone other than its holder: who, from whom, and why."""
    events.record_for_dossier(
        uow,
        dossier,
        EventType.TASK_RELEASED,
        actor=actor,
        now=now,
        bpmn_id=item.bpmn_id,
        payload=TaskReleased(task_id=item.id, released_from=holder, reason=reason),
    )
