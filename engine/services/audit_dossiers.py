"""Audit use cases on one dossier: replay, timeline, export. Each read is logged (SEC-1)."""

from __future__ import annotations

from collections.abc import Sequence

from engine import events
from engine.audit.bundle import build_bundle
from engine.audit.replay import replay_log
from engine.audit.results import ReplayResult, TimelineEntry
from engine.audit.timeline import timeline_entries
from engine.audit.verify import stored_checkpoint
from engine.context import EngineContext
from engine.definitions.cache import model_of
from engine.errors import FieldError, NotFoundError, ValidationFailedError
from engine.event_types import DossierRead, EventType
from engine.results import Page
from engine.security.authz import Actor, ensure_auditor
from engine.services.reads import log_read
from engine.transactions import conflicts_as_errors
from storage.models import Definition
from storage.uow import UnitOfWork


def replay_dossier(
    ctx: EngineContext, actor: Actor, code: str, until: int | None = None
) -> ReplayResult:
    """The dossier rebuilt from its pinned definition and events, as of the step holding event
    `until` (or the end, then compared with the stored dossier).

    Raises:
        ValidationFailedError: `until` names no event of the dossier.
    """
    ensure_auditor(actor)
    chain = events.dossier_chain(code)
    with ctx.uow(write=False, snapshot=True) as uow:
        log = list(uow.audit.stream_events(chain))
        if not log and uow.dossiers.by_code(code) is None:
            raise NotFoundError(f"no dossier {code}")
        if until is not None and not 1 <= until <= len(log):
            raise ValidationFailedError(
                "no such event", [FieldError("until", f"the dossier has events 1 to {len(log)}")]
            )
        result = replay_log(code, log, uow, ctx, until=until)
    log_read(ctx, actor, code, "replay", until=until)
    return result


def dossier_timeline(
    ctx: EngineContext, actor: Actor, code: str, page: int, page_size: int
) -> Page[TimelineEntry]:
    """The dossier's events in order, in words, with whether each is intact."""
    ensure_auditor(actor)
    chain = events.dossier_chain(code)
    with ctx.uow(write=False) as uow:
        dossier = uow.dossiers.by_code(code)
        total = uow.audit.count_events(chain)
        if dossier is None and total == 0:
            raise NotFoundError(f"no dossier {code}")
        rows = uow.audit.chain_page(chain, (page - 1) * page_size, page_size)
        before = uow.audit.event_before(chain, rows[0].seq) if rows else None
        definition = uow.definitions.get(dossier.definition_id) if dossier is not None else None
        items = timeline_entries(
            rows,
            before.hash if before is not None else events.GENESIS_HASH,
            model_of(definition) if definition is not None else None,
        )
    log_read(ctx, actor, code, "timeline", page=page)
    return Page(items=items, total=total, page=page, page_size=page_size)


def export_dossier(ctx: EngineContext, actor: Actor, code: str) -> bytes:
    """The dossier's signed audit bundle; the export itself is its last event."""
    ensure_auditor(actor)
    now = ctx.clock.now()
    chain = events.dossier_chain(code)
    with conflicts_as_errors(), ctx.uow() as uow:
        dossier = uow.dossiers.by_code(code)
        if dossier is None:
            raise NotFoundError(f"no dossier {code}")
        events.record(
            uow,
            chain=chain,
            type=EventType.DOSSIER_READ,
            actor=actor,
            now=now,
            dossier_id=dossier.id,
            payload=DossierRead(what="export"),
        )
        uow.flush()
        log = list(uow.audit.stream_events(chain))
        certifying = uow.checkpoints.certifying(chain)
        checkpoint = uow.checkpoints.get(certifying) if certifying is not None else None
        bundle = build_bundle(
            code=code,
            events=log,
            definitions=_definitions_run(uow, log),
            checkpoint=stored_checkpoint(checkpoint) if checkpoint is not None else None,
            key=ctx.audit_key,
            exported_at=now,
            exported_by=actor.username,
        )
        uow.commit()
    return bundle


def _definitions_run(uow: UnitOfWork, log: Sequence[events.HashedEvent]) -> list[Definition]:
    """The definition versions the dossier's events name (submission, later migrations)."""
    found: dict[tuple[str, int], Definition] = {}
    for event in log:
        payload = event.payload
        if "definition_version" not in payload:
            continue
        key = str(payload.get("procedure") or payload.get("key"))
        version = int(payload["definition_version"])
        definition = uow.definitions.version(key, version)
        if definition is not None:
            found[(key, version)] = definition
    return [found[k] for k in sorted(found)]
