"""A replay's scratch copy of one dossier's rows: the store port the causes of a step write to
live (`engine.step.apply.StepStore`: work items, timers, documents, event log), kept in memory
and checked against the logged events as it goes."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from engine.event_types import EventType
from engine.events import GENESIS_HASH, event_body
from engine.issuing.sealers import LoggedSealer
from engine.spiff.runtime import StepOutcome
from storage.audit import EventRow
from storage.audit_models import Event
from storage.models import Timer, WorkItem
from storage.record_models import Document
from storage.reference_data import Definitions, Units
from storage.statuses import TimerStatus, WorkItemStatus


class ReplayDivergenceError(Exception):
    """Replaying the events does not reproduce what the log says happened next."""

    def __init__(self, seq: int | None, message: str) -> None:
        super().__init__(message)
        self.seq = seq
        self.message = message


class TaskIds:
    """Workflow task ids are random, so a replay's differ from the live ones: map between them.

    A replayed task learns its live id from the `task_opened` event the log has at that point.
    """

    def __init__(self) -> None:
        self._live: dict[str, str] = {}
        self._replayed: dict[str, str] = {}

    def bind(self, replayed: str, live: str) -> None:
        self._live[replayed] = live
        self._replayed[live] = replayed

    def live(self, replayed: str) -> str:
        return self._live.get(replayed, replayed)

    def workflow_id(self, live: str) -> str:
        """The replay's workflow task id of the live task `live`."""
        try:
            return self._replayed[live]
        except KeyError:
            raise ReplayDivergenceError(
                None, f"task {live} was never opened in this replay"
            ) from None

    def live_outcome(self, outcome: StepOutcome) -> StepOutcome:
        ready = tuple(dataclasses.replace(t, task_id=self.live(t.task_id)) for t in outcome.ready)
        return dataclasses.replace(outcome, ready=ready)


class ScratchWorkItems:
    def __init__(self) -> None:
        self._items: dict[str, WorkItem] = {}

    def open_for_dossier(self, dossier_id: int) -> list[WorkItem]:
        return [item for item in self.all() if item.status == WorkItemStatus.OPEN]

    def add(self, item: WorkItem) -> None:
        self._items[item.id] = item

    def get(self, item_id: str) -> WorkItem | None:
        return self._items.get(item_id)

    def rekey(self, old_id: str, new_id: str) -> None:
        item = self._items.pop(old_id)
        item.id = new_id
        self._items[new_id] = item

    def all(self) -> list[WorkItem]:
        """Ordered as the repository orders them (creation time, then id)."""
        return sorted(self._items.values(), key=lambda item: (item.created_at, item.id))


class ScratchTimers:
    """The dossier's timer rows as the replayed steps keep them."""

    def __init__(self) -> None:
        self._timers: dict[str, Timer] = {}

    def pending_for_dossier(self, dossier_id: int) -> list[Timer]:
        return [timer for timer in self._timers.values() if timer.status == TimerStatus.PENDING]

    def get(self, timer_id: str) -> Timer | None:
        return self._timers.get(timer_id)

    def add(self, timer: Timer) -> None:
        self._timers[timer.id] = timer


class ScratchDocuments:
    """The documents the replayed steps issue, in order."""

    def __init__(self) -> None:
        self._documents: list[Document] = []

    def add(self, document: Document) -> None:
        self._documents.append(document)

    def for_dossier(self, dossier_id: int) -> list[Document]:
        return list(self._documents)

    def all(self) -> list[Document]:
        return list(self._documents)

    def next_sequence(self, unit_code: str, form: str, year: int) -> int:
        """Never asked: replay takes each document's number from the log (LoggedSealer)."""
        raise ReplayDivergenceError(None, "replay cannot number a document")


