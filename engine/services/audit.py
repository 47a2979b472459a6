"""Audit use cases on the whole log: signed checkpoints, verification, the public key.

`create_checkpoint(ctx, actor)` is what the scheduler calls periodically (with `SYSTEM_ACTOR`);
auditors and administrators call it on demand (`motcua audit checkpoint`, the API).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field

from engine import events
from engine.audit.checkpoints import body_digest, checkpoint_body, merkle_root
from engine.audit.integrity import (
    MODIFIED,
    REPLAY_MISMATCH,
    TRUNCATED,
    ChainChecker,
    IntegrityProblem,
)
from engine.audit.replay import replay_log
from engine.audit.results import CheckpointSummary, PublicKeyView, VerifyReport
from engine.audit.verify import Progress, checkpoint_summary, verify_log
from engine.context import EngineContext
from engine.errors import ConcurrentModificationError, NotFoundError
from engine.event_types import EventType
from engine.results import Page
from engine.security.authz import Actor, ensure_auditor
from engine.security.signing import ALGORITHM, VerifyingKey
from engine.system_event_types import AuditVerified
from engine.transactions import conflicts_as_errors
from storage.audit_models import Checkpoint
from storage.errors import DuplicateRecordError
from storage.uow import UnitOfWork

#: The role of the scheduler's actor (`engine.security.authz.SYSTEM_ACTOR`).
SYSTEM_ROLE = "system"
MAX_ATTEMPTS = 3
#: Up to this many moved chains, their new events are read chain by chain through the index.
PER_CHAIN_QUERIES = 1000


@dataclass(frozen=True, slots=True)
class CheckpointResult:
    """The checkpoint now in force; `created` is False when nothing changed since the last one."""

    created: bool
    checkpoint: CheckpointSummary | None
    #: Chains left out because their new events failed verification (see `motcua audit verify`).
    refused: list[IntegrityProblem] = field(default_factory=list)


def create_checkpoint(ctx: EngineContext, actor: Actor) -> CheckpointResult:
    """Sign the heads of every chain that moved since the last checkpoint.

    New events are verified before their head is signed; a chain that fails is left out and
    reported. Verification runs in a read snapshot; only the insert takes the write lock.
    """
    if not actor.has(SYSTEM_ROLE):
        ensure_auditor(actor)
    for _attempt in range(MAX_ATTEMPTS):
        now = ctx.clock.now()
        with ctx.uow(write=False, snapshot=True) as uow:
            latest = uow.checkpoints.latest()  # its entries stay unloaded
            summary = checkpoint_summary(latest) if latest else None
            seq, prev_digest = (
                (latest.seq + 1, latest.digest) if latest else (1, events.GENESIS_HASH)
            )
            certified, refused = _verified_heads(uow)
        if not certified:
            return CheckpointResult(created=False, checkpoint=summary, refused=refused)
        body = checkpoint_body(
            seq=seq,
            created_at=now,
            created_by=actor.username,
            prev_digest=prev_digest,
            root=merkle_root(certified),
            count=len(certified),
            key_id=ctx.audit_key.key_id,
        )
        signed = Checkpoint(
            seq=seq,
            created_at=now,
            created_by=actor.username,
            prev_digest=body["prev"],
            entries=[list(entry) for entry in certified],
            entry_count=len(certified),
            root=body["root"],
            key_id=body["key_id"],
            signature=ctx.audit_key.sign(events.canonical_json(body)),
            digest=body_digest(body),
        )
        try:
            with conflicts_as_errors(), ctx.uow() as uow:
                current = uow.checkpoints.latest()
                if (current.seq if current else 0) != seq - 1:
                    continue  # another checkpoint was signed meanwhile: start again from it
                uow.checkpoints.add(signed)
                uow.checkpoints.certify(certified, seq)
                summary = checkpoint_summary(signed)
                uow.commit()
        except DuplicateRecordError:
            continue
        return CheckpointResult(created=True, checkpoint=summary, refused=refused)
    raise ConcurrentModificationError("checkpoints kept being created concurrently; try again")


def _verified_heads(uow: UnitOfWork) -> tuple[list[tuple[str, int, str]], list[IntegrityProblem]]:
    """(chain, seq, hash) of every moved head whose new events verify, and what failed."""
    changed = {c.chain: c for c in uow.audit.changed_heads()}
    refused: list[IntegrityProblem] = []
    for name, moved in list(changed.items()):
        before = moved.certified
        if before is not None and moved.head.seq <= before.seq:
            refused.append(
                IntegrityProblem(
                    TRUNCATED if moved.head.seq < before.seq else MODIFIED,
                    name,
                    moved.head.seq + 1 if moved.head.seq < before.seq else before.seq,
                    f"the chain head went back from event {before.seq} to {moved.head.seq}"
                    if moved.head.seq < before.seq
                    else "the hash a checkpoint certified was replaced",
                )
            )
            del changed[name]
    certified: list[tuple[str, int, str]] = []
    if len(changed) > PER_CHAIN_QUERIES:
        rows = uow.audit.events_since_certified()  # one scan beats many lookups
    else:
        rows = itertools.chain.from_iterable(
            uow.audit.events_after(name, moved.certified.seq if moved.certified else 0)
            for name, moved in list(changed.items())
        )
    for name, chain_rows in itertools.groupby(rows, key=lambda row: row.chain):
        change = changed.pop(name, None)
        if change is None:
            continue  # its head did not move: nothing to certify
        start = change.certified
        checker = ChainChecker(
            name,
            start_seq=start.seq + 1 if start else 1,
            start_hash=start.hash if start else events.GENESIS_HASH,
        )
        for row in chain_rows:
            checker.feed(row)
        problems = checker.finish(change.head)
        refused += problems
        if not problems:
            certified.append((name, change.head.seq, change.head.hash))
    for name, moved in changed.items():  # heads that moved with no new events behind them
        refused.append(
            IntegrityProblem(
                TRUNCATED, name, None, f"the chain head records event {moved.head.seq}, not found"
            )
        )
    return sorted(certified), refused


def verify_audit_log(
    ctx: EngineContext,
    actor: Actor,
    *,
    dossier: str | None = None,
    public_keys: Sequence[VerifyingKey] = (),
    replay: bool = False,
    progress: Progress | None = None,
) -> VerifyReport:
    """Check every chain (or one dossier's) and every checkpoint; with `replay`, also replay
    every dossier and compare it with its stored state. The run itself is logged.

    `public_keys` are the keys the auditor trusts; by default the server's own.
    """
    ensure_auditor(actor)
    keys = list(public_keys) or [ctx.audit_key.public]
    replayed: list[str] = []
    mismatches: list[IntegrityProblem] = []
    with ctx.uow(write=False, snapshot=True) as uow:
        report = verify_log(uow, keys, dossier=dossier, progress=progress)
        if replay:
            replayed = [dossier] if dossier is not None else sorted(uow.audit.dossier_ids())
            for code in replayed:
                mismatches += _replay_problems(ctx, uow, code)
    if dossier is not None and not report.problems and report.chains == report.dossiers == 0:
        raise NotFoundError(f"no dossier {dossier}")
    problems = report.problems + mismatches
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        events.record_system(
            uow,
            EventType.AUDIT_VERIFIED,
            actor=actor,
            now=now,
            payload=AuditVerified(
                dossier=dossier,
                replay=replay,
                ok=not problems,
                problems=len(problems),
                events=report.events,
            ),
        )
        uow.commit()
    return VerifyReport(
        ok=not problems,
        dossier=report.dossier,
        events=report.events,
        chains=report.chains,
        dossiers=report.dossiers,
        checkpoints=report.checkpoints,
        latest_checkpoint=report.latest_checkpoint,
        problems=problems,
        replayed=len(replayed),
    )


def _replay_problems(ctx: EngineContext, uow: UnitOfWork, code: str) -> list[IntegrityProblem]:
    chain = events.dossier_chain(code)
    result = replay_log(code, list(uow.audit.stream_events(chain)), uow, ctx)
    return [p for p in result.problems if p.kind == REPLAY_MISMATCH] + [
        IntegrityProblem(
            REPLAY_MISMATCH,
            chain,
            None,
            f"{m.field}: replayed {m.replayed!r}, stored {m.stored!r}",
        )
        for m in result.mismatches
    ]


def public_key(ctx: EngineContext, actor: Actor) -> PublicKeyView:
    ensure_auditor(actor)
    key = ctx.audit_key.public
    return PublicKeyView(algorithm=ALGORITHM, key_id=key.key_id, pem=key.pem)


def list_checkpoints(
    ctx: EngineContext, actor: Actor, page: int, page_size: int
) -> Page[CheckpointSummary]:
    """Newest first."""
    ensure_auditor(actor)
    with ctx.uow(write=False) as uow:
        total = uow.checkpoints.count()
        rows = uow.checkpoints.page((page - 1) * page_size, page_size)
        items = [checkpoint_summary(row) for row in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)
