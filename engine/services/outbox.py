"""The outbox's use cases (docs/integration.md): what the dispatcher reads and records, and what
administrators see and retry. Each is one short transaction; delivery itself happens outside any
transaction (`engine.dispatcher`), so a slow or failing peer never holds a lock a citizen's or
an officer's request waits for."""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from engine import events
from engine.context import EngineContext
from engine.errors import FieldError, InvalidStateError, NotFoundError, ValidationFailedError
from engine.event_types import EventType, OutboxRetried
from engine.peers.base import IssuedDocument, Outbound
from engine.peers.mail import MAIL, QUOTED_FORMS, attachment_of
from engine.peers.sms import SMS
from engine.results import Page
from engine.security.authz import Actor, ensure_admin
from engine.services import notifications, webhooks
from engine.services.account_rules import page_window
from engine.settings import OutboxSettings
from engine.transactions import conflicts_as_errors
from engine.views import mask_name
from storage.integration import WEBHOOK_PREFIX
from storage.outbox import OutboxCounts
from storage.outbox_models import OutboxMessage
from storage.statuses import OutboxState
from storage.uow import UnitOfWork

log = logging.getLogger("motcua.outbox")
MAX_ERROR_CHARS = 500
#: The applicant's channels: their messages carry the documents they quote or attach.
NOTIFIED = frozenset({MAIL, SMS})


@dataclass(frozen=True, slots=True)
class DueMessage:
    destination: str
    message: Outbound


@dataclass(frozen=True, slots=True)
class Outcome:
    """How one delivery went: delivered, failed for now (retry), or parked (`permanent`)."""

    message_id: int
    error: str | None = None
    permanent: bool = False


@dataclass(frozen=True, slots=True)
class OutboxMessageView:
    id: int
    destination: str
    key: str
    dossier_code: str
    kind: str
    state: str
    attempts: int
    created_at: datetime
    next_attempt_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    last_error: str | None
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class OutboxHealth:
    pending: int
    dead: int
    #: Seconds since the oldest pending message was written (0: nothing pending).
    lag_seconds: float


def due_messages(ctx: EngineContext, limit: int) -> list[DueMessage]:
    """Messages to deliver now: at most one per dossier and destination (the earliest), so that
    they may be delivered in parallel and a dossier's order still holds. Each carries what its
    adapter needs at delivery time: the dossier's files, the applicant's contacts as they chose
    them (`engine.services.notifications`), a webhook's endpoint."""
    now = ctx.clock.now()
    with ctx.uow(write=False) as uow:
        rows = uow.outbox.due(now, limit)
        codes = sorted({row.dossier_code for row in rows})
        files = uow.outbox.file_hashes(codes)
        # only the applicant's channels need their contacts and documents (not the portal's)
        told = sorted({row.dossier_code for row in rows if row.destination in NOTIFIED})
        contacts = notifications.contacts(uow, told)
        documents = {
            code: tuple(
                IssuedDocument(
                    d.form, d.number, d.sha256 or "", d.issued_at, dict(d.data), None, d.id
                )
                for d in found_documents
            )
            for code, found_documents in uow.outbox.documents(told, QUOTED_FORMS).items()
        }
        hooks = sorted({hook for row in rows if (hook := _webhook_id(row.destination)) is not None})
        due = [
            DueMessage(
                row.destination,
                Outbound(
                    row.id,
                    row.key,
                    row.kind,
                    row.payload,
                    files[row.dossier_code],
                    *contacts.get(row.dossier_code, (None, None)),
                    None,
                    documents.get(row.dossier_code, ()) if row.destination in NOTIFIED else (),
                ),
            )
            for row in rows
        ]
        due = _with_attached_pdfs(uow, due)
    endpoints = webhooks.endpoints(ctx, hooks)
    return [
        replace(d, message=replace(d.message, endpoint=endpoints.get(hook)))
        if (hook := _webhook_id(d.destination)) is not None
        else d
        for d in due
    ]


def _with_attached_pdfs(uow: UnitOfWork, due: list[DueMessage]) -> list[DueMessage]:
    """Each mail with the PDF it attaches: only those PDFs are read and decompressed (a
    dossier's other notifications quote its documents' data, never their bytes)."""
    attached = {
        d.message.id: document
        for d in due
        if d.destination == MAIL and (document := attachment_of(d.message)) is not None
    }
    pdfs = uow.outbox.pdfs(sorted({a.document_id for a in attached.values() if a.document_id}))
    found = []
    for d in due:
        document = attached.get(d.message.id)
        if document is not None:
            loaded = replace(document, pdf=pdfs.get(document.document_id or 0))
            kept = tuple(loaded if x is document else x for x in d.message.documents)
            d = replace(d, message=replace(d.message, documents=kept))
        found.append(d)
    return found


def _webhook_id(destination: str) -> int | None:
    if not destination.startswith(WEBHOOK_PREFIX):
        return None
    number = destination.removeprefix(WEBHOOK_PREFIX)
    return int(number) if number.isdigit() else None


