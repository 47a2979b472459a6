"""The handling report's projection (`storage.report_projection`) kept incrementally: what the
fold of a dossier's next events needs of its stored rows, and the writes that move those rows
on (`engine.report_increments`). Repositories never commit; the unit of work does.

Every transaction of the dossier path writes through here (issue 20), so the statements are
built once (building one costs about as much as running it) and the changes are sent as one
executemany per statement: an UPDATE of the `report_dossier` row, an UPDATE closing the span
that was open, INSERTs of the new spans. Nothing is deleted and re-inserted."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import Table, bindparam, func, insert, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from storage.models import Dossier
from storage.report_projection import ReportDossier, ReportDue, ReportWait

_DOSSIER_TABLE = cast(Table, ReportDossier.__table__)
_WAIT_TABLE = cast(Table, ReportWait.__table__)
_DUE_TABLE = cast(Table, ReportDue.__table__)
_D, _W, _U = _DOSSIER_TABLE.c, _WAIT_TABLE.c, _DUE_TABLE.c


class StoredDossier(NamedTuple):
    """A dossier's `report_dossier` row, with how many wait and due spans it has (the next
    span's `seq`; the last of each is the one still open, if any)."""

    dossier_id: int
    code: str
    unit_code: str
    procedure_key: str
    channel: str
    submitted_at: datetime
    handled_at: datetime | None
    outcome: str | None
    timeliness: str | None
    returned_at: datetime | None
    current_wait: str | None
    current_due_at: datetime | None
    state_since: datetime
    waits: int
    dues: int


class DossierFacts(NamedTuple):
    """A dossier's facts fixed at submission, as the `report_dossier` row copies them."""

    code: str
    unit_code: str
    procedure_key: str
    channel: int


class SpanEnd(NamedTuple):
    """A stored span that the new events closed."""

    dossier_id: int
    seq: int
    to_at: datetime


class NewSpan(NamedTuple):
    """A span the new events began: a wait (`value`: supplement | fee) or a due (`value`: the
    statutory due date or None); `to_at` is set when later events of the same flush closed it."""

    dossier_id: int
    seq: int
    value: Any
    from_at: datetime
    to_at: datetime | None


class Changes(NamedTuple):
    """What one flush's events change in the projection."""

    #: Full `report_dossier` rows (column name -> value) of dossiers that had none.
    inserted: Sequence[dict[str, Any]]
    #: Full `report_dossier` rows of dossiers that had one (the fixed facts are not written).
    updated: Sequence[dict[str, Any]]
    ended_waits: Sequence[SpanEnd]
    new_waits: Sequence[NewSpan]
    ended_dues: Sequence[SpanEnd]
    new_dues: Sequence[NewSpan]


#: The columns the events move (the others are the dossier's fixed facts).
MOVING = (
    "submitted_at",
    "handled_at",
    "outcome",
    "timeliness",
    "returned_at",
    "current_wait",
    "current_due_at",
    "state_since",
)

_WAIT_COUNT = (
    select(func.count()).where(_W.dossier_id == _D.dossier_id).scalar_subquery().label("waits")
)
_DUE_COUNT = (
    select(func.count()).where(_U.dossier_id == _D.dossier_id).scalar_subquery().label("dues")
)
# One round trip for every dossier of the flush: its row and the count of its spans (both by
# the primary keys' leading column).
_STORED = select(*_DOSSIER_TABLE.columns, _WAIT_COUNT, _DUE_COUNT).where(
    _D.dossier_id.in_(bindparam("ids", expanding=True))
)
_DUES = select(_U.from_at, _U.due_at).where(_U.dossier_id == bindparam("id")).order_by(_U.seq)
_FACTS = select(Dossier.id, Dossier.code, Dossier.unit_code, Dossier.procedure_key, Dossier.channel)
# (bind names differ from the column names: an UPDATE's SET may not reuse them)
_UPDATE_DOSSIER = (
    update(_DOSSIER_TABLE)
    .where(_D.dossier_id == bindparam("b_id"))
    .values({name: bindparam(f"b_{name}") for name in MOVING})
)
_END_WAIT = (
    update(_WAIT_TABLE)
    .where(_W.dossier_id == bindparam("b_id"), _W.seq == bindparam("b_seq"))
    .values(to_at=bindparam("b_to"))
)
_END_DUE = (
    update(_DUE_TABLE)
    .where(_U.dossier_id == bindparam("b_id"), _U.seq == bindparam("b_seq"))
    .values(to_at=bindparam("b_to"))
)
_INSERT_DOSSIER = insert(_DOSSIER_TABLE)
_INSERT_WAIT = insert(_WAIT_TABLE)
_INSERT_DUE = insert(_DUE_TABLE)


class ReportIncrements:
    def __init__(self, session: Session) -> None:
        self.session = session

    def stored(self, dossier_ids: Sequence[int]) -> dict[int, StoredDossier]:
        """The projected dossiers among these, by id (the others have no row)."""
        rows = self.session.execute(_STORED, {"ids": list(dossier_ids)})
        return {int(row[0]): StoredDossier._make(row) for row in rows}

    def dues(self, dossier_id: int) -> list[tuple[datetime, datetime | None]]:
        """The stored due spans of a dossier, in order: (from_at, due date)."""
        return [(r[0], r[1]) for r in self.session.execute(_DUES, {"id": dossier_id})]

    def facts(self, dossier_ids: Sequence[int]) -> dict[int, DossierFacts]:
        """The fixed facts of dossiers that have no row yet: from the rows the session holds
        (the submission added them), else read."""
        found: dict[int, DossierFacts] = {}
        missing = []
        for dossier_id in dossier_ids:
            # (only the identity map: `Session.get` would read the whole row, workflow and all)
            held = self.session.identity_map.get(identity_key(Dossier, dossier_id))
            if not isinstance(held, Dossier):
                missing.append(dossier_id)
            else:
                found[dossier_id] = DossierFacts(
                    held.code, held.unit_code, held.procedure_key, held.channel
                )
        if missing:
            for row in self.session.execute(_FACTS.where(Dossier.id.in_(missing))):
                found[int(row[0])] = DossierFacts(str(row[1]), str(row[2]), str(row[3]), row[4])
        return found

    def write(self, changes: Changes) -> None:
        if changes.inserted:
            self.session.execute(_INSERT_DOSSIER, list(changes.inserted))
        if changes.updated:
            updated = [
                {"b_id": row["dossier_id"]} | {f"b_{name}": row[name] for name in MOVING}
                for row in changes.updated
            ]
            self.session.execute(_UPDATE_DOSSIER, updated)
        for statement, ended in ((_END_WAIT, changes.ended_waits), (_END_DUE, changes.ended_dues)):
            if ended:
                self.session.execute(
                    statement,
                    [{"b_id": e.dossier_id, "b_seq": e.seq, "b_to": e.to_at} for e in ended],
                )
        if changes.new_waits:
            waits = [
                {"dossier_id": s.dossier_id, "seq": s.seq, "kind": s.value}
                | {"from_at": s.from_at, "to_at": s.to_at}
                for s in changes.new_waits
            ]
            self.session.execute(_INSERT_WAIT, waits)
        if changes.new_dues:
            dues = [
                {"dossier_id": s.dossier_id, "seq": s.seq, "due_at": s.value}
                | {"from_at": s.from_at, "to_at": s.to_at}
                for s in changes.new_dues
            ]
            self.session.execute(_INSERT_DUE, dues)
