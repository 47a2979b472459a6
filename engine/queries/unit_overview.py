"""What a unit's leader follows (the workspace's leader dashboard, issue 16): the unit's dossiers
by DVCQG status, the open steps of dossiers due within one working day or already late (with
the step and the officer holding it), how many open steps each officer holds, the Mẫu 04
(apology and new appointment) steps waiting, and who could take over a step.

Only a leader of the unit (or an administrator naming a unit) reads it; everything is the
unit's own. Reads projections (dossier columns, work items), never a workflow."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time, timedelta

from engine.calendar.versions import build, in_force
from engine.context import EngineContext
from engine.definitions.cache import model_of
from engine.errors import PermissionDeniedError
from engine.form_conventions import REAPPOINTMENT_FLAG
from engine.queries.overdue import OverdueQuery, OverdueReport, overdue_report
from engine.security.authz import Actor, Role
from engine.statuses import DossierStatus
from engine.views import mask_name
from storage import unit_overview as rows
from storage.account_models import User
from storage.models import Dossier, WorkItem
from storage.uow import UnitOfWork

#: Rows of a list shown at once (the most urgent first; the rest are counted and paged).
PAGE_ROWS = 25
#: Mẫu 04 steps open at once are few (one per dossier about to be late).
MAX_REAPPOINTMENTS = 100

ON_TIME, DUE_SOON, OVERDUE = "on_time", "due_soon", "overdue"


@dataclass(frozen=True, slots=True)
class OpenStep:
    task_id: str
    dossier_code: str
    procedure: str
    step_name: str
    role: str
    applicant_name: str  # masked
    claimed_by: str | None
    claimed_by_name: str | None
    #: Whether the holder could still work the step (False: deactivated, moved, role removed).
    holder_can_work: bool
    step_due_at: datetime | None
    dossier_due_at: datetime | None
    #: on_time / due_soon (within one working day) / overdue, the worse of step and dossier.
    urgency: str


@dataclass(frozen=True, slots=True)
class OfficerLoad:
    username: str
    full_name: str
    roles: tuple[str, ...]
    active: bool
    claimed: int


@dataclass(frozen=True, slots=True)
class UnitOverview:
    unit_code: str
    as_of: datetime
    #: Every DVCQG status 1-10 with its count (0 included), in code order.
    by_status: list[tuple[int, int]]
    #: The open steps (in the unit) of the dossiers late or due by the end of the next working
    #: day (engine.queries.overdue, statutory due date): the first PAGE_ROWS dossiers, the
    #: earliest due first; how many dossiers are listed and how many there are.
    attention: list[OpenStep]
    attention_dossiers: int
    attention_total: int
    workload: list[OfficerLoad]
    unclaimed: int
    reappointments: list[OpenStep]


def unit_overview(ctx: EngineContext, actor: Actor) -> UnitOverview:
    """The actor's unit as its leader sees it.

    Raises:
        PermissionDeniedError: not a leader of a unit.
    """
    unit = _leaders_unit(actor)
    due = overdue_report(ctx, actor, OverdueQuery(unit=unit, within=1, page_size=PAGE_ROWS))
    now = due.now
    with ctx.uow(write=False) as uow:
        horizon = _next_working_day_end(ctx, uow, now)
        accounts = {a.username: a for a in rows.unit_accounts(uow.session, unit)}
        counts = rows.status_counts(uow.session, unit)
        attention = _attention(uow, unit, due, accounts, now, horizon)
        flagged = _reappointment_steps(uow)
        reappointments = [
            _step(item, dossier, accounts, now, horizon)
            for item, dossier in rows.open_items_at(uow.session, unit, flagged, MAX_REAPPOINTMENTS)
            if dossier.definition_id in flagged.get(item.bpmn_id, set())
        ]
        claimed = rows.claimed_per_officer(uow.session, unit)
        unclaimed = rows.unclaimed_count(uow.session, unit)
        workload = [
            OfficerLoad(
                username=a.username,
                full_name=a.full_name,
                roles=tuple(sorted(a.roles)),
                active=a.active,
                claimed=claimed.get(a.username, 0),
            )
            for a in accounts.values()
            if set(a.roles) & {Role.RECEPTION, Role.SPECIALIST, Role.LEADER}
            and (a.active or claimed.get(a.username, 0))
        ]
    workload.sort(key=lambda load: (-load.claimed, load.username))
    return UnitOverview(
        unit_code=unit,
        as_of=now,
        by_status=[(s.value, counts.get(s.value, 0)) for s in DossierStatus],
        attention=attention,
        attention_dossiers=len(due.items),
        attention_total=due.total,
        workload=workload,
        unclaimed=unclaimed,
        reappointments=reappointments,
    )


def open_steps(
    ctx: EngineContext, actor: Actor, holder: str | None, page: int = 1
) -> tuple[list[OpenStep], int]:
    """A page (PAGE_ROWS) of the open steps of the actor's unit held by `holder` (None: by
    nobody), earliest appointment first; and how many there are."""
    unit = _leaders_unit(actor)
    now = ctx.clock.now()
    offset = (max(page, 1) - 1) * PAGE_ROWS
    with ctx.uow(write=False) as uow:
        horizon = _next_working_day_end(ctx, uow, now)
        accounts = {a.username: a for a in rows.unit_accounts(uow.session, unit)}
        found, total = rows.open_items_held_by(uow.session, unit, holder, offset, PAGE_ROWS)
        return [_step(item, dossier, accounts, now, horizon) for item, dossier in found], total


def officers_for(ctx: EngineContext, actor: Actor, role: str) -> list[tuple[str, str]]:
    """(username, full name) of the active officers of the actor's unit with `role`: whom a
    leader may give a step of that role (engine.services.tasks.assign_task checks again)."""
    unit = _leaders_unit(actor)
    with ctx.uow(write=False) as uow:
        return [
            (a.username, a.full_name)
            for a in rows.unit_accounts(uow.session, unit)
            if a.active and role in a.roles
        ]


def _leaders_unit(actor: Actor) -> str:
    if not actor.has(Role.LEADER) or actor.unit_code is None:
        raise PermissionDeniedError("only a unit's leaders see and assign its open steps")
    return actor.unit_code


def _next_working_day_end(ctx: EngineContext, uow: UnitOfWork, now: datetime) -> datetime:
    """The end of the next working day, local time: what is due before it is due "within one
    working day"."""
    calendar = build(ctx, uow, in_force(uow, ctx), [])
    today = now.astimezone(ctx.tz).date()
    next_day = calendar.next_working_day(today)
    return datetime.combine(next_day + timedelta(days=1), time(0), tzinfo=ctx.tz)