def record_outcomes(
    ctx: EngineContext, outcomes: Sequence[Outcome], rng: random.Random | None = None
) -> None:
    """Record a batch of deliveries in one transaction: delivered, rescheduled with back-off,
    or parked as dead (too old, or refused for good: logged as an error)."""
    if not outcomes:
        return
    now = ctx.clock.now()
    policy = ctx.settings.outbox
    with conflicts_as_errors(), ctx.uow() as uow:
        rows = uow.outbox.many([outcome.message_id for outcome in outcomes])
        for outcome in outcomes:
            row = rows.get(outcome.message_id)
            if row is None or row.state != OutboxState.PENDING:
                continue  # purged or retried meanwhile
            row.attempts += 1
            row.last_attempt_at = now
            if outcome.error is None:
                row.state, row.delivered_at, row.last_error = OutboxState.DELIVERED, now, None
                continue
            row.last_error = outcome.error[:MAX_ERROR_CHARS]
            too_old = now - (row.retried_at or row.created_at) > timedelta(
                seconds=policy.max_age_seconds
            )
            if outcome.permanent or too_old:
                row.state = OutboxState.DEAD
                log.error(
                    "outbox message %s (%s, %s) is parked as dead after %d attempts: %s",
                    row.id,
                    row.destination,
                    row.key,
                    row.attempts,
                    row.last_error,
                )
            else:
                row.next_attempt_at = now + backoff(row.attempts, policy, rng or _RNG)
        uow.commit()


def backoff(attempts: int, policy: OutboxSettings, rng: random.Random) -> timedelta:
    """Exponential back-off with full jitter over its upper half: after the n-th failure,
    between half and all of base x 2^(n-1), at most the maximum."""
    ceiling = min(policy.backoff_max_seconds, policy.backoff_base_seconds * 2 ** (attempts - 1))
    return timedelta(seconds=ceiling * (0.5 + rng.random() / 2))


def list_messages(
    ctx: EngineContext,
    actor: Actor,
    *,
    state: str | None,
    destination: str | None,
    dossier_code: str | None = None,
    page: int = 1,
    page_size: int = 50,
) -> Page[OutboxMessageView]:
    """Outbox messages, newest first (administrators)."""
    ensure_admin(actor)
    if state is not None and state not in set(OutboxState):
        allowed = ", ".join(OutboxState)
        raise ValidationFailedError(
            "invalid filter", [FieldError("state", f"state must be one of {allowed}")]
        )
    page, page_size = page_window(page, page_size)
    with ctx.uow(write=False) as uow:
        rows, total = uow.outbox.page(
            state=state,
            destination=destination,
            dossier_code=dossier_code,
            offset=(page - 1) * page_size,
            limit=page_size,
        )
        items = [_view(row) for row in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


def retry(ctx: EngineContext, actor: Actor, message_id: int) -> OutboxMessageView:
    """Deliver a dead (or waiting) message again now; its maximum age counts from now.
    Audited as `outbox_retried` on the dossier's chain."""
    ensure_admin(actor)
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        row = uow.outbox.get(message_id)
        if row is None:
            raise NotFoundError(f"no outbox message {message_id}")
        if row.state == OutboxState.DELIVERED:
            raise InvalidStateError(f"outbox message {message_id} was delivered")
        dossier = uow.dossiers.by_code(row.dossier_code, for_update=True)
        if dossier is not None:  # audited on the dossier's chain, as a timer's resumption
            events.record_for_dossier(
                uow,
                dossier,
                type=EventType.OUTBOX_RETRIED,
                actor=actor,
                now=now,
                payload=OutboxRetried(
                    destination=row.destination, key=row.key, error=row.last_error
                ),
            )
        row.state, row.next_attempt_at, row.retried_at = OutboxState.PENDING, now, now
        view = _view(row)
        uow.commit()
    log.warning("outbox message %s (%s) retried by %s", message_id, row.key, actor.username)
    return view


def purge_delivered(ctx: EngineContext, actor: Actor, before: datetime) -> int:
    """Delete messages delivered before `before`; return how many."""
    ensure_admin(actor)
    with ctx.uow() as uow:
        purged = uow.outbox.purge_delivered(before)
        uow.commit()
    return purged


def health(ctx: EngineContext) -> OutboxHealth:
    with ctx.uow(write=False) as uow:
        counts: OutboxCounts = uow.outbox.counts()
    lag = 0.0
    if counts.oldest_pending_at is not None:
        lag = max(0.0, (ctx.clock.now() - counts.oldest_pending_at).total_seconds())
    return OutboxHealth(counts.pending, counts.dead, lag)


def _view(row: OutboxMessage) -> OutboxMessageView:
    return OutboxMessageView(
        id=row.id,
        destination=row.destination,
        key=row.key,
        dossier_code=row.dossier_code,
        kind=row.kind,
        state=row.state,
        attempts=row.attempts,
        created_at=row.created_at,
        next_attempt_at=row.next_attempt_at,
        last_attempt_at=row.last_attempt_at,
        delivered_at=row.delivered_at,
        last_error=row.last_error,
        payload=_masked(row.payload),
    )


def _masked(payload: dict[str, Any]) -> dict[str, Any]:
    """The applicant's name masked, as in every list of dossiers (SEC-5): the list is not a
    read of the dossier, and the portal got the name, not the administrator."""
    dossier = payload.get("dossier")
    if not isinstance(dossier, dict) or not isinstance(dossier.get("applicant_name"), str):
        return dict(payload)
    return {
        **payload,
        "dossier": {**dossier, "applicant_name": mask_name(dossier["applicant_name"])},
    }


#: Jitter spreads retries out; it protects nothing, so a plain generator will do.
_RNG = random.Random()  # noqa: S311
