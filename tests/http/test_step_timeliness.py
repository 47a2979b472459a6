"""Timeliness per step (issue 17, docs/reports.md; the analyst heatmap's data): three dozen
dossiers driven through the API with a frozen clock, each stopping at a random step after
random delays; `GET /api/v1/reports/timeliness` equals a plain recount over the audit events
(task opened -> task completed), and refuses what it must."""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.settings import Settings
from tests.conftest import make_settings
from tests.http.test_issued_documents import move
from tests.support import (
    ACCEPT,
    APPRAISE,
    LEADER_APPROVE,
    OTHER_UNIT,
    PROCEDURE,
    RETURN,
    UNIT,
    HttpApi,
    at,
)

URL = "/api/v1/reports/timeliness"
VN = ZoneInfo("Asia/Ho_Chi_Minh")
#: The steps of the procedure in order: who acts and with what.
STEPS: list[tuple[str, dict[str, Any]]] = [
    ("reception", ACCEPT),
    ("specialist", APPRAISE),
    ("leader", LEADER_APPROVE),
    ("reception", RETURN),
]
DOSSIERS = 36


def timeliness(http: HttpApi, user: str = "analyst", expect: int = 200, **query: str) -> Any:
    params = {"procedure": PROCEDURE, "from": "2026-03-01", "to": "2026-03-31", **query}
    return http.call("GET", URL, user, expect=expect, query=params)


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """Logins as often as the frozen clock outruns the tokens (a few hundred in a second)."""
    return make_settings(tmp_path / "var", database_url, MOTCUA_RATELIMIT_LOGIN="100000/minute")


@pytest.fixture
def history(http: HttpApi, clock: FrozenClock) -> datetime:
    """Dossiers submitted over two weeks of March, each taking 0 to 4 steps with delays of 1 to
    60 hours, the acts of all of them in time order. Returns the final "now"."""
    rng = random.Random(16)
    acts: list[tuple[datetime, int, int]] = []  # (when, dossier, step: -1 = submit)
    for number in range(DOSSIERS):
        when = at(2, 8) + timedelta(hours=rng.randint(0, 14 * 24))
        acts.append((when, number, -1))
        for step in range(rng.randint(0, len(STEPS))):
            when += timedelta(hours=rng.randint(1, 60), minutes=rng.randint(0, 59))
            acts.append((when, number, step))
    codes: dict[int, str] = {}
    logged_in = at(1)
    for when, number, step in sorted(acts):
        clock.set(when)
        if when - logged_in > timedelta(minutes=20):  # tokens live 30 minutes
            http.forget_tokens()
            logged_in = when
        if step < 0:
            codes[number] = http.submit()["code"]
        else:
            user, data = STEPS[step]
            http.act(codes[number], user, data)
    final = max(when for when, _, _ in acts) + timedelta(hours=1)
    move(http, clock, final)
    return final


def local_day(moment: datetime) -> date:
    return moment.astimezone(VN).date()


def nearest_rank(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(share * len(ordered)) - 1]


def recount(
    ctx: EngineContext, start: date, end: date, now: datetime, unit: str | None = None
) -> dict[str, dict[str, Any]]:
    """Step -> figures, from the dossiers' events alone."""
    opened: dict[str, Any] = {}
    closed: dict[str, Any] = {}
    with ctx.uow(write=False) as uow:
        for event in uow.audit.stream_events():
            if event.type == "task_opened":
                opened[event.payload["task_id"]] = event
            elif event.type in ("task_completed", "task_cancelled"):
                closed[event.payload["task_id"]] = event
    steps: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"open_now": 0, "overdue_now": 0, "hours": [], "with_due": 0, "late": 0}
    )
    for task_id, event in opened.items():
        if unit is not None and event.payload["unit"] != unit:
            continue
        due = event.payload["due_at"]
        due_at = datetime.fromisoformat(due) if due else None
        figures = steps[event.bpmn_id]
        end_event = closed.get(task_id)
        if end_event is None:
            figures["open_now"] += 1
            figures["overdue_now"] += due_at is not None and due_at < now
            continue
        if end_event.type != "task_completed" or not start <= local_day(end_event.occurred_at):
            continue
        if local_day(end_event.occurred_at) > end:
            continue
        spent = (end_event.occurred_at - event.occurred_at).total_seconds() / 3600
        figures["hours"].append(spent)
        if due_at is not None:
            figures["with_due"] += 1
            figures["late"] += local_day(end_event.occurred_at) > local_day(due_at)
    return {
        bpmn_id: {
            "open_now": f["open_now"],
            "overdue_now": f["overdue_now"],
            "completed": len(f["hours"]),
            "median_hours": round(nearest_rank(f["hours"], 0.5), 2) if f["hours"] else None,
            "p90_hours": round(nearest_rank(f["hours"], 0.9), 2) if f["hours"] else None,
            "with_due": f["with_due"],
            "late": f["late"],
        }
        for bpmn_id, f in steps.items()
        if f["open_now"] or f["hours"]
    }


