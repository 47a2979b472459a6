"""Auditors' reads for the workspace: search every unit's dossiers, browse the system chain
(logins, accounts, deployments, calendar), and size the log before verifying all of it.

Integrity is not judged here: `engine.services.audit.verify_audit_log` does that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.context import EngineContext
from engine.event_types import EventType
from engine.events import SYSTEM_CHAIN
from engine.results import DossierSummary, Page
from engine.security.authz import Actor, ensure_auditor
from engine.views import dossier_summary
from storage.dossiers import DossierSearch

MAX_PAGE_SIZE = 100


def page_window(page: int, page_size: int) -> tuple[int, int]:
    """`page` from 1, `page_size` within 1..MAX_PAGE_SIZE, whatever was asked for."""
    return max(page, 1), min(max(page_size, 1), MAX_PAGE_SIZE)


#: The system chain's event types by what an auditor looks for.
SYSTEM_EVENT_GROUPS: dict[str, frozenset[str]] = {
    "login": frozenset(
        {
            EventType.LOGIN_SUCCEEDED,
            EventType.LOGIN_FAILED,
            EventType.LOGIN_LOCKED,
            EventType.LOGIN_UNLOCKED,
        }
    ),
    "user": frozenset(
        {
            EventType.USER_CREATED,
            EventType.USER_UPDATED,
            EventType.USER_ACTIVATED,
            EventType.USER_DEACTIVATED,
            EventType.ROLE_GRANT_REQUESTED,
            EventType.ROLE_GRANT_APPROVED,
            EventType.ROLE_GRANT_REJECTED,
        }
    ),
    "unit": frozenset({EventType.UNIT_CREATED, EventType.UNIT_RENAMED}),
    "webhook": frozenset(
        {EventType.WEBHOOK_REGISTERED, EventType.WEBHOOK_DISABLED, EventType.WEBHOOK_DELETED}
    ),
    "deployment": frozenset({EventType.DEFINITION_DEPLOYED}),
    "calendar": frozenset(
        {
            EventType.CALENDAR_VERSION_REGISTERED,
            EventType.CALENDAR_OVERRIDE_SET,
            EventType.CALENDAR_OVERRIDE_REMOVED,
        }
    ),
    "audit": frozenset(
        {EventType.AUDIT_VERIFIED, EventType.TRACKING_BOOK_READ, EventType.REPORT_READ}
    ),
}


@dataclass(frozen=True, slots=True)
class DossierFilter:
    """Code prefix, procedure, unit, and submitted in [since, before)."""

    code_prefix: str | None = None
    procedure: str | None = None
    unit_code: str | None = None
    since: datetime | None = None
    before: datetime | None = None


@dataclass(frozen=True, slots=True)
class SystemEventFilter:
    group: str | None = None  # a key of SYSTEM_EVENT_GROUPS
    actor_prefix: str | None = None
    since: datetime | None = None
    before: datetime | None = None


@dataclass(frozen=True, slots=True)
class SystemEventView:
    seq: int
    type: str
    occurred_at: datetime
    actor_username: str
    actor_role: str
    payload: dict[str, Any]


def search_dossiers(
    ctx: EngineContext, actor: Actor, flt: DossierFilter, page: int, page_size: int
) -> Page[DossierSummary]:
    """Dossiers of every unit matching the search, newest first; applicants' names masked."""
    ensure_auditor(actor)
    page, page_size = page_window(page, page_size)
    with ctx.uow(write=False) as uow:
        search = DossierSearch(flt.code_prefix, flt.procedure, flt.unit_code, flt.since, flt.before)
        rows, total = uow.dossiers.search(search, (page - 1) * page_size, page_size)
        items = [dossier_summary(d) for d in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


def system_events(
    ctx: EngineContext, actor: Actor, flt: SystemEventFilter, page: int, page_size: int
) -> Page[SystemEventView]:
    """The system chain's events matching the filter, newest first."""
    ensure_auditor(actor)
    page, page_size = page_window(page, page_size)
    types = SYSTEM_EVENT_GROUPS.get(flt.group) if flt.group else None
    with ctx.uow(write=False) as uow:
        rows, total = uow.audit.chain_page_filtered(
            SYSTEM_CHAIN,
            types=types,
            actor_prefix=flt.actor_prefix,
            since=flt.since,
            before=flt.before,
            offset=(page - 1) * page_size,
            limit=page_size,
        )
    items = [
        SystemEventView(
            seq=row.seq,
            type=row.type,
            occurred_at=row.occurred_at,
            actor_username=row.actor_username,
            actor_role=row.actor_role,
            payload=row.payload,
        )
        for row in rows
    ]
    return Page(items=items, total=total, page=page, page_size=page_size)


def count_events(ctx: EngineContext, actor: Actor) -> int:
    """How many events the whole log holds (what verifying all of it will read)."""
    ensure_auditor(actor)
    with ctx.uow(write=False) as uow:
        return uow.audit.count_events()
