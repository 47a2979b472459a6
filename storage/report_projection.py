"""The handling report's projection (docs/reports.md, R-6.1): per dossier, the moments that
decide its figures, folded from its events by `engine.queries.report_projection` in the
transaction that records them. "As of day D" is then a comparison of these stored moments with
the period's bounds in SQL aggregates, never a fold in Python at read time.

- `report_dossier`: one row per submitted dossier: its fixed facts, when it was submitted, when
  it first ended its handling (`handled_at`) and how (`outcome`: refused, withdrawn, stopped,
  resolved; `timeliness` of a resolution), when its result was first returned.
- `report_wait`: the spans of waiting for the applicant (`kind` supplement or fee), from the
  status change that began one to the next status change (open: still waiting).
- `report_due`: the spans in which a statutory due date was in force, from the event that set
  it to the next one (open: still in force).

A span [from_at, to_at] holds "before" a moment M when from_at < M <= to_at (or to_at is
null): exactly the state that the events strictly before M leave."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Index,
    Integer,
    SmallInteger,
    String,
    and_,
    case,
    delete,
    exists,
    func,
    insert,
    literal,
    or_,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from storage.models import Base, Dossier
from storage.reports import ReportEvent, ReportEvents, ReportScope
from storage.types import UTCDateTime

BATCH = 5000


class ReportDossier(Base):
    __tablename__ = "report_dossier"
    __table_args__ = (
        Index("ix_report_dossier_unit_submitted", "unit_code", "submitted_at"),
        Index("ix_report_dossier_procedure", "procedure_key"),
    )

    dossier_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    code: Mapped[str] = mapped_column(String(60))
    unit_code: Mapped[str] = mapped_column(String(40))
    procedure_key: Mapped[str] = mapped_column(String(100))
    channel: Mapped[str] = mapped_column(String(10))  # online | direct | postal
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(10), nullable=True)
    timeliness: Mapped[str | None] = mapped_column(String(10), nullable=True)
    returned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ReportWait(Base):
    __tablename__ = "report_wait"

    dossier_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(10))  # supplement | fee
    from_at: Mapped[datetime] = mapped_column(UTCDateTime)
    to_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ReportDue(Base):
    __tablename__ = "report_due"

    dossier_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(SmallInteger, primary_key=True, autoincrement=False)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    from_at: Mapped[datetime] = mapped_column(UTCDateTime)
    to_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Span(NamedTuple):
    #: supplement | fee for a wait; the due date (or None) for a due span.
    value: Any
    from_at: datetime
    to_at: datetime | None


class ProjectedDossier(NamedTuple):
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
    waits: list[Span]
    dues: list[Span]


class FigureRow(NamedTuple):
    unit: str
    procedure: str
    figures: dict[str, int]


class Bounds(NamedTuple):
    """The period's first instant and its (exclusive) end as far as the as-of day sees it."""

    first: datetime
    close: datetime


_D = ReportDossier.__table__.c
_W = ReportWait.__table__.c
_U = ReportDue.__table__.c
_DOSSIER_COLUMNS = tuple(column.name for column in _D)


def _holds(table: Any, close: Any) -> ColumnElement[bool]:
    """The span holds before `close`: from_at < close <= to_at (or open)."""
    return and_(
        table.dossier_id == _D.dossier_id,
        table.from_at < close,
        or_(table.to_at.is_(None), table.to_at >= close),
    )


def figure_conditions(b: Bounds) -> dict[str, ColumnElement[bool]]:
    """Each figure as a condition on a `report_dossier` row (docs/reports.md's table)."""
    first, close = literal(b.first, UTCDateTime()), literal(b.close, UTCDateTime())
    active = or_(_D.submitted_at >= first, _D.handled_at.is_(None), _D.handled_at >= first)
    received = _D.submitted_at >= first
    ended = and_(active, _D.handled_at < close)
    resolved = and_(ended, _D.outcome == "resolved")
    pending = and_(active, or_(_D.handled_at.is_(None), _D.handled_at >= close))
    waiting = exists().where(_holds(_W, close))
    overdue = exists().where(_holds(_U, close), _U.due_at < close)
    conditions: dict[str, ColumnElement[bool]] = {
        "to_handle": active,
        "carried_over": and_(active, _D.submitted_at < first),
        "received": received,
        "resolved": resolved,
        "pending": pending,
        "pending_within_time": and_(pending, ~waiting, ~overdue),
        "pending_overdue": and_(pending, ~waiting, overdue),
        "waiting_supplement": and_(
            pending, exists().where(_holds(_W, close), _W.kind == "supplement")
        ),
        "waiting_fee": and_(pending, exists().where(_holds(_W, close), _W.kind == "fee")),
        "returned": and_(_D.returned_at >= first, _D.returned_at < close),
    }
    for channel in ("online", "direct", "postal"):
        conditions[f"received_{channel}"] = and_(received, _D.channel == channel)
    for kind in ("early", "on_time", "late"):
        conditions[f"resolved_{kind}"] = and_(resolved, _D.timeliness == kind)
    for outcome in ("refused", "withdrawn", "stopped"):
        conditions[outcome] = and_(ended, _D.outcome == outcome)
    return conditions


#: Figures the first aggregate counts; the pending split is the second's.
_DIRECT = (
    "to_handle",
    "carried_over",
    "received",
    "received_online",
    "received_direct",
    "received_postal",
    "resolved",
    "resolved_early",
    "resolved_on_time",
    "resolved_late",
    "refused",
    "withdrawn",
    "stopped",
    "pending",
    "returned",
)


