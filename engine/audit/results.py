"""Frozen results of the audit use cases (no ORM rows, no SpiffWorkflow objects)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.audit.integrity import IntegrityProblem
from engine.results import DossierDetail


@dataclass(frozen=True, slots=True)
class CheckpointSummary:
    seq: int
    created_at: datetime
    created_by: str
    chains: int
    root: str
    key_id: str


@dataclass(frozen=True, slots=True)
class VerifyReport:
    ok: bool
    dossier: str | None
    events: int
    chains: int
    dossiers: int
    checkpoints: int
    latest_checkpoint: CheckpointSummary | None
    problems: list[IntegrityProblem]
    replayed: int = 0


@dataclass(frozen=True, slots=True)
class Mismatch:
    """A field whose replayed value differs from the stored one (values as JSON)."""

    field: str
    replayed: Any
    stored: Any


@dataclass(frozen=True, slots=True)
class ReplayResult:
    code: str
    until: int | None
    #: The last event applied: the end of the step that holds event `until`.
    at_seq: int
    events: int
    dossier: DossierDetail | None
    data: dict[str, Any]
    complete: bool
    #: Only when replayed to the end: does the rebuilt dossier equal the stored one?
    matches_stored: bool | None
    mismatches: list[Mismatch]
    problems: list[IntegrityProblem]


@dataclass(frozen=True, slots=True)
class TimelineActor:
    username: str
    role: str
    unit: str | None
    user_id: int | None


@dataclass(frozen=True, slots=True)
class TimelineEntry:
    seq: int
    type: str
    occurred_at: datetime
    actor: TimelineActor
    action: str
    action_en: str
    bpmn_id: str | None
    step: str | None
    data: dict[str, Any] | None
    payload: dict[str, Any]
    hash: str
    intact: bool


@dataclass(frozen=True, slots=True)
class PublicKeyView:
    algorithm: str
    key_id: str
    pem: str
