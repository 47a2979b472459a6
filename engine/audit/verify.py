"""Verify the whole audit log (or one dossier's chain) against itself and the signed checkpoints.

One pass over the events in (chain, seq) order with constant memory per chain; then what the pass
cannot see event by event: chains that vanished (still certified by a checkpoint, or a dossier
without events), and chains that appeared (no dossier, or dated before a checkpoint that does not
list them).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta

from engine.audit.checkpoints import CheckpointLedger, StoredCheckpoint
from engine.audit.document_hashes import RecordedDocuments
from engine.audit.integrity import (
    CHAIN_FORGED,
    CHAIN_MISSING,
    MODIFIED,
    ChainChecker,
    IntegrityProblem,
)
from engine.audit.results import CheckpointSummary, VerifyReport
from engine.events import SYSTEM_CHAIN, dossier_chain, dossier_code_of
from engine.security.signing import VerifyingKey
from storage.audit import ChainHead, EventRow
from storage.audit_models import Checkpoint
from storage.uow import UnitOfWork

#: A transaction may commit events dated a little before a checkpoint it raced with; a chain
#: older than the latest checkpoint by more than this, and not certified by it, was forged.
FORGERY_GRACE = timedelta(minutes=5)
PROGRESS_EVERY = 10_000

#: Called with (events checked, events in total) as the check goes.
Progress = Callable[[int, int], None]


def stored_checkpoint(row: Checkpoint) -> StoredCheckpoint:
    return StoredCheckpoint(
        seq=row.seq,
        created_at=row.created_at,
        created_by=row.created_by,
        prev_digest=row.prev_digest,
        entries=[(str(c), int(s), str(h)) for c, s, h in row.entries],
        count=row.entry_count,
        root=row.root,
        key_id=row.key_id,
        signature=row.signature,
        digest=row.digest,
    )


def checkpoint_summary(checkpoint: StoredCheckpoint | Checkpoint) -> CheckpointSummary:
    return CheckpointSummary(
        seq=checkpoint.seq,
        created_at=checkpoint.created_at,
        created_by=checkpoint.created_by,
        chains=checkpoint.count
        if isinstance(checkpoint, StoredCheckpoint)
        else checkpoint.entry_count,
        root=checkpoint.root,
        key_id=checkpoint.key_id,
    )


def load_ledger(
    uow: UnitOfWork, keys: Sequence[VerifyingKey], chain: str | None = None
) -> CheckpointLedger:
    return CheckpointLedger.empty(keys, chain).add_all(
        stored_checkpoint(row) for row in uow.checkpoints.all()
    )


def verify_log(
    uow: UnitOfWork,
    keys: Sequence[VerifyingKey],
    *,
    dossier: str | None = None,
    progress: Progress | None = None,
) -> VerifyReport:
    """Check every chain (or the chain of `dossier`) and every checkpoint; read-only.

    Run it inside one snapshot transaction so that concurrent appends cannot look like damage.
    """
    only = dossier_chain(dossier) if dossier is not None else None
    ledger = load_ledger(uow, keys, only)
    if dossier is not None and only is not None:
        head = uow.audit.chain_head(only)
        dossier_id = uow.audit.dossier_id(dossier)
        heads = {only: head} if head is not None else {}
        dossier_ids = {dossier: dossier_id} if dossier_id is not None else {}
    else:
        heads = uow.audit.chain_heads()
        dossier_ids = uow.audit.dossier_ids()
    cutoff = ledger.latest.created_at - FORGERY_GRACE if ledger.latest else None
    total = uow.audit.count_events(only) if progress is not None else 0
    problems: list[IntegrityProblem] = []
    seen: set[str] = set()
    events = 0
    chain = only or "event table"
    documents = RecordedDocuments()
    try:
        grouped = itertools.groupby(uow.audit.stream_events(only), key=lambda r: r.chain)
        for chain, rows in grouped:
            seen.add(chain)
            code = dossier_code_of(chain)
            checker = ChainChecker(
                chain,
                dossier_id=dossier_ids.get(code) if code is not None else None,
                check_dossier_id=code is None or code in dossier_ids,
                anchor=ledger.anchors.get(chain),
            )
            for row in _counted(rows, events, total, progress):
                checker.feed(row)
                documents.note(row)  # issue 14: signed PDFs are checked after the pass
            events += checker.count
            head = heads.get(chain)
            problems += checker.finish(head)
            if head is None:
                problems.append(
                    IntegrityProblem(MODIFIED, chain, None, "the chain has no head record")
                )
            problems += _origin_problems(chain, code, checker, dossier_ids, ledger, cutoff)
    except (TypeError, ValueError) as exc:  # a row the application could not have written
        problems.append(
            IntegrityProblem(
                MODIFIED, chain, None, f"a row cannot be read ({exc}); verification stopped here"
            )
        )
    else:
        problems += _vanished(seen, heads, dossier_ids, ledger, only)
        problems += documents.problems(uow, dossier_ids, dossier, seen)
    if progress is not None:
        progress(events, total)
    problems = ledger.problems + problems
    return VerifyReport(
        ok=not problems,
        dossier=dossier,
        events=events,
        chains=len(seen),
        dossiers=len(dossier_ids),
        checkpoints=ledger.latest.seq if ledger.latest else 0,
        latest_checkpoint=checkpoint_summary(ledger.latest) if ledger.latest else None,
        problems=problems,
    )


def _counted(
    rows: Iterator[EventRow], before: int, total: int, progress: Progress | None
) -> Iterator[EventRow]:
    if progress is None:
        yield from rows
        return
    for done, row in enumerate(rows, start=before + 1):
        if done % PROGRESS_EVERY == 0:
            progress(done, total)
        yield row


def _origin_problems(
    chain: str,
    code: str | None,
    checker: ChainChecker,
    dossier_ids: dict[str, int],
    ledger: CheckpointLedger,
    cutoff: datetime | None,
) -> list[IntegrityProblem]:
    """Is this a chain the application could have written?"""
    if chain != SYSTEM_CHAIN and code is None:
        return [IntegrityProblem(CHAIN_FORGED, chain, None, "not a chain the application writes")]
    found = []
    if code is not None and code not in dossier_ids:
        found.append(
            IntegrityProblem(CHAIN_FORGED, chain, None, "events of a dossier that does not exist")
        )
    if (
        cutoff is not None
        and ledger.latest is not None
        and chain not in ledger.anchors
        and checker.first_time is not None
        and checker.first_time < cutoff
    ):
        found.append(
            IntegrityProblem(
                CHAIN_FORGED,
                chain,
                None,
                f"its events are dated before checkpoint #{ledger.latest.seq}, "
                "which does not list the chain",
            )
        )
    return found


def _vanished(
    seen: set[str],
    heads: Mapping[str, ChainHead],
    dossier_ids: dict[str, int],
    ledger: CheckpointLedger,
    only: str | None,
) -> list[IntegrityProblem]:
    found: list[IntegrityProblem] = []
    reported: set[str] = set()

    def missing(chain: str, detail: str) -> None:
        if chain not in reported:
            reported.add(chain)
            found.append(IntegrityProblem(CHAIN_MISSING, chain, None, detail))

    for chain, anchor in sorted(ledger.anchors.items()):
        if chain not in seen and (only is None or chain == only):
            missing(
                chain,
                f"checkpoint #{anchor.checkpoint_seq} certified {anchor.seq} events; "
                "none is in the database",
            )
    for chain, (head_seq, _) in sorted(heads.items()):
        if chain not in seen:
            missing(chain, f"the chain head records {head_seq} events; none is in the database")
    for code in sorted(dossier_ids):
        chain = dossier_chain(code)
        if chain not in seen:
            missing(chain, "the dossier exists but has no events")
    return found