def as_reported(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    keys = ("open_now", "overdue_now", "completed", "median_hours", "p90_hours", "with_due")
    return {step["bpmn_id"]: {key: step[key] for key in (*keys, "late")} for step in body["steps"]}


@pytest.mark.parametrize(
    ("start", "end"), [(date(2026, 3, 1), date(2026, 3, 31)), (date(2026, 3, 9), date(2026, 3, 13))]
)
def test_figures_equal_a_recount_of_the_events(
    http: HttpApi, ctx: EngineContext, history: datetime, start: date, end: date
) -> None:
    body = timeliness(http, "analyst", 200, **{"from": start.isoformat(), "to": end.isoformat()})
    expected = recount(ctx, start, end, history)
    _close(as_reported(body), expected)
    assert sum(step["completed"] for step in body["steps"]) > 10
    assert sum(step["open_now"] for step in body["steps"]) > 5
    for step in body["steps"]:
        if step["with_due"]:
            assert step["late_share"] == round(step["late"] / step["with_due"], 4)


def _close(got: dict[str, dict[str, Any]], expected: dict[str, dict[str, Any]]) -> bool:
    """Equal, hours within 0.01 (the database rounds its julian-day arithmetic)."""
    assert got.keys() == expected.keys()
    for bpmn_id, figures in expected.items():
        for key, value in figures.items():
            if key.endswith("_hours") and value is not None:
                assert got[bpmn_id][key] == pytest.approx(value, abs=0.011), (bpmn_id, key)
            else:
                assert got[bpmn_id][key] == value, (bpmn_id, key)
    return True


def test_leaders_see_their_unit_and_reads_are_logged(
    http: HttpApi, ctx: EngineContext, history: datetime
) -> None:
    mine = timeliness(http, "leader")
    assert mine["unit"] == UNIT
    _close(as_reported(mine), recount(ctx, date(2026, 3, 1), date(2026, 3, 31), history, UNIT))
    other = timeliness(http, "leader_other")
    assert other["unit"] == OTHER_UNIT and other["steps"] == []
    timeliness(http, "leader_other", expect=403, unit=UNIT)
    with ctx.uow(write=False) as uow:
        reads = [
            e.payload
            for e in uow.audit.stream_events()
            if e.type == "report_read" and e.payload["report"] == "timeliness"
        ]
    assert [(r["unit"], r["procedure"]) for r in reads] == [
        (UNIT, PROCEDURE),
        (OTHER_UNIT, PROCEDURE),
    ]


@pytest.mark.parametrize("user", ["citizen", "specialist", "reception"])
def test_officers_and_citizens_are_refused(http: HttpApi, user: str) -> None:
    timeliness(http, user, expect=403)


def test_bad_input_is_a_clear_4xx(http: HttpApi) -> None:
    problem = timeliness(http, expect=404, procedure="khong_co")
    assert "khong_co" in problem["detail"]
    timeliness(http, "auditor", expect=404, unit="999.99.99.H99")
    reversed_period = timeliness(http, expect=422, **{"from": "2026-03-31", "to": "2026-03-01"})
    assert reversed_period["errors"][0]["field"] == "to"
    timeliness(http, expect=422, **{"from": "2016-03-01", "to": "2026-03-01"})  # over 10 years
    timeliness(http, expect=422, **{"from": "2026-02-30"})
    http.call("GET", URL, "analyst", expect=422, query={"from": "2026-03-01", "to": "2026-03-02"})
    empty = timeliness(http, "auditor")
    assert empty["steps"] == [] and empty["procedure"] == PROCEDURE
