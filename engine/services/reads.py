"""Reads of a dossier's personal data, each logged on the dossier's chain (SEC-1, SEC-5).

Officers, auditors and administrators leave a `dossier_read` event naming who read what;
applicants reading their own dossier do not. The read runs in a read transaction and the log entry
in a short write transaction after it, so a logged read holds the write lock only to append one
event; nothing is returned unless the entry was committed.
"""

from __future__ import annotations

from typing import Unpack

from engine import events
from engine.context import EngineContext
from engine.errors import NotFoundError
from engine.event_types import DossierRead, EventType, ReadDetails
from engine.queries import documents as document_queries
from engine.queries import dossiers as queries
from engine.results import DocumentView, DossierDetail, ReceiptView, TaskDetail
from engine.security.authz import Actor, Role
from engine.transactions import conflicts_as_errors


def read_dossier(ctx: EngineContext, actor: Actor, code: str) -> DossierDetail:
    """A dossier's detail (`queries.get_dossier`), logged."""
    detail = queries.get_dossier(ctx, actor, code)
    log_read(ctx, actor, code, "dossier")
    return detail


def read_receipt(ctx: EngineContext, actor: Actor, code: str) -> ReceiptView:
    """Mẫu 01 of an accepted dossier as issued (`document_queries.get_receipt`), logged."""
    receipt = document_queries.get_receipt(ctx, actor, code)
    log_read(ctx, actor, code, "receipt")
    return receipt


def read_reappointment(ctx: EngineContext, actor: Actor, code: str) -> DocumentView:
    """Mẫu 04 of a re-appointed dossier as issued (`document_queries.get_reappointment`),
    logged."""
    letter = document_queries.get_reappointment(ctx, actor, code)
    log_read(ctx, actor, code, "reappointment")
    return letter


def read_task(ctx: EngineContext, actor: Actor, task_id: str) -> TaskDetail:
    """A task with the dossier data its step sees (`queries.get_task`), logged."""
    detail = queries.get_task(ctx, actor, task_id)
    log_read(ctx, actor, detail.task.dossier_code, "task", task_id=task_id)
    return detail


def log_read(
    ctx: EngineContext, actor: Actor, code: str, what: str, **details: Unpack[ReadDetails]
) -> None:
    """Record that `actor` read `what` of dossier `code` (after checking they may).

    `what` is one of dossier, task, files, file, receipt, reappointment, timeline, replay,
    export, documents, document, control_slip (the last three: issue 14).
    """
    if actor.has(Role.CITIZEN):
        return  # applicants only ever see their own dossier
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        dossier = uow.dossiers.by_code(code)
        if dossier is None:
            raise NotFoundError(f"no dossier {code}")
        events.record_for_dossier(
            uow,
            dossier,
            type=EventType.DOSSIER_READ,
            actor=actor,
            now=now,
            payload=DossierRead(what=what, **details),
        )
        uow.commit()