class ReportProjection:
    def __init__(self, session: Session) -> None:
        self.session = session

    # -- writing ------------------------------------------------------------------------------
    def events_of(self, dossier_ids: Iterable[int], types: Sequence[str]) -> Iterator[ReportEvent]:
        """The report events of these dossiers (all of them, in dossier then event order)."""
        return ReportEvents(self.session).stream_dossiers(sorted(dossier_ids), types)

    def replace(self, dossier_ids: Sequence[int], projected: Sequence[ProjectedDossier]) -> None:
        for table in (ReportDossier, ReportWait, ReportDue):
            for start in range(0, len(dossier_ids), BATCH):
                ids = list(dossier_ids[start : start + BATCH])
                self.session.execute(delete(table).where(table.dossier_id.in_(ids)))
        self.add(projected)

    def clear(self) -> None:
        for table in (ReportDossier, ReportWait, ReportDue):
            self.session.execute(delete(table))

    def add(self, projected: Sequence[ProjectedDossier]) -> None:
        if not projected:
            return
        dossiers = [{name: getattr(p, name) for name in _DOSSIER_COLUMNS} for p in projected]
        waits = [
            {"dossier_id": p.dossier_id, "seq": n, "kind": s.value, "from_at": s.from_at}
            | {"to_at": s.to_at}
            for p in projected
            for n, s in enumerate(p.waits)
        ]
        dues = [
            {"dossier_id": p.dossier_id, "seq": n, "due_at": s.value, "from_at": s.from_at}
            | {"to_at": s.to_at}
            for p in projected
            for n, s in enumerate(p.dues)
        ]
        self.session.execute(insert(ReportDossier), dossiers)
        if waits:
            self.session.execute(insert(ReportWait), waits)
        if dues:
            self.session.execute(insert(ReportDue), dues)

    def dossier_ids(self) -> list[int]:
        """Every dossier's id, in order (a rebuild walks them in batches)."""
        return [int(i) for i in self.session.scalars(select(Dossier.id).order_by(Dossier.id))]

    def count(self) -> int:
        return int(
            self.session.execute(select(func.count()).select_from(ReportDossier)).scalar_one()
        )

    def unprojected(self) -> int:
        """Dossiers with no row (a database written before the projection existed)."""
        stmt = select(func.count()).where(~exists().where(ReportDossier.dossier_id == Dossier.id))
        return int(self.session.execute(stmt).scalar_one())

    # -- reading ------------------------------------------------------------------------------
    def figures(self, scope: ReportScope, bounds: Bounds) -> list[FigureRow]:
        """Every figure per unit and procedure (rows with any dossier), in code order."""
        conditions = figure_conditions(bounds)
        counted = [func.sum(case((conditions[name], 1), else_=0)) for name in _DIRECT]
        stmt = (
            select(_D.unit_code, _D.procedure_key, *counted)
            .where(*self._where(scope, bounds))
            .group_by(_D.unit_code, _D.procedure_key)
        )
        rows: dict[tuple[str, str], dict[str, int]] = {}
        for row in self.session.execute(stmt):
            figures = dict.fromkeys(conditions, 0)
            figures.update({name: int(row[2 + n] or 0) for n, name in enumerate(_DIRECT)})
            rows[(str(row[0]), str(row[1]))] = figures
        self._split_pending(scope, bounds, rows)
        return [
            FigureRow(unit, procedure, figures)
            for (unit, procedure), figures in sorted(rows.items())
            if any(figures.values())
        ]

    def _split_pending(
        self, scope: ReportScope, bounds: Bounds, rows: dict[tuple[str, str], dict[str, int]]
    ) -> None:
        """The pending dossiers by what they wait for (nothing, supplement, fee) and whether
        their due date had passed: one probe of each span table per pending dossier."""
        close = literal(bounds.close, UTCDateTime())
        wait_kind = select(_W.kind).where(_holds(_W, close)).limit(1).scalar_subquery()
        overdue = case((exists().where(_holds(_U, close), _U.due_at < close), 1), else_=0)
        pending = figure_conditions(bounds)["pending"]
        stmt = (
            select(_D.unit_code, _D.procedure_key, wait_kind, overdue, func.count())
            .where(*self._where(scope, bounds), pending)
            .group_by(_D.unit_code, _D.procedure_key, wait_kind, overdue)
        )
        for unit, procedure, kind, late, count in self.session.execute(stmt):
            figures = rows[(str(unit), str(procedure))]
            if kind is not None:
                figures[f"waiting_{kind}"] += int(count)
            elif late:
                figures["pending_overdue"] += int(count)
            else:
                figures["pending_within_time"] += int(count)

    def codes(self, scope: ReportScope, bounds: Bounds, figure: str) -> list[tuple[str, str, str]]:
        """(code, unit, procedure) of the dossiers counting in `figure`, in code order."""
        stmt = (
            select(_D.code, _D.unit_code, _D.procedure_key)
            .where(*self._where(scope, bounds), figure_conditions(bounds)[figure])
            .order_by(_D.code)
        )
        return [(str(r[0]), str(r[1]), str(r[2])) for r in self.session.execute(stmt)]

    @staticmethod
    def _where(scope: ReportScope, bounds: Bounds) -> list[ColumnElement[bool]]:
        """The rows that may count in the period: submitted before its end, and not ended
        before it, unless returned in it."""
        first, close = literal(bounds.first, UTCDateTime()), literal(bounds.close, UTCDateTime())
        where: list[ColumnElement[bool]] = [
            _D.submitted_at < close,
            or_(
                _D.handled_at.is_(None),
                _D.handled_at >= first,
                and_(_D.returned_at >= first, _D.returned_at < close),
            ),
        ]
        if scope.units is not None:
            where.append(_D.unit_code.in_(list(scope.units)))
        if scope.procedure is not None:
            where.append(_D.procedure_key == scope.procedure)
        if scope.channel is not None:
            where.append(_D.channel == scope.channel)
        return where
