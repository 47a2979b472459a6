"""The handling report equals an independent recomputation: a plain loop over every event of
the audit log (no SQL filter, no projection column) on a random history of 2,000 dossiers, for
several periods, as-of days and scopes (issue 17, R-6.1)."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.queries.handling_report import HandlingQuery, handling_dossiers, handling_report
from engine.queries.report_figures import FIGURES
from engine.services.reports import ensure_report_projection
from tests.conftest import ADMIN
from tests.report_history import random_history
from tests.support import OTHER_UNIT, UNIT

VN = ZoneInfo("Asia/Ho_Chi_Minh")
CHANNELS = {1: "direct", 2: "online", 3: "postal"}


def midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, VN).astimezone(UTC)


def recompute(
    ctx: EngineContext, start: date, end: date, as_of: date, unit: str | None
) -> dict[str, set[str]]:
    """Figure -> the codes counting in it, from the events alone."""
    cutoff = midnight(as_of + timedelta(days=1))
    first, close = midnight(start), midnight(min(end, as_of) + timedelta(days=1))
    history: dict[str, list[Any]] = defaultdict(list)
    with ctx.uow(write=False) as uow:
        for event in uow.audit.stream_events():
            if event.chain.startswith("dossier:") and event.occurred_at < cutoff:
                history[event.chain.removeprefix("dossier:")].append(event)
    figures: dict[str, set[str]] = defaultdict(set)
    for code, events in history.items():
        submitted = next(e for e in events if e.type == "dossier_submitted")
        if unit is not None and submitted.payload["unit"] != unit:
            continue
        if submitted.occurred_at >= close:
            continue
        statuses = [(e.occurred_at, e.payload["to"]) for e in events if e.type == "status_changed"]
        dues = [
            (e.occurred_at, e.payload.get("due_at") or e.payload.get("original_due_at"))
            for e in events
            if e.type in ("deadline_set", "deadline_recomputed")
        ]

        def status_at(moment: datetime, statuses: list[Any] = statuses) -> int:
            return int(([1] + [to for at, to in statuses if at < moment])[-1])

        def due_at(moment: datetime, dues: list[Any] = dues) -> datetime | None:
            known = [due for at, due in dues if at < moment]
            return datetime.fromisoformat(known[-1]) if known else None

        mine: list[str] = []
        if any(to == 10 and first <= at < close for at, to in statuses):
            mine.append("returned")
        if submitted.occurred_at < first:
            if status_at(first) in (3, 7, 8, 9, 10):
                for name in mine:
                    figures[name].add(code)
                continue
            mine += ["to_handle", "carried_over"]
        else:
            channel = submitted.payload["channel"]  # a name; the history writes its code
            channel = CHANNELS.get(channel, channel)
            mine += ["to_handle", "received", f"received_{channel}"]
        ends = [(at, to) for at, to in statuses if first <= at < close and to in (3, 7, 8, 9, 10)]
        if ends:
            at, to = ends[0]
            if to in (9, 10):
                due = due_at(at)
                done, limit = at.astimezone(VN).date(), due.astimezone(VN).date() if due else None
                kind = (
                    "on_time"
                    if limit is None or done == limit
                    else ("early" if done < limit else "late")
                )
                mine += ["resolved", f"resolved_{kind}"]
            else:
                mine.append({3: "refused", 7: "withdrawn", 8: "stopped"}[to])
        else:
            now = status_at(close)
            due = due_at(close)
            if now == 5:
                mine += ["pending", "waiting_supplement"]
            elif now == 6:
                mine += ["pending", "waiting_fee"]
            elif due is not None and due < close:
                mine += ["pending", "pending_overdue"]
            else:
                mine += ["pending", "pending_within_time"]
        for name in mine:
            figures[name].add(code)
    return figures


@pytest.fixture
def history(ctx: EngineContext, clock: FrozenClock) -> EngineContext:
    for _ in random_history(ctx.db.engine, 2000, seed=17, units=(UNIT, OTHER_UNIT)):
        pass
    # written straight into the tables, as a database from before the projection: fold it
    assert ensure_report_projection(ctx) == 2000
    clock.set(datetime(2026, 4, 15, 9, 0, tzinfo=VN))
    return ctx


@pytest.mark.parametrize(
    ("start", "end", "as_of", "unit"),
    [
        (date(2026, 2, 1), date(2026, 2, 28), date(2026, 2, 28), None),
        (date(2026, 2, 1), date(2026, 2, 28), date(2026, 2, 14), UNIT),
        (date(2026, 1, 1), date(2026, 3, 31), date(2026, 4, 15), OTHER_UNIT),
        (date(2026, 3, 1), date(2026, 3, 31), date(2026, 4, 10), None),
    ],
)
def test_the_report_equals_a_plain_loop_over_the_event_log(
    history: EngineContext, start: date, end: date, as_of: date, unit: str | None
) -> None:
    expected = recompute(history, start, end, as_of, unit)
    query = HandlingQuery(start=start, end=end, as_of=as_of, unit=unit)
    report = handling_report(history, ADMIN, query)
    assert report.total == {name: len(expected.get(name, ())) for name in FIGURES}
    assert report.total["to_handle"] > 100 and report.total["pending_overdue"] > 0
    t = report.total
    assert (
        t["to_handle"]
        == t["resolved"] + t["refused"] + t["withdrawn"] + t["stopped"] + t["pending"]
    )
    rows: Counter[str] = Counter()
    for row in report.rows:
        rows.update(row.figures)
    assert dict(rows) == report.total
    for figure in ("carried_over", "resolved_late", "waiting_fee", "returned"):
        drilled = handling_dossiers(history, ADMIN, query, figure)
        assert {d.code for d in drilled} == expected.get(figure, set()), figure
