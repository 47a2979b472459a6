"""Append audit events to hash chains, in the transaction of the change they record.

`hash = sha256(prev_hash || canonical JSON of the event)`; each dossier has its own chain
(`dossier:<code>`), and deployments, users, units and calendar edits share the `system` chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Protocol

from engine.security.authz import Actor
from storage.audit_models import Event
from storage.events import GENESIS_HASH as GENESIS_HASH
from storage.models import Dossier

SYSTEM_CHAIN = "system"
DOSSIER_CHAIN_PREFIX = "dossier:"


class HashedEvent(Protocol):
    """The fields an event's hash covers: an `Event` row, or an event read back for checking."""

    @property
    def chain(self) -> str: ...
    @property
    def seq(self) -> int: ...
    @property
    def type(self) -> str: ...
    @property
    def occurred_at(self) -> datetime: ...
    @property
    def actor_user_id(self) -> int | None: ...
    @property
    def actor_username(self) -> str: ...
    @property
    def actor_role(self) -> str: ...
    @property
    def actor_unit(self) -> str | None: ...
    @property
    def bpmn_id(self) -> str | None: ...
    @property
    def payload(self) -> dict[str, Any]: ...


class ChainAppender(Protocol):
    def advance_chain(self, name: str) -> tuple[int, str]: ...
    def append(self, event: Event) -> None: ...


class EventSink(Protocol):
    """Where `record` appends: the unit of work's event log, or a replay's scratch copy."""

    @property
    def events(self) -> ChainAppender: ...


def dossier_chain(code: str) -> str:
    return f"{DOSSIER_CHAIN_PREFIX}{code}"


def dossier_code_of(chain: str) -> str | None:
    """The dossier code of a dossier chain; None for the system chain."""
    return chain[len(DOSSIER_CHAIN_PREFIX) :] if chain.startswith(DOSSIER_CHAIN_PREFIX) else None


def canonical_json(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def event_body(event: HashedEvent) -> dict[str, Any]:
    """Everything the hash covers: all columns except the surrogate id and the hashes."""
    return {
        "chain": event.chain,
        "seq": event.seq,
        "type": event.type,
        "occurred_at": format_time(event.occurred_at),
        "actor": {
            "user_id": event.actor_user_id,
            "username": event.actor_username,
            "role": event.actor_role,
            "unit": event.actor_unit,
        },
        "bpmn_id": event.bpmn_id,
        "payload": event.payload,
    }


def event_hash(prev_hash: str, body: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode("ascii") + canonical_json(body)).hexdigest()


def format_time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def record(
    uow: EventSink,
    *,
    chain: str,
    type: str,
    actor: Actor,
    now: datetime,
    payload: Mapping[str, Any] | None = None,
    bpmn_id: str | None = None,
    dossier_id: int | None = None,
    role: str | None = None,
) -> Event:
    """Append one event to `chain` and move the chain head; the caller commits."""
    seq, prev_hash = uow.events.advance_chain(chain)
    event = Event(
        chain=chain,
        seq=seq,
        dossier_id=dossier_id,
        occurred_at=now,
        type=type,
        actor_user_id=actor.user_id,
        actor_username=actor.username,
        actor_role=role or actor.primary_role,
        actor_unit=actor.unit_code,
        bpmn_id=bpmn_id,
        payload=json.loads(canonical_json(dict(payload or {}))),
        prev_hash=prev_hash,
        hash="",
    )
    event.hash = event_hash(prev_hash, event_body(event))
    uow.events.append(event)
    return event


def record_for_dossier(
    uow: EventSink,
    dossier: Dossier,
    type: str,
    *,
    actor: Actor,
    now: datetime,
    payload: Mapping[str, Any] | None = None,
    bpmn_id: str | None = None,
    role: str | None = None,
) -> Event:
    """`record` on the dossier's own chain."""
    return record(
        uow,
        chain=dossier_chain(dossier.code),
        type=type,
        actor=actor,
        now=now,
        payload=payload,
        bpmn_id=bpmn_id,
        dossier_id=dossier.id,
        role=role,
    )


def record_system(
    uow: EventSink,
    type: str,
    *,
    actor: Actor,
    now: datetime,
    payload: Mapping[str, Any] | None = None,
) -> Event:
    """`record` on the system chain (accounts, units, definitions, calendar)."""
    return record(uow, chain=SYSTEM_CHAIN, type=type, actor=actor, now=now, payload=payload)
