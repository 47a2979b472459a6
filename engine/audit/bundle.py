"""A dossier's audit bundle: everything needed to verify its history with no database.

The file holds the dossier's events, the definition versions it ran on (sources and forms), the
latest signed checkpoint entry for its chain with a Merkle proof, and the server's public key; the
server signs the whole content. It is written in one canonical form, so that changing any byte
either changes what is signed or makes the file non-canonical: both fail verification.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.audit.checkpoints import StoredCheckpoint, inclusion_proof, proves_inclusion
from engine.audit.integrity import ChainChecker
from engine.event_types import EventType
from engine.events import canonical_json, dossier_chain, event_body, format_time
from engine.security.signing import ALGORITHM, PublicKeyError, SigningKey, VerifyingKey
from storage.audit import EventRow
from storage.models import Definition

FORMAT = "motcua-audit-bundle/1"


@dataclass(frozen=True, slots=True)
class BundleReport:
    ok: bool
    dossier: str | None
    events: int
    key_id: str | None
    #: The key was the one the auditor supplied, not only the one inside the bundle.
    key_pinned: bool
    checkpoint: int | None
    problems: list[str]
    notes: list[str] = field(default_factory=list)


def render(document: dict[str, Any]) -> bytes:
    """The one byte form a bundle is written in (sorted keys, one-space indent, UTF-8)."""
    text = json.dumps(document, sort_keys=True, indent=1, ensure_ascii=False, allow_nan=False)
    return (text + "\n").encode("utf-8")


def build_bundle(
    *,
    code: str,
    events: Sequence[EventRow],
    definitions: Sequence[Definition],
    checkpoint: StoredCheckpoint | None,
    key: SigningKey,
    exported_at: datetime,
    exported_by: str,
) -> bytes:
    chain = dossier_chain(code)
    content = {
        "format": FORMAT,
        "dossier": code,
        "chain": chain,
        "exported_at": format_time(exported_at),
        "exported_by": exported_by,
        "events": [{**event_body(e), "prev_hash": e.prev_hash, "hash": e.hash} for e in events],
        "definitions": [
            {
                "key": d.key,
                "version": d.version,
                "name": d.name,
                "content_hash": d.content_hash,
                "sources": d.sources,
                "forms": d.forms,
            }
            for d in definitions
        ],
        "checkpoint": _checkpoint_proof(chain, checkpoint),
        "public_key": {"algorithm": ALGORITHM, "key_id": key.key_id, "pem": key.public.pem},
    }
    return render({"bundle": content, "signature": key.sign(canonical_json(content))})


def _checkpoint_proof(chain: str, checkpoint: StoredCheckpoint | None) -> dict[str, Any] | None:
    if checkpoint is None:
        return None
    index = next((i for i, entry in enumerate(checkpoint.entries) if entry[0] == chain), None)
    if index is None:
        return None
    return {
        "body": checkpoint.body(),
        "signature": checkpoint.signature,
        "entry": list(checkpoint.entries[index]),
        "index": index,
        "proof": inclusion_proof(checkpoint.entries, index),
    }


def verify_bundle(data: bytes, trusted: VerifyingKey | None = None) -> BundleReport:
    """Check a bundle offline; `trusted` is the public key the auditor holds, if any."""
    check = _BundleCheck(trusted)
    try:
        check.run(data)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
        check.problems.append(f"the bundle is malformed ({type(exc).__name__}: {exc})")
    return BundleReport(
        ok=not check.problems,
        dossier=check.dossier,
        events=check.events,
        key_id=check.key_id,
        key_pinned=trusted is not None,
        checkpoint=check.checkpoint,
        problems=check.problems,
        notes=check.notes,
    )


class _BundleCheck:
    def __init__(self, trusted: VerifyingKey | None) -> None:
        self.trusted = trusted
        self.problems: list[str] = []
        self.notes: list[str] = []
        self.dossier: str | None = None
        self.events = 0
        self.key_id: str | None = None
        self.checkpoint: int | None = None

    def run(self, data: bytes) -> None:
        try:
            document = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            self.problems.append(f"not a bundle: {exc}")
            return
        if not isinstance(document, dict) or render(document) != data:
            self.problems.append("the file is not byte for byte as exported")
        content = document["bundle"]
        if content["format"] != FORMAT:
            self.problems.append(f"unknown bundle format {content['format']!r}")
            return
        self.dossier = str(content["dossier"])
        key = self._key(content["public_key"])
        if key is not None and not key.verifies(canonical_json(content), document["signature"]):
            self.problems.append("the server's signature does not match the content")
        events = [_event_row(item) for item in content["events"]]
        self.events = len(events)
        self._chain(content["chain"], events)
        self._definitions(events, content["definitions"])
        self._checkpoint(content["chain"], events, content["checkpoint"], key)

    def _key(self, public_key: dict[str, Any]) -> VerifyingKey | None:
        try:
            key = VerifyingKey.from_pem(public_key["pem"])
        except PublicKeyError as exc:
            self.problems.append(f"the public key is unusable: {exc}")
            return None
        self.key_id = key.key_id
        if public_key["key_id"] != key.key_id:
            self.problems.append("the public key does not match its key id")
        if self.trusted is not None and self.trusted.key_id != key.key_id:
            self.problems.append(
                f"signed with key {key.key_id[:16]}…, not with the key you trust "
                f"({self.trusted.key_id[:16]}…)"
            )
        if self.trusted is None:
            self.notes.append(
                f"checked with the key inside the bundle ({key.key_id}); compare it with the "
                "server's (`motcua audit public-key`) or pass --public-key"
            )
        return self.trusted or key

    def _chain(self, chain: str, events: list[EventRow]) -> None:
        if chain != dossier_chain(str(self.dossier)):
            self.problems.append(f"chain {chain!r} is not the dossier's chain")
        checker = ChainChecker(chain)
        for event in events:
            if event.chain != chain:
                self.problems.append(f"event {event.seq} belongs to another chain ({event.chain})")
            checker.feed(event)
        self.problems += [problem.describe() for problem in checker.finish()]

    def _definitions(self, events: list[EventRow], definitions: list[dict[str, Any]]) -> None:
        held = {(d["key"], d["version"]): d["content_hash"] for d in definitions}
        for event in events:
            payload = event.payload
            if event.type != EventType.DOSSIER_SUBMITTED:
                continue
            pinned = (payload["procedure"], payload["definition_version"])
            if held.get(pinned) != payload["definition_hash"]:
                self.problems.append(
                    f"event {event.seq}: the bundle lacks procedure {pinned[0]} version "
                    f"{pinned[1]} as the dossier ran it"
                )

    def _checkpoint(
        self,
        chain: str,
        events: list[EventRow],
        proof: dict[str, Any] | None,
        key: VerifyingKey | None,
    ) -> None:
        if proof is None:
            self.notes.append("no signed checkpoint covers this dossier yet")
            return
        body, entry = proof["body"], proof["entry"]
        self.checkpoint = int(body["seq"])
        if key is None or body["key_id"] != key.key_id:
            self.problems.append(f"checkpoint #{self.checkpoint} is signed by another key")
        elif not key.verifies(canonical_json(body), proof["signature"]):
            self.problems.append(f"checkpoint #{self.checkpoint}: the signature does not match")
        if entry[0] != chain or not proves_inclusion(
            entry, proof["index"], body["count"], proof["proof"], body["root"]
        ):
            self.problems.append(f"checkpoint #{self.checkpoint} does not list this chain's head")
            return
        seq, hash_ = int(entry[1]), str(entry[2])
        stored = next((e for e in events if e.seq == seq), None)
        if stored is None:
            self.problems.append(
                f"event {seq}: truncated: checkpoint #{self.checkpoint} certified it; the bundle "
                "does not have it"
            )
        elif stored.hash != hash_:
            self.problems.append(
                f"event {seq}: modified: differs from checkpoint #{self.checkpoint}"
            )


def _event_row(item: dict[str, Any]) -> EventRow:
    actor = item["actor"]
    return EventRow(
        id=0,
        chain=str(item["chain"]),
        seq=int(item["seq"]),
        dossier_id=None,
        occurred_at=datetime.fromisoformat(item["occurred_at"]),
        type=str(item["type"]),
        actor_user_id=actor["user_id"],
        actor_username=actor["username"],
        actor_role=actor["role"],
        actor_unit=actor["unit"],
        bpmn_id=item["bpmn_id"],
        payload=item["payload"],
        prev_hash=str(item["prev_hash"]),
        hash=str(item["hash"]),
    )
