"""Check one hash chain and say precisely what is wrong with it.

Events are fed in stored order (by sequence number). Each event's hash is recomputed from its
content and its `prev_hash`; each `prev_hash` must be the hash of the event stored before it.
When an event's hash does not match, the checker tries the neighbouring sequence numbers: an event
that verifies under another number was renumbered, which tells an insertion, a deletion hidden by
renumbering, and a swap apart from plain modification. Memory grows only with what is wrong, so
chains of any length stream through.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple, Protocol

from engine.events import GENESIS_HASH, HashedEvent, dossier_code_of, event_body, event_hash

#: How far from its stored number a renumbered event is looked for.
RENUMBER_WINDOW = 32

MODIFIED = "modified"
MISSING = "missing"
INSERTED = "inserted"
REORDERED = "reordered"
TRUNCATED = "truncated"
CHAIN_MISSING = "chain_missing"
CHAIN_FORGED = "chain_forged"
CHECKPOINT_INVALID = "checkpoint_invalid"
REPLAY_MISMATCH = "replay_mismatch"


class StoredEvent(HashedEvent, Protocol):
    @property
    def dossier_id(self) -> int | None: ...
    @property
    def prev_hash(self) -> str: ...
    @property
    def hash(self) -> str: ...


class Anchor(NamedTuple):
    """A head a signed checkpoint certified: the chain had event `seq` with this `hash`."""

    seq: int
    hash: str
    checkpoint_seq: int


@dataclass(frozen=True, slots=True)
class IntegrityProblem:
    kind: str
    chain: str
    seq: int | None
    detail: str

    @property
    def dossier(self) -> str | None:
        return dossier_code_of(self.chain)

    def describe(self) -> str:
        where = f"dossier {self.dossier}" if self.dossier else f"chain {self.chain}"
        at = f", event {self.seq}" if self.seq is not None else ""
        return f"{where}{at}: {self.kind}: {self.detail}"


@dataclass
class ChainChecker:
    """Feed a chain's events in stored order, then `finish` for the list of problems."""

    chain: str
    start_seq: int = 1
    start_hash: str = GENESIS_HASH
    #: When set, every event's `dossier_id` column must be this (it is not under the hash).
    dossier_id: int | None = None
    check_dossier_id: bool = False
    anchor: Anchor | None = None
    count: int = 0
    first_time: datetime | None = None
    last_seq: int | None = None
    last_hash: str | None = None
    _expected: int = 0
    _prev_hash: str = ""
    _prev_flagged: bool = False
    _problems: list[IntegrityProblem] = field(default_factory=list)
    _renumbered: list[tuple[int, int]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._expected = self.start_seq
        self._prev_hash = self.start_hash

    def feed(self, event: StoredEvent) -> None:
        self.count += 1
        if self.first_time is None or event.occurred_at < self.first_time:
            self.first_time = event.occurred_at
        intact = _hash_of(event) == event.hash
        true_seq = event.seq if intact else self._true_seq(event)
        flagged = not intact
        gap = event.seq > self._expected
        if gap:
            self._problem(
                MISSING,
                self._expected,
                "no event with this number"
                if event.seq == self._expected + 1
                else f"events {self._expected} to {event.seq - 1} are not in the database",
            )
        elif event.seq < self._expected:
            self._problem(INSERTED, event.seq, "a second event carries this number")
            flagged = True
        if true_seq is None:
            self._problem(MODIFIED, event.seq, "its content no longer matches its hash")
        elif true_seq != event.seq:
            self._renumbered.append((event.seq, true_seq))
        elif event.prev_hash != self._prev_hash and not gap and not self._prev_flagged:
            # Intact itself but chained to something else: its predecessor was rewritten with a
            # recomputed hash (or this event was forged onto a different predecessor).
            self._problem(
                MODIFIED,
                event.seq - 1,
                f"rewritten with a recomputed hash: event {event.seq} is chained to different "
                "content",
            )
        if self.check_dossier_id and event.dossier_id != self.dossier_id:
            self._problem(MODIFIED, event.seq, "its dossier_id column points at another dossier")
        if (
            self.anchor is not None
            and event.seq == self.anchor.seq
            and event.hash != self.anchor.hash
        ):
            self._problem(
                MODIFIED,
                event.seq,
                f"differs from the hash signed in checkpoint #{self.anchor.checkpoint_seq}",
            )
        self._expected = max(self._expected, event.seq + 1)
        self._prev_hash = event.hash
        self._prev_flagged = flagged or true_seq != event.seq
        self.last_seq, self.last_hash = event.seq, event.hash

    def finish(self, head: tuple[int, str] | None = None) -> list[IntegrityProblem]:
        """All problems found; `head` is the chain's recorded head (seq, hash), if known."""
        self._classify_renumbering()
        last_seq = self.last_seq if self.last_seq is not None else self.start_seq - 1
        if head is not None:
            head_seq, head_hash = head
            if last_seq < head_seq:
                self._problem(
                    TRUNCATED, last_seq + 1, _truncation(last_seq, head_seq, "the chain head")
                )
            elif last_seq > head_seq:
                self._problem(
                    INSERTED,
                    head_seq + 1,
                    f"events {head_seq + 1} to {last_seq} were added behind the chain head"
                    if last_seq > head_seq + 1
                    else "added behind the chain head",
                )
            elif self.last_hash is not None and self.last_hash != head_hash:
                self._problem(MODIFIED, last_seq, "differs from the hash the chain head recorded")
        if self.anchor is not None and last_seq < self.anchor.seq:
            self._problem(
                TRUNCATED,
                last_seq + 1,
                _truncation(last_seq, self.anchor.seq, f"checkpoint #{self.anchor.checkpoint_seq}"),
            )
        return _unique(self._problems)

    def _true_seq(self, event: StoredEvent) -> int | None:
        """The sequence number under which the event's hash verifies, if any."""
        body = event_body(event)
        low = max(1, event.seq - RENUMBER_WINDOW)
        for candidate in range(low, event.seq + RENUMBER_WINDOW + 1):
            if candidate == event.seq:
                continue
            body["seq"] = candidate
            try:
                if event_hash(event.prev_hash, body) == event.hash:
                    return candidate
            except (TypeError, ValueError):
                return None
        return None

    def _classify_renumbering(self) -> None:
        if not self._renumbered:
            return
        stored = [s for s, _ in self._renumbered]
        true = [t for _, t in self._renumbered]
        shifts = {s - t for s, t in self._renumbered}
        if set(stored) != set(true) and len(shifts) == 1:
            shift = shifts.pop()
            if shift > 0:  # events moved up: something was inserted before them
                first = min(stored) - shift
                self._problem(
                    INSERTED,
                    first,
                    "not part of the original chain; the events after it were renumbered"
                    if shift == 1
                    else f"events {first} to {first + shift - 1} are not part of the original "
                    "chain; the events after them were renumbered",
                )
            else:  # events moved down over a hole: something was deleted and the rest renumbered
                first = min(true) + shift
                self._problem(
                    MISSING,
                    first,
                    "deleted; the events after it were renumbered to hide the gap"
                    if shift == -1
                    else f"events {first} to {first - shift - 1} were deleted and the events "
                    "after them renumbered",
                )
            return
        for stored_seq, true_seq in self._renumbered:
            self._problem(
                REORDERED,
                stored_seq,
                f"this is event {true_seq} of the chain, stored out of order",
            )

    def _problem(self, kind: str, seq: int | None, detail: str) -> None:
        self._problems.append(IntegrityProblem(kind, self.chain, seq, detail))


def _hash_of(event: StoredEvent) -> str | None:
    """The event's hash recomputed; None when its content cannot even be hashed (a value
    written outside the application, such as NaN)."""
    try:
        return event_hash(event.prev_hash, event_body(event))
    except (TypeError, ValueError):
        return None


def _truncation(last_seq: int, recorded: int, by: str) -> str:
    if last_seq + 1 == recorded:
        return f"the last event is missing ({by} records event {recorded})"
    return f"events {last_seq + 1} to {recorded} are missing ({by} records event {recorded})"


def _unique(problems: list[IntegrityProblem]) -> list[IntegrityProblem]:
    """One problem per (kind, event); the first wording found wins."""
    seen: set[tuple[str, int | None]] = set()
    unique = []
    for problem in problems:
        if (problem.kind, problem.seq) not in seen:
            seen.add((problem.kind, problem.seq))
            unique.append(problem)
    return unique
