"""The audit event chains: append-only events and each chain's head. Repositories never commit;
the unit of work does."""

from __future__ import annotations

import functools
from collections.abc import Collection, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session

from storage.audit_models import Chain, Event
from storage.db import dialect_of, insert_for

GENESIS_HASH = "0" * 64
_EVENT_TABLE = cast(Table, Event.__table__)
_EVENT_COLUMNS = tuple(c.key for c in _EVENT_TABLE.columns if c.key != "id")
_CHAIN_TABLE = cast(Table, Chain.__table__)
# The statements every task action runs are built once: building one costs more than running it.
_WRITE_HEAD = (
    update(_CHAIN_TABLE)
    .where(_CHAIN_TABLE.c.name == bindparam("chain_name"))
    .values(head_seq=bindparam("new_seq"), head_hash=bindparam("new_hash"))
)


@functools.cache
def _advance_statement(dialect: str) -> Any:
    stmt = insert_for(dialect)(Chain).values(
        name=bindparam("chain_name"), head_seq=1, head_hash=GENESIS_HASH
    )
    return stmt.on_conflict_do_update(
        index_elements=[Chain.name], set_={"head_seq": Chain.head_seq + 1}
    ).returning(Chain.head_seq, Chain.head_hash)


class Events:
    def __init__(self, session: Session) -> None:
        self.session = session
        #: Heads of the chains this transaction holds (locked): name -> (seq, hash).
        self._held: dict[str, tuple[int, str]] = {}
        self._unwritten: set[str] = set()
        self._pending: list[Event] = []

    def advance_chain(self, name: str) -> tuple[int, str]:
        """Reserve the next sequence number of a chain; returns (seq, prev_hash).

        The first reservation in a transaction upserts the chain row, which locks it until
        commit, so appends to one chain are serialized; later ones continue in memory.
        """
        held = self._held.get(name)
        if held is not None:
            return held[0] + 1, held[1]
        stmt = _advance_statement(dialect_of(self.session))
        seq, prev_hash = self.session.execute(stmt, {"chain_name": name}).one()
        return int(seq), str(prev_hash)

    def head(self, name: str) -> Chain | None:
        return self.session.get(Chain, name)

    def append(self, event: Event) -> None:
        """Add the event; it and its chain's new head are stored by `write_heads`."""
        self._pending.append(event)
        self._held[event.chain] = (event.seq, event.hash)
        self._unwritten.add(event.chain)

    def write_heads(self) -> list[Event]:
        """Store the events and heads added since the last call (the unit of work does, after
        flushing the rows they refer to and before commit); returns the events stored, in
        order, for the projections kept with them (they fold them without reading them back)."""
        written = list(self._pending)
        if self._pending:
            # One multi-row INSERT on either database: through the ORM's unit of work, SQLite
            # got one statement per event (it fetches each new key back).
            rows = [{c: getattr(e, c) for c in _EVENT_COLUMNS} for e in self._pending]
            self.session.execute(insert(_EVENT_TABLE), rows)
            self._pending.clear()
        heads = [
            {"chain_name": name, "new_seq": self._held[name][0], "new_hash": self._held[name][1]}
            for name in sorted(self._unwritten)
        ]
        if heads:
            self.session.execute(_WRITE_HEAD, heads)
        self._unwritten.clear()
        return written

    def for_chain(self, name: str, offset: int = 0, limit: int | None = None) -> Sequence[Event]:
        stmt = select(Event).where(Event.chain == name).order_by(Event.seq).offset(offset)
        if limit is not None:
            stmt = stmt.limit(limit)
        return self.session.scalars(stmt).all()

    def last_seq_except(self, name: str, types: Collection[str]) -> int:
        """The seq of the chain's last event of a type not in `types` (0 if none)."""
        stmt = select(func.max(Event.seq)).where(Event.chain == name, Event.type.not_in(types))
        return self.session.scalar(stmt) or 0

    def count_for_chain(self, name: str) -> int:
        return self.session.scalar(select(func.count()).where(Event.chain == name)) or 0
