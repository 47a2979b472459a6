"""The health check (`GET /api/v1/health`, docs/integration.md): is the database reachable, is a
scheduler alive (its heartbeat), how far behind is the outbox."""

from __future__ import annotations

import logging
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from engine.context import EngineContext
from engine.queries.acknowledgements import count_late_acknowledgements
from engine.services import outbox
from engine.services.outbox import OutboxHealth
from storage.errors import is_database_error

log = logging.getLogger("motcua.health")
SCHEDULER = "motcua-scheduler"
#: A heartbeat older than this many poll intervals (plus a margin) is stale.
STALE_POLLS = 3
STALE_MARGIN = timedelta(seconds=5)
LATE_WINDOW = timedelta(hours=24)


@dataclass(frozen=True, slots=True)
class SchedulerHealth:
    #: active | stale | never (no scheduler has ever run against this database)
    state: str
    holder: str | None
    last_beat_at: datetime | None


@dataclass(frozen=True, slots=True)
class Health:
    #: ok | degraded (no live scheduler, or dead outbox messages) | down (no database)
    status: str
    database: bool
    scheduler: SchedulerHealth | None
    outbox: OutboxHealth | None
    #: Online dossiers submitted in the last 24 hours whose acknowledgement was late (R-2.4).
    late_acknowledgements: int | None = None


def beat(ctx: EngineContext) -> None:
    """The active scheduler is alive (it calls this every poll)."""
    with ctx.uow() as uow:
        uow.heartbeats.beat(SCHEDULER, f"{socket.gethostname()}:{os.getpid()}", ctx.clock.now())
        uow.commit()


def check(ctx: EngineContext) -> Health:
    """Never raises for an unreachable database: that is what it reports."""
    try:
        with ctx.uow(write=False) as uow:
            row = uow.heartbeats.get(SCHEDULER)
            last = (row.holder, row.beat_at) if row is not None else None
        queue = outbox.health(ctx)
        now = ctx.clock.now()
        late = count_late_acknowledgements(ctx, now - LATE_WINDOW, now)
    except Exception as exc:
        if not is_database_error(exc):
            raise
        log.warning("health check: the database is unreachable: %s", exc)
        return Health("down", database=False, scheduler=None, outbox=None)
    now = ctx.clock.now()
    if last is None:
        scheduler = SchedulerHealth("never", None, None)
    else:
        stale_after = ctx.settings.scheduler_poll_seconds * STALE_POLLS
        fresh = now - last[1] <= timedelta(seconds=stale_after) + STALE_MARGIN
        scheduler = SchedulerHealth("active" if fresh else "stale", last[0], last[1])
    healthy = scheduler.state == "active" and queue.dead == 0
    return Health("ok" if healthy else "degraded", True, scheduler, queue, late)
