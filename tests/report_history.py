"""A random history of dossiers written straight into the tables (dossier rows and their events,
as the engine writes them), for the handling report's recomputation test and its bench: every
path a dossier takes (refused, resolved early/on time/late and returned or not, a supplement or
a fee awaited and resumed, withdrawn, stopped, still open), over January to March 2026.

The events' hashes are not a chain: the report never reads them."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Engine, func, insert, select

from storage.audit_models import Event
from storage.models import Definition, Dossier

START = datetime(2026, 1, 1, 1, 0, tzinfo=UTC)
SPAN_DAYS = 90
FINAL = {3, 7, 8, 10}


@dataclass
class _Dossier:
    code: str
    unit: str
    procedure: str
    definition_id: int
    channel: int
    submitted_at: datetime
    events: list[tuple[datetime, str, dict[str, Any]]] = field(default_factory=list)
    status: int = 1
    finished_at: datetime | None = None
    resolved_at: datetime | None = None

    def status_to(self, at: datetime, to: int) -> None:
        self.events.append((at, "status_changed", {"from": self.status, "to": to, "label": ""}))
        self.status = to
        if to in FINAL:
            self.finished_at = at
        if to == 9:
            self.resolved_at = at


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _due(accepted: datetime, days: int) -> datetime:
    """16:30 in Vietnam (09:30 UTC) `days` days after."""
    day = (accepted + timedelta(days=days)).date()
    return datetime(day.year, day.month, day.day, 9, 30, tzinfo=UTC)


def _history(rng: random.Random, d: _Dossier) -> None:
    t = d.submitted_at
    d.events.append((t, "dossier_submitted", {"channel": d.channel}))
    t += timedelta(hours=rng.randint(1, 30))
    if rng.random() < 0.08:
        d.status_to(t, 3)
        return
    d.status_to(t, 2)
    due = _due(t, rng.randint(2, 14))
    d.events.append((t, "deadline_set", {"due_at": _iso(due), "received_at": _iso(t)}))
    d.status_to(t, 4)
    for _ in range(rng.choice((0, 0, 1, 2))):
        t += timedelta(hours=rng.randint(2, 120))
        wait = rng.choice((5, 6))
        d.status_to(t, wait)
        if rng.random() < 0.25:
            return  # still waiting
        t += timedelta(hours=rng.randint(5, 200))
        due = _due(t, rng.randint(1, 10))
        d.events.append((t, "deadline_recomputed", {"original_due_at": _iso(due)}))
        d.status_to(t, 4)
    t += timedelta(hours=rng.randint(1, 400))
    end = rng.random()
    if end < 0.06:
        d.status_to(t, 7)
    elif end < 0.12:
        d.status_to(t, 8)
    elif end < 0.25:
        return  # still in process
    else:
        if rng.random() < 0.15:  # a Mẫu 04: the appointment moves, the statutory date does not
            d.events.append((t, "reappointed", {"new_due_at": _iso(t + timedelta(days=3))}))
        d.status_to(t, 9)
        if rng.random() < 0.7:
            d.status_to(t + timedelta(hours=rng.randint(1, 100)), 10)


def _pad(d: _Dossier, filler: int) -> None:
    kinds = ("task_opened", "task_claimed", "dossier_read")
    padded: list[tuple[datetime, str, dict[str, Any]]] = []
    for n, event in enumerate(d.events):
        padded.append(event)
        share = filler // len(d.events) + (n < filler % len(d.events))
        padded += [(event[0], kinds[k % 3], {"what": "bench"}) for k in range(share)]
    d.events = padded


def random_history(
    engine: Engine, count: int, *, seed: int, units: tuple[str, ...], filler: int = 0
) -> Iterator[int]:
    """Write `count` dossiers of the deployed procedures in `units`; yields progress. `filler`
    more events per dossier of the kinds the report does not read (tasks opened, claimed,
    reads), as a real chain has them (the bench: the report must skip them cheaply)."""
    rng = random.Random(seed)
    with engine.begin() as conn:
        definitions = list(conn.execute(select(Definition.id, Definition.key)))
        first_id = (conn.scalar(select(func.max(Dossier.id))) or 0) + 1
    batch: list[_Dossier] = []
    for n in range(count):
        dossier = _random_dossier(rng, definitions, units, f"R{seed}-{n:07d}")
        _pad(dossier, filler)
        batch.append(dossier)
        if len(batch) == 2000 or n == count - 1:
            _write(engine, batch, first_id + n + 1 - len(batch))
            batch = []
            yield n + 1


def _random_dossier(
    rng: random.Random, definitions: list[Any], units: tuple[str, ...], code: str
) -> _Dossier:
    """A dossier of one of `definitions` with a random history (`_history`)."""
    definition_id, key = rng.choice(definitions)
    submitted = START + timedelta(minutes=rng.randint(0, SPAN_DAYS * 24 * 60))
    unit, channel = rng.choice(units), rng.choice((1, 2, 2, 3))
    dossier = _Dossier(code, unit, key, definition_id, channel, submitted)
    _history(rng, dossier)
    return dossier


class Unrecorded(NamedTuple):
    """A dossier written without its events: its id, code and the events to record."""

    id: int
    code: str
    events: list[tuple[datetime, str, dict[str, Any]]]


def unrecorded_history(
    engine: Engine, count: int, *, seed: int, units: tuple[str, ...]
) -> list[Unrecorded]:
    """`random_history`'s dossier rows alone: their events are for the caller to record (the
    projection kept as they are recorded: tests/integration/test_report_increments.py)."""
    rng = random.Random(seed)
    with engine.begin() as conn:
        definitions = list(conn.execute(select(Definition.id, Definition.key)))
        first_id = (conn.scalar(select(func.max(Dossier.id))) or 0) + 1
    batch: list[_Dossier] = []
    for n in range(count):
        batch.append(_random_dossier(rng, definitions, units, f"U{seed}-{n:07d}"))
    _write(engine, batch, first_id, events=False)
    return [Unrecorded(first_id + n, d.code, _with_facts(d)) for n, d in enumerate(batch)]


def _with_facts(d: _Dossier) -> list[tuple[datetime, str, dict[str, Any]]]:
    """The submission names the unit and procedure, as the engine records it."""
    return [
        (at, kind, {**p, "unit": d.unit, "procedure": d.procedure})
        if kind == "dossier_submitted"
        else (at, kind, p)
        for at, kind, p in d.events
    ]


def _write(engine: Engine, batch: list[_Dossier], first_id: int, *, events: bool = True) -> None:
    dossiers: list[dict[str, Any]] = []
    rows: list[dict[str, Any]] = []
    for offset, d in enumerate(batch):
        dossier_id = first_id + offset
        last = d.events[-1][0]
        dossiers.append(
            {
                "id": dossier_id,
                "code": d.code,
                "procedure_key": d.procedure,
                "definition_id": d.definition_id,
                "unit_code": d.unit,
                "applicant": {},
                "channel": d.channel,
                "return_channel": d.channel,
                "submission": {},
                "data": {},
                "status": d.status,
                "status_changed_at": last,
                "submitted_at": d.submitted_at,
                "resolved_at": d.resolved_at,
                "finished_at": d.finished_at,
                "state": "{}",
                "version": 1,
                "updated_at": last,
            }
        )
        for seq, (at, kind, payload) in enumerate(d.events, start=1):
            if kind == "dossier_submitted":
                payload = {**payload, "unit": d.unit, "procedure": d.procedure}
            rows.append(
                {
                    "chain": f"dossier:{d.code}",
                    "seq": seq,
                    "dossier_id": dossier_id,
                    "occurred_at": at,
                    "type": kind,
                    "actor_username": "history",
                    "actor_role": "system",
                    "payload": payload,
                    "prev_hash": "0" * 64,
                    "hash": "0" * 64,
                }
            )
    with engine.begin() as conn:
        conn.execute(insert(Dossier), dossiers)
        if events:
            conn.execute(insert(Event), rows)