def _attention(
    uow: UnitOfWork,
    unit: str,
    due: OverdueReport,
    accounts: dict[str, User],
    now: datetime,
    horizon: datetime,
) -> list[OpenStep]:
    """The unit's open steps of the listed dossiers, in the list's order, each marked late or
    due soon as its dossier is (the statutory due date, R-2.5)."""
    late = {d.code: d.late for d in due.items}
    by_dossier: dict[str, list[OpenStep]] = {}
    for item, dossier in rows.open_items_of_dossiers(uow.session, unit, list(late)):
        step = _step(item, dossier, accounts, now, horizon)
        urgency = OVERDUE if late[dossier.code] else DUE_SOON
        by_dossier.setdefault(dossier.code, []).append(replace(step, urgency=urgency))
    return [step for d in due.items for step in by_dossier.get(d.code, [])]


def _reappointment_steps(uow: UnitOfWork) -> dict[str, set[int]]:
    """Diagram element -> ids of the deployed procedure versions where it issues Mẫu 04."""
    found: dict[str, set[int]] = {}
    for latest in uow.definitions.all_latest():
        for definition in uow.definitions.versions(latest.key):
            for node in model_of(definition).user_tasks():
                if node.flag(REAPPOINTMENT_FLAG):
                    found.setdefault(node.bpmn_id, set()).add(definition.id)
    return found


def _urgency(due: datetime | None, now: datetime, horizon: datetime) -> int:
    if due is None or due >= horizon:
        return 0
    return 2 if due < now else 1


def _step(
    item: WorkItem,
    dossier: Dossier,
    accounts: dict[str, User],
    now: datetime,
    horizon: datetime,
) -> OpenStep:
    holder = accounts.get(item.claimed_by_username or "")
    worst = max(_urgency(item.due_at, now, horizon), _urgency(dossier.due_at, now, horizon))
    return OpenStep(
        task_id=item.id,
        dossier_code=dossier.code,
        procedure=dossier.procedure_key,
        step_name=item.name,
        role=item.role,
        applicant_name=mask_name(str(dossier.applicant.get("full_name", ""))),
        claimed_by=item.claimed_by_username,
        claimed_by_name=holder.full_name if holder is not None else None,
        holder_can_work=holder is not None and holder.active and item.role in holder.roles,
        step_due_at=item.due_at,
        dossier_due_at=dossier.due_at,
        urgency=(ON_TIME, DUE_SOON, OVERDUE)[worst],
    )
