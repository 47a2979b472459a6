"""Append audit events to hash chains, in the transaction of the change they record.

`hash = sha256(prev_hash || canonical JSON of the event)`; each dossier has its own chain
(`dossier:<code>`), and deployments, users, units and calendar edits share the `system` chain.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from engine.authz import Actor
from storage.models import Event
from storage.uow import UnitOfWork

SYSTEM_CHAIN = "system"


def dossier_chain(code: str) -> str:
    return f"dossier:{code}"


def canonical_json(value: Any) -> bytes:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def event_body(event: Event) -> dict[str, Any]:
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
    uow: UnitOfWork,
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
