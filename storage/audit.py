"""Audit reads and checkpoint storage: every event streamed in chain order, chain heads, and the
signed checkpoints. Like the other repositories these never commit."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sqlalchemy import Connection, Select, String, Text, func, or_, select, type_coerce
from sqlalchemy.orm import Session

from storage.audit_models import Chain, Checkpoint, CheckpointHead, Event
from storage.db import dialect_insert
from storage.models import Dossier

STREAM_BATCH = 5000


class EventRow(NamedTuple):
    """One event as stored, without the ORM (cheap enough to stream millions)."""

    id: int
    chain: str
    seq: int
    dossier_id: int | None
    occurred_at: datetime
    type: str
    actor_user_id: int | None
    actor_username: str
    actor_role: str
    actor_unit: str | None
    bpmn_id: str | None
    payload: dict[str, Any]
    prev_hash: str
    hash: str


class ChainHead(NamedTuple):
    seq: int
    hash: str


class ChangedHead(NamedTuple):
    """A chain whose head moved since the checkpoint that last certified it (if any)."""

    chain: str
    head: ChainHead
    certified: ChainHead | None


#: The time and payload are read raw and decoded here, so that a row someone wrote outside the
#: application (a time that is not a time, a payload that is not JSON) still reads, and fails
#: its hash check, instead of stopping the whole verification.
EVENT_COLUMNS = (
    Event.id,
    Event.chain,
    Event.seq,
    Event.dossier_id,
    type_coerce(Event.occurred_at, String).label("occurred_at"),
    Event.type,
    Event.actor_user_id,
    Event.actor_username,
    Event.actor_role,
    Event.actor_unit,
    Event.bpmn_id,
    type_coerce(Event.payload, Text).label("payload"),
    Event.prev_hash,
    Event.hash,
)
UNREADABLE_TIME = datetime.min.replace(tzinfo=UTC)


def event_row(values: Sequence[Any]) -> EventRow:
    row = EventRow._make(values)
    return row._replace(occurred_at=_moment(row.occurred_at), payload=_document(row.payload))


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):  # PostgreSQL hands back aware datetimes
        return value.astimezone(UTC)
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return UNREADABLE_TIME
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _document(value: Any) -> dict[str, Any]:
    if isinstance(value, str):  # SQLite keeps JSON as text; psycopg decodes JSONB itself
        try:
            value = json.loads(value)
        except ValueError:
            return {"unreadable": value}
    return value if isinstance(value, dict) else {"unreadable": value}


class AuditLog:
    def __init__(self, session: Session) -> None:
        self.session = session

    def count_events(self, chain: str | None = None) -> int:
        stmt = select(func.count()).select_from(Event)
        if chain is not None:
            stmt = stmt.where(Event.chain == chain)
        return self.session.scalar(stmt) or 0

    def stream_events(self, chain: str | None = None) -> Iterator[EventRow]:
        """Every event (or one chain's), ordered by chain then sequence number, in batches."""
        stmt = select(*EVENT_COLUMNS).order_by(Event.chain, Event.seq)
        if chain is not None:
            stmt = stmt.where(Event.chain == chain)
        yield from self._stream(stmt)

    def _stream(self, stmt: Select[*tuple[Any, ...]]) -> Iterator[EventRow]:
        # Core rows through the session's connection: no ORM bookkeeping per row. A server-side
        # cursor needs a transaction; short reads in autocommit fetch in client-side batches.
        connection = self.session.connection()
        if _in_transaction(connection):
            stmt = stmt.execution_options(stream_results=True, yield_per=STREAM_BATCH)
        for batch in connection.execute(stmt).partitions(STREAM_BATCH):
            yield from map(event_row, batch)

    def events_after(self, chain: str, seq: int) -> Iterator[EventRow]:
        """One chain's events after number `seq`, in order."""
        stmt = (
            select(*EVENT_COLUMNS)
            .where(Event.chain == chain, Event.seq > seq)
            .order_by(Event.chain, Event.seq)
        )
        yield from self._stream(stmt)

    def chain_page(self, chain: str, offset: int, limit: int) -> list[EventRow]:
        stmt = (
            select(*EVENT_COLUMNS)
            .where(Event.chain == chain)
            .order_by(Event.seq)
            .offset(offset)
            .limit(limit)
        )
        return [event_row(row) for row in self.session.execute(stmt)]

    def event_before(self, chain: str, seq: int) -> EventRow | None:
        """The stored event just before `seq` in a chain (to check the first link of a page)."""
        stmt = (
            select(*EVENT_COLUMNS)
            .where(Event.chain == chain, Event.seq < seq)
            .order_by(Event.seq.desc())
            .limit(1)
        )
        row = self.session.execute(stmt).first()
        return event_row(row) if row is not None else None

    def chain_page_filtered(
        self,
        chain: str,
        *,
        types: Iterable[str] | None,
        actor_prefix: str | None,
        since: datetime | None,
        before: datetime | None,
        offset: int,
        limit: int,
    ) -> tuple[list[EventRow], int]:
        """One chain's events matching the filters, newest first, with their count (the
        auditors' browser of the system chain)."""
        stmt = select(*EVENT_COLUMNS).where(Event.chain == chain)
        if types is not None:
            stmt = stmt.where(Event.type.in_(list(types)))
        if actor_prefix:
            stmt = stmt.where(Event.actor_username.startswith(actor_prefix, autoescape=True))
        if since is not None:
            stmt = stmt.where(Event.occurred_at >= since)
        if before is not None:
            stmt = stmt.where(Event.occurred_at < before)
        total = self.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        rows = self.session.execute(stmt.order_by(Event.seq.desc()).offset(offset).limit(limit))
        return [event_row(row) for row in rows], total

    def chain_heads(self) -> dict[str, ChainHead]:
        rows = self.session.execute(select(Chain.name, Chain.head_seq, Chain.head_hash))
        return {name: ChainHead(seq, hash_) for name, seq, hash_ in rows}

    def dossier_events(self, dossier_id: int, event_type: str) -> list[EventRow]:
        """The dossier's events of one type, in order."""
        stmt = (
            select(*EVENT_COLUMNS)
            .where(Event.dossier_id == dossier_id, Event.type == event_type)
            .order_by(Event.seq)
        )
        return [event_row(row) for row in self.session.execute(stmt)]

    def chain_head(self, chain: str) -> ChainHead | None:
        row = self.session.execute(
            select(Chain.head_seq, Chain.head_hash).where(Chain.name == chain)
        ).first()
        return ChainHead(*row) if row is not None else None

    def dossier_id(self, code: str) -> int | None:
        return self.session.scalar(select(Dossier.id).where(Dossier.code == code))

    def dossier_ids(self) -> dict[str, int]:
        """Dossier code -> id, for every dossier."""
        return {
            str(code): int(id_)
            for code, id_ in self.session.execute(select(Dossier.code, Dossier.id))
        }

    def changed_heads(self) -> list[ChangedHead]:
        stmt = (
            select(
                Chain.name, Chain.head_seq, Chain.head_hash, CheckpointHead.seq, CheckpointHead.hash
            )
            .outerjoin(CheckpointHead, CheckpointHead.chain == Chain.name)
            .where(
                or_(
                    CheckpointHead.chain.is_(None),
                    CheckpointHead.seq != Chain.head_seq,
                    CheckpointHead.hash != Chain.head_hash,
                )
            )
            .order_by(Chain.name)
        )
        return [
            ChangedHead(
                name,
                ChainHead(seq, hash_),
                ChainHead(old_seq, old_hash) if old_seq is not None else None,
            )
            for name, seq, hash_, old_seq, old_hash in self.session.execute(stmt)
        ]

    def events_since_certified(self) -> Iterator[EventRow]:
        """Events of every chain after the head its last checkpoint certified, in chain order."""
        stmt = (
            select(*EVENT_COLUMNS)
            .outerjoin(CheckpointHead, CheckpointHead.chain == Event.chain)
            .where(or_(CheckpointHead.chain.is_(None), Event.seq > CheckpointHead.seq))
            .order_by(Event.chain, Event.seq)
        )
        yield from self._stream(stmt)


class Checkpoints:
    def __init__(self, session: Session) -> None:
        self.session = session

    def latest(self) -> Checkpoint | None:
        stmt = select(Checkpoint).order_by(Checkpoint.seq.desc()).limit(1)
        return self.session.scalars(stmt).first()

    def get(self, seq: int) -> Checkpoint | None:
        return self.session.get(Checkpoint, seq)

    def count(self) -> int:
        return self.session.scalar(select(func.count()).select_from(Checkpoint)) or 0

    def all(self) -> Iterator[Checkpoint]:
        stmt = select(Checkpoint).order_by(Checkpoint.seq)
        if _in_transaction(self.session.connection()):
            stmt = stmt.execution_options(yield_per=50)
        yield from self.session.scalars(stmt)

    def page(self, offset: int, limit: int) -> Sequence[Checkpoint]:
        stmt = select(Checkpoint).order_by(Checkpoint.seq.desc()).offset(offset).limit(limit)
        return self.session.scalars(stmt).all()

    def add(self, checkpoint: Checkpoint) -> None:
        self.session.add(checkpoint)
        self.session.flush()

    def certify(self, entries: Iterable[tuple[str, int, str]], checkpoint_seq: int) -> None:
        """Remember what `checkpoint_seq` certified, so the next checkpoint signs only changes."""
        rows = [
            {"chain": chain, "seq": seq, "hash": hash_, "checkpoint_seq": checkpoint_seq}
            for chain, seq, hash_ in entries
        ]
        if not rows:
            return
        stmt = dialect_insert(self.session, CheckpointHead)
        stmt = stmt.on_conflict_do_update(
            index_elements=[CheckpointHead.chain],
            set_={
                "seq": stmt.excluded.seq,
                "hash": stmt.excluded.hash,
                "checkpoint_seq": stmt.excluded.checkpoint_seq,
            },
        )
        self.session.execute(stmt, rows)

    def certifying(self, chain: str) -> int | None:
        """The checkpoint that last certified `chain`, if any."""
        return self.session.scalar(
            select(CheckpointHead.checkpoint_seq).where(CheckpointHead.chain == chain)
        )


def _in_transaction(connection: Connection) -> bool:
    """Server-side cursors (`yield_per`) need a transaction; autocommit reads fetch normally."""
    return connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT"
