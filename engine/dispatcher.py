"""The outbox's dispatcher (docs/integration.md): part of the single scheduler process, under its
lock, it delivers the outbox's messages to their peers.

A pass reads the due messages (the earliest undelivered one of each dossier per destination),
delivers them in parallel over HTTP outside any transaction, and records the outcomes in one
transaction. A dossier's later message is not due until its earlier one is delivered, so the
order per dossier holds. If the process dies mid-pass, the messages stay pending and the next
dispatcher delivers them again: the peer drops the duplicates by idempotency key.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Self

from engine.clock import Clock, SystemClock
from engine.context import EngineContext
from engine.peers.base import DeliveryError, MappingError, Peer, RejectedError
from engine.peers.dvcqg import DvcqgPeer
from engine.peers.mail import MailPeer
from engine.peers.sms import JsonSmsGateway, SmsPeer
from engine.peers.smtp import SmtpTransport
from engine.peers.webhook import WebhookPeer
from engine.services import outbox
from engine.services.outbox import DueMessage, Outcome
from engine.settings import Settings
from storage.integration import WEBHOOK_PREFIX

log = logging.getLogger("motcua.outbox")


def peers_from_settings(settings: Settings, clock: Clock | None = None) -> dict[str, Peer]:
    """The configured peers by destination name (`webhook` delivers every `webhook:<id>`)."""
    peers: dict[str, Peer] = {}
    if settings.dvcqg is not None:
        peers[DvcqgPeer.name] = DvcqgPeer(settings.dvcqg)
    notify = settings.notify
    if notify.smtp is not None:
        peers[MailPeer.name] = MailPeer(SmtpTransport(notify.smtp), settings.mail_from)
    elif settings.mail_dir is not None:
        peers[MailPeer.name] = MailPeer(settings.mail_dir, settings.mail_from)
    if notify.sms is not None:
        peers[SmsPeer.name] = SmsPeer(JsonSmsGateway(notify.sms))
    peers[WebhookPeer.name] = WebhookPeer(
        clock or SystemClock(),
        env=settings.env,
        private_allowed=settings.webhook_private_allowed,
        timeout=notify.webhook_timeout_seconds,
    )
    return peers


class OutboxDispatcher:
    """`run_pass()` delivers one batch; `drain()` passes until nothing is due. `close()` ends
    its delivery threads."""

    def __init__(
        self,
        ctx: EngineContext,
        *,
        peers: Mapping[str, Peer] | None = None,
        rng: random.Random | None = None,
        batch: int | None = None,
        workers: int | None = None,
    ) -> None:
        self.ctx = ctx
        self.peers = (
            dict(peers) if peers is not None else peers_from_settings(ctx.settings, ctx.clock)
        )
        self.rng = rng
        self.batch = batch or ctx.settings.outbox.batch
        self._pool = ThreadPoolExecutor(
            max_workers=workers or ctx.settings.outbox.workers, thread_name_prefix="outbox"
        )

    def run_pass(self) -> int:
        """Deliver what is due now, once each; return how many were tried."""
        due = outbox.due_messages(self.ctx, self.batch)
        if not due:
            return 0
        outcomes = list(self._pool.map(self._deliver, due))
        outbox.record_outcomes(self.ctx, outcomes, self.rng)
        return len(due)

    def drain(self, stopping: Callable[[], bool] = lambda: False) -> int:
        """Pass until nothing is due now (failures wait for their back-off) or `stopping()`."""
        tried = 0
        while not stopping():
            done = self.run_pass()
            if done == 0:
                break
            tried += done
        return tried

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        for peer in self.peers.values():
            peer.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _deliver(self, due: DueMessage) -> Outcome:
        message = due.message
        peer = self.peers.get(due.destination)
        if peer is None and due.destination.startswith(WEBHOOK_PREFIX):
            peer = self.peers.get(WebhookPeer.name)
        if peer is None:
            return Outcome(message.id, f"no peer is configured for {due.destination}")
        try:
            peer.deliver(message)
        except (MappingError, RejectedError) as exc:
            return Outcome(message.id, f"{type(exc).__name__}: {exc}", permanent=True)
        except DeliveryError as exc:
            log.info("outbox message %s to %s failed: %s", message.key, due.destination, exc)
            return Outcome(message.id, str(exc))
        except Exception as exc:  # an adapter's bug: park the message, keep the dispatcher
            log.exception("outbox message %s: the %s adapter failed", message.key, peer.name)
            return Outcome(message.id, f"{type(exc).__name__}: {exc}", permanent=True)
        return Outcome(message.id)
