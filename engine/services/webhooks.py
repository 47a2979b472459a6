"""Webhooks for other systems (docs/integration.md): administrators register an endpoint with an
event filter; every matching change then writes one outbox message per endpoint in the change's
transaction (`storage.outbox.Outbox.add`), delivered signed by the dispatcher
(`engine.peers.webhook`). The secret is shown once, at creation, and kept sealed
(`engine.security.secret_box`)."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from engine import events as audit_events
from engine.context import EngineContext
from engine.errors import FieldError, InvalidStateError, NotFoundError, ValidationFailedError
from engine.event_types import EventType
from engine.outbound import DOCUMENT_ISSUED, STATUS_CHANGED
from engine.peers.addresses import AddressError, UnresolvedError, check_url, resolve
from engine.peers.base import WebhookEndpoint
from engine.results import Page
from engine.security.authz import Actor, ensure_admin
from engine.security.secret_box import UnsealError, seal, unseal
from engine.services.account_rules import page_window
from engine.statuses import DossierStatus
from engine.system_event_types import WebhookChanged
from storage.integration_models import Webhook
from storage.statuses import OutboxState
from storage.uow import UnitOfWork

log = logging.getLogger("motcua.webhooks")
EVENTS = (STATUS_CHANGED, DOCUMENT_ISSUED)
SEAL_PURPOSE = "webhook secrets v1"
SECRET_PREFIX = "whsec_"  # noqa: S105 - a prefix that says what the secret is, not a secret


@dataclass(frozen=True, slots=True)
class WebhookView:
    id: int
    url: str
    events: list[str]
    statuses: list[int]
    description: str
    active: bool
    created_at: datetime
    created_by: str
    disabled_at: datetime | None


@dataclass(frozen=True, slots=True)
class CreatedWebhook:
    webhook: WebhookView
    #: Shown once: the receiver verifies signatures with it.
    secret: str


@dataclass(frozen=True, slots=True)
class DeliveryView:
    id: int
    key: str
    kind: str
    dossier_code: str
    #: pending | delivered | dead
    state: str
    attempts: int
    created_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    next_attempt_at: datetime
    last_error: str | None


def create(
    ctx: EngineContext,
    actor: Actor,
    *,
    url: str,
    events: Sequence[str],
    statuses: Sequence[int] = (),
    description: str = "",
) -> CreatedWebhook:
    """Register an endpoint; its secret is in the answer and nowhere else readable."""
    ensure_admin(actor)
    problems = _check(ctx, url, events, statuses)
    if problems:
        raise ValidationFailedError("invalid webhook", problems)
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with ctx.uow() as uow:
        row = uow.webhooks.add(
            Webhook(
                url=url,
                events=sorted(set(events)),
                statuses=sorted(set(statuses)),
                sealed_secret=seal(ctx.settings.secret_key, SEAL_PURPOSE, secret),
                description=description,
                active=True,
                created_at=ctx.clock.now(),
                created_by=actor.username,
            )
        )
        view = _view(row)
        _record(ctx, uow, actor, EventType.WEBHOOK_REGISTERED, row)
        uow.commit()
    log.warning("webhook %s (%s) registered by %s", view.id, view.url, actor.username)
    return CreatedWebhook(view, secret)


def list_webhooks(ctx: EngineContext, actor: Actor) -> list[WebhookView]:
    ensure_admin(actor)
    with ctx.uow(write=False) as uow:
        return [_view(row) for row in uow.webhooks.all()]


def disable(ctx: EngineContext, actor: Actor, webhook_id: int) -> WebhookView:
    """No more messages for it; its undelivered ones are parked (dead, with the reason)."""
    ensure_admin(actor)
    with ctx.uow() as uow:
        row = _get(uow.webhooks.get(webhook_id), webhook_id)
        if not row.active:
            raise InvalidStateError(f"webhook {webhook_id} is disabled already")
        row.active, row.disabled_at = False, ctx.clock.now()
        uow.webhooks.park_pending(webhook_id, f"webhook disabled by {actor.username}")
        view = _view(row)
        _record(ctx, uow, actor, EventType.WEBHOOK_DISABLED, row)
        uow.commit()
    log.warning("webhook %s disabled by %s", webhook_id, actor.username)
    return view


def delete(ctx: EngineContext, actor: Actor, webhook_id: int) -> None:
    """Remove it with its messages and their history."""
    ensure_admin(actor)
    with ctx.uow() as uow:
        row = _get(uow.webhooks.get(webhook_id), webhook_id)
        _record(ctx, uow, actor, EventType.WEBHOOK_DELETED, row)
        uow.webhooks.remove(row)
        uow.commit()
    log.warning("webhook %s deleted by %s", webhook_id, actor.username)


def deliveries(
    ctx: EngineContext, actor: Actor, webhook_id: int, *, page: int = 1, page_size: int = 50
) -> Page[DeliveryView]:
    """Its messages with their outcome, newest first."""
    ensure_admin(actor)
    page, page_size = page_window(page, page_size)
    with ctx.uow(write=False) as uow:
        _get(uow.webhooks.get(webhook_id), webhook_id)
        rows, total = uow.webhooks.deliveries(
            webhook_id, offset=(page - 1) * page_size, limit=page_size
        )
        items = [
            DeliveryView(
                id=row.id,
                key=row.key,
                kind=row.kind,
                dossier_code=row.dossier_code,
                state=OutboxState(row.state),
                attempts=row.attempts,
                created_at=row.created_at,
                last_attempt_at=row.last_attempt_at,
                delivered_at=row.delivered_at,
                next_attempt_at=row.next_attempt_at,
                last_error=row.last_error,
            )
            for row in rows
        ]
    return Page(items=items, total=total, page=page, page_size=page_size)


def endpoints(ctx: EngineContext, webhook_ids: Sequence[int]) -> dict[int, WebhookEndpoint]:
    """The active endpoints among `webhook_ids`, secrets unsealed, for the dispatcher (an
    endpoint missing from the answer parks its message)."""
    if not webhook_ids:
        return {}
    found: dict[int, WebhookEndpoint] = {}
    with ctx.uow(write=False) as uow:
        for row in uow.webhooks.many(webhook_ids).values():
            if not row.active:
                continue
            try:
                secret = unseal(ctx.settings.secret_key, SEAL_PURPOSE, row.sealed_secret)
            except UnsealError as exc:
                log.error("webhook %s: %s", row.id, exc)
                continue
            found[row.id] = WebhookEndpoint(row.id, row.url, secret)
    return found


def _check(
    ctx: EngineContext, url: str, events: Sequence[str], statuses: Sequence[int]
) -> list[FieldError]:
    problems = []
    try:
        parts = check_url(url, env=ctx.settings.env)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        resolve(parts.hostname or "", port, private_allowed=ctx.settings.webhook_private_allowed)
    except UnresolvedError as exc:
        # Outside production a name without an address yet (a test host, split DNS) may be
        # registered: every delivery resolves and judges it again before connecting.
        if ctx.settings.is_production:
            problems.append(FieldError("url", f"url {exc}"))
    except AddressError as exc:
        problems.append(FieldError("url", f"url {exc}"))
    if not events:
        problems.append(FieldError("events", "at least one event: " + ", ".join(EVENTS)))
    for index, event in enumerate(events):
        if event not in EVENTS:
            problems.append(
                FieldError(f"events.{index}", f"{event!r} is not one of " + ", ".join(EVENTS))
            )
    known = {int(status) for status in DossierStatus}
    for index, status in enumerate(statuses):
        if status not in known:
            problems.append(FieldError(f"statuses.{index}", f"{status} is not a status 1-10"))
    return problems


def _record(
    ctx: EngineContext, uow: UnitOfWork, actor: Actor, kind: EventType, row: Webhook
) -> None:
    """An administrator's change of where dossier events go, on the system chain."""
    payload = WebhookChanged(
        id=row.id, url=row.url, events=list(row.events), statuses=list(row.statuses)
    )
    audit_events.record_system(uow, kind, actor=actor, now=ctx.clock.now(), payload=payload)


def _get(row: Webhook | None, webhook_id: int) -> Webhook:
    if row is None:
        raise NotFoundError(f"no webhook {webhook_id}")
    return row


def _view(row: Webhook) -> WebhookView:
    return WebhookView(
        id=row.id,
        url=row.url,
        events=list(row.events),
        statuses=list(row.statuses),
        description=row.description,
        active=row.active,
        created_at=row.created_at,
        created_by=row.created_by,
        disabled_at=row.disabled_at,
    )