class ScratchChain:
    """The dossier's chain as the replay rebuilds it, compared event by event with the log."""

    def __init__(self, chain: str, log: Sequence[EventRow], ids: TaskIds, items: ScratchWorkItems):
        self.chain = chain
        self.log = log
        self.applied = 0
        self.head_hash = GENESIS_HASH
        self._ids = ids
        self._items = items

    def next_logged(self) -> dict[str, Any] | None:
        """The payload of the event the replay expects next (a document's number and hash)."""
        return dict(self.log[self.applied].payload) if self.applied < len(self.log) else None

    def advance_chain(self, name: str) -> tuple[int, str]:
        if name != self.chain:
            raise ReplayDivergenceError(None, f"the replay wrote to another chain ({name})")
        return self.applied + 1, self.head_hash

    def append(self, event: Event) -> None:
        """A step recorded a consequence: the log must hold the same event at this point."""
        if self.applied >= len(self.log):
            raise ReplayDivergenceError(
                event.seq,
                f"replay records '{event.type}' as event {event.seq}; the log ends before",
            )
        logged = self.log[self.applied]
        if (event.type, logged.type) == (
            EventType.TASK_OPENED,
        ) * 2 and logged.bpmn_id == event.bpmn_id:
            self._learn_live_id(event, str(logged.payload.get("task_id")))
        replayed_body, logged_body = event_body(event), event_body(logged)
        if replayed_body != logged_body:
            raise ReplayDivergenceError(
                logged.seq,
                f"replaying gives a different event {logged.seq} ('{logged.type}' in the log): "
                + _difference(replayed_body, logged_body),
            )
        self.take(logged)

    def dossier_events(self, dossier_id: int, event_type: str) -> list[EventRow]:
        """The events of one type replayed so far (as `AuditLog.dossier_events` reads them)."""
        return [row for row in self.log[: self.applied] if row.type == event_type]

    def take(self, logged: EventRow) -> None:
        """Apply a logged event as it stands (the cause of a step, or one that changes nothing)."""
        self.applied += 1
        self.head_hash = logged.hash

    def _learn_live_id(self, event: Event, live_id: str) -> None:
        replayed_id = str(event.payload["task_id"])
        self._ids.bind(replayed_id, live_id)
        self._items.rekey(replayed_id, live_id)
        event.payload = {**event.payload, "task_id": live_id}


class DiscardedOutbox:
    """Replay sends nothing: the messages the replayed steps would write are counted, dropped."""

    def __init__(self) -> None:
        self.discarded = 0

    def add(
        self, *, kind: str, dossier_code: str, seq: int, payload: dict[str, Any], now: datetime
    ) -> None:
        self.discarded += 1


class LoggedOfficerNames:
    """Replay: an officer's name is the one the document being issued printed (the next logged
    event is its `document_issued`), as its number is; the account may have been renamed since."""

    def __init__(self, chain: ScratchChain) -> None:
        self.chain = chain

    def full_name(self, username: str) -> str | None:
        logged = self.chain.next_logged() or {}
        data = logged.get("data")
        name = data.get("officer_name") if isinstance(data, dict) else None
        return str(name) if name else None


class ScratchStore:
    """What the causes of a step and `dossier_detail` need, for a dossier rebuilt in memory."""

    def __init__(
        self,
        chain: str,
        log: Sequence[EventRow],
        definitions: Definitions,
        units: Units,
        tz: ZoneInfo,
    ) -> None:
        self.ids = TaskIds()
        self.items = ScratchWorkItems()
        self.timer_rows = ScratchTimers()
        self.document_rows = ScratchDocuments()
        self.chain = ScratchChain(chain, log, self.ids, self.items)
        self._definitions = definitions
        self._units = units
        self.sealer = LoggedSealer(self.chain, tz)
        self.users = LoggedOfficerNames(self.chain)
        self.outbox = DiscardedOutbox()

    @property
    def work_items(self) -> ScratchWorkItems:
        return self.items

    @property
    def timers(self) -> ScratchTimers:
        return self.timer_rows

    @property
    def documents(self) -> ScratchDocuments:
        return self.document_rows

    @property
    def events(self) -> ScratchChain:
        return self.chain

    @property
    def audit(self) -> ScratchChain:
        """The log as replayed so far, read as `dossier_detail` reads the live one."""
        return self.chain

    def flush(self) -> None:
        """Nothing to do: the scratch copy is in memory."""

    @property
    def definitions(self) -> Definitions:
        return self._definitions

    @property
    def units(self) -> Units:
        return self._units


def _difference(replayed: dict[str, Any], logged: dict[str, Any]) -> str:
    parts = []
    for key in sorted(set(replayed) | set(logged)):
        mine, theirs = replayed.get(key), logged.get(key)
        if mine == theirs:
            continue
        if isinstance(mine, dict) and isinstance(theirs, dict):
            parts += [
                f"{key}.{sub}: replay {_short(mine.get(sub))}, log {_short(theirs.get(sub))}"
                for sub in sorted(set(mine) | set(theirs))
                if mine.get(sub) != theirs.get(sub)
            ]
        else:
            parts.append(f"{key}: replay {_short(mine)}, log {_short(theirs)}")
    return "; ".join(parts)


def _short(value: Any, limit: int = 120) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"
