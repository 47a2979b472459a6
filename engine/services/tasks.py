"""Officers' side: claim, release and complete user tasks (docs/architecture.md section 3)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from engine import events
from engine.context import EngineContext
from engine.errors import (
    ConcurrentModificationError,
    FieldError,
    NotFoundError,
    PermissionDeniedError,
    TaskAlreadyClaimedError,
    TaskNotClaimedError,
    TaskNotReadyError,
    ValidationFailedError,
)
from engine.event_types import EventType, TaskAssigned, TaskClaimed
from engine.form_checks import raise_for_form
from engine.results import CompletionResult, StatusView, TaskSummary
from engine.security.authz import (
    Actor,
    ensure_can_act_on_task,
    ensure_can_supervise_task,
    may_supervise_task,
)
from engine.services.claims import ASSIGNED_BY_SUPERVISOR, BY_SUPERVISOR, can_work, record_release
from engine.step import causes
from engine.step.live import load_for_step
from engine.transactions import conflicts_as_errors
from engine.views import current_step, task_summary
from storage.models import Dossier, WorkItem
from storage.statuses import WorkItemStatus
from storage.uow import UnitOfWork


def claim_task(ctx: EngineContext, actor: Actor, task_id: str) -> TaskSummary:
    """Take a task for oneself; claiming one's own task again is a no-op success.

    Raises:
        TaskAlreadyClaimedError: someone else holds it.
    """
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        # The account first (share lock), then the dossier: the order an account change takes
        # them in, so a concurrent deactivation or move either waits or is seen here.
        account = uow.users.lock_for_share(user_id=actor.user_id)
        item, dossier, _ = _open_item(uow, actor, task_id)
        if item.claimed_by_id == actor.user_id:
            return task_summary(item, dossier)
        assert actor.user_id is not None
        if account is None or not can_work(account, item):
            # Deactivated or moved since the request was authenticated: a claim now would be
            # one nobody releases (the account's change has already swept its claims).
            raise PermissionDeniedError("your account can no longer work this task")
        if not uow.work_items.try_claim(item, actor.user_id, actor.username, now):
            uow.session.refresh(item)
            if item.status != WorkItemStatus.OPEN:
                raise TaskNotReadyError("the task is no longer open")
            raise TaskAlreadyClaimedError(f"the task is claimed by {item.claimed_by_username}")
        _record_task_action(uow, dossier, item, EventType.TASK_CLAIMED, actor, now)
        uow.commit()
        return task_summary(item, dossier)


def release_task(ctx: EngineContext, actor: Actor, task_id: str) -> TaskSummary:
    """Give a claimed task back to the unit's pool: its claimant may, and so may leaders of the
    task's unit and administrators, whoever holds it (recorded with whom it was taken from).

    For a supervisor, releasing a task nobody holds changes nothing and succeeds.

    Raises:
        TaskNotClaimedError: an officer who does not hold the claim.
    """
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        item, dossier, _ = _open_item(uow, actor, task_id, check=_may_release)
        holder_id, holder = item.claimed_by_id, item.claimed_by_username
        if holder_id is not None and holder_id == actor.user_id:
            uow.work_items.try_release(item, holder_id)
            _record_task_action(uow, dossier, item, EventType.TASK_RELEASED, actor, now)
        elif may_supervise_task(actor, item.unit_code):
            # The task is free afterwards whatever it was before: nobody's claim is a no-op.
            if holder_id is not None and uow.work_items.reassign(item, holder_id, None, None, None):
                record_release(uow, dossier, item, actor, now, holder, BY_SUPERVISOR)
        else:
            raise TaskNotClaimedError("only the officer who claimed the task may release it")
        uow.commit()
        return task_summary(item, dossier)


def assign_task(ctx: EngineContext, actor: Actor, task_id: str, officer: str) -> TaskSummary:
    """Give a task (claimed or not) to another officer: leaders of the task's unit and
    administrators may; the officer must be active, of the task's unit, with the task's role.

    Raises:
        ValidationFailedError: `officer` could not work the task.
    """
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        target = uow.users.lock_for_share(username=officer)  # before the dossier: see claim_task
        item, dossier, _ = _open_item(
            uow, actor, task_id, check=lambda a, _role, unit: ensure_can_supervise_task(a, unit)
        )
        if target is None or not can_work(target, item):
            raise ValidationFailedError(
                "the officer cannot work this task",
                [
                    FieldError(
                        "officer",
                        f"{officer} is not an active officer of unit {item.unit_code} "
                        f"with the role '{item.role}'",
                    )
                ],
            )
        previous = item.claimed_by_username
        if item.claimed_by_id != target.id:
            if not uow.work_items.reassign(
                item, item.claimed_by_id, target.id, target.username, now
            ):
                raise TaskAlreadyClaimedError("the claim changed meanwhile; try again")
            events.record_for_dossier(
                uow,
                dossier,
                EventType.TASK_ASSIGNED,
                actor=actor,
                now=now,
                bpmn_id=item.bpmn_id,
                payload=TaskAssigned(
                    task_id=item.id,
                    officer=target.username,
                    officer_id=target.id,
                    previous=previous,
                    reason=ASSIGNED_BY_SUPERVISOR,
                ),
            )
        uow.commit()
        return task_summary(item, dossier)


def _may_release(actor: Actor, task_role: str, task_unit: str) -> None:
    if not may_supervise_task(actor, task_unit):
        ensure_can_act_on_task(actor, task_role, task_unit)


def complete_task(
    ctx: EngineContext, actor: Actor, task_id: str, data: Mapping[str, Any]
) -> CompletionResult:
    """Submit the task's form and move the dossier on, in one transaction.

    Raises:
        TaskNotClaimedError: the caller does not hold the claim.
        TaskNotReadyError: the task is no longer READY.
        ValidationFailedError: the data fails the task's form; nothing is changed.
    """
    now = ctx.clock.now()
    # The form is checked before the write transaction opens (engine/form_checks.py).
    with conflicts_as_errors(), ctx.uow(write=False) as uow:
        check = uow.work_items.completion_check(task_id)
        if check is None:
            raise NotFoundError(f"no task {task_id}")
        ensure_can_act_on_task(actor, check.role, check.unit_code)
        if check.status != WorkItemStatus.OPEN:
            raise TaskNotReadyError("the task has already been completed or cancelled")
        if check.claimed_by_id != actor.user_id:
            raise TaskNotClaimedError("claim the task before completing it")
        definition = uow.definitions.get(check.definition_id)
        assert definition is not None
    raise_for_form(definition, check.form_key, data, "the form data is not valid")
    with conflicts_as_errors(), ctx.uow() as uow:
        item, dossier, open_items = _open_item(uow, actor, task_id, whole=True)
        if item.claimed_by_id != actor.user_id:
            raise TaskNotClaimedError("claim the task before completing it")
        if dossier.definition_id != definition.id:
            raise ConcurrentModificationError(
                "the dossier moved to another version of its procedure meanwhile; reload and "
                "try again"
            )
        live = load_for_step(ctx, uow, dossier, definition, now, open_items=open_items)
        assert live.open_items is not None  # given open items, it returns them (or the new ones)
        still_open = causes.complete_task(
            live.running, item, data, actor=actor, now=now, open_items=live.open_items
        )
        result = CompletionResult(
            task_id=item.id,
            dossier_code=dossier.code,
            status=StatusView.of(dossier.status),
            current_steps=[current_step(i) for i in still_open],
        )
        uow.commit()
    return result


def _record_task_action(
    uow: UnitOfWork, dossier: Dossier, item: WorkItem, type_: str, actor: Actor, now: datetime
) -> None:
    """A claim or release: the officer acts in the task's role."""
    events.record_for_dossier(
        uow,
        dossier,
        type_,
        actor=actor,
        now=now,
        bpmn_id=item.bpmn_id,
        role=item.role,
        payload=TaskClaimed(task_id=item.id),
    )


def _open_item(
    uow: UnitOfWork,
    actor: Actor,
    task_id: str,
    *,
    check: Callable[[Actor, str, str], None] = ensure_can_act_on_task,
    whole: bool = False,
) -> tuple[WorkItem, Dossier, Sequence[WorkItem]]:
    """The open task, its dossier (locked; `whole`: with its workflow state and data, which
    only a completion needs) and all the dossier's open tasks."""
    # Every task action locks the dossier row first (PostgreSQL), so all of them take their
    # locks in one order (dossier, work items, event chain) and cannot deadlock each other.
    dossier = uow.dossiers.lock_for_task(task_id, whole=whole)
    if dossier is None:
        raise NotFoundError(f"no task {task_id}")
    # Read after the lock: a concurrent action on this dossier may have just closed the task.
    open_items = uow.work_items.open_for_dossier(dossier.id)
    item = next((i for i in open_items if i.id == task_id), None)
    if item is None:
        closed = uow.work_items.get(task_id)
        assert closed is not None
        check(actor, closed.role, closed.unit_code)
        raise TaskNotReadyError("the task has already been completed or cancelled")
    check(actor, item.role, item.unit_code)
    return item, dossier, open_items
