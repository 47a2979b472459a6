"""Frozen results about deployed definitions and their versions (no ORM rows, no Spiff objects)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.errors import DefinitionProblem
from engine.results import DossierDetail


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """A bundle that passed every check (nothing stored); warnings do not block deployment."""

    key: str
    hash: str
    warnings: list[DefinitionProblem] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class DefinitionSummary:
    key: str
    name: str
    latest_version: int
    deployed_at: datetime
    deployed_by: str


@dataclass(frozen=True, slots=True)
class VersionSummary:
    key: str
    version: int
    name: str
    hash: str
    deployed_at: datetime
    deployed_by: str


@dataclass(frozen=True, slots=True)
class VersionDetail:
    """One version with its sources: diagram files by name and forms by form key."""

    summary: VersionSummary
    files: dict[str, str]
    forms: dict[str, Any]
    model: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StepChange:
    bpmn_id: str
    name: str
    kind: str
    attributes: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class VersionDiff:
    """What changed from one version to another: flow nodes, forms and files."""

    key: str
    from_version: int
    to_version: int
    added: list[StepChange]
    removed: list[StepChange]
    changed: list[StepChange]
    forms_added: list[str]
    forms_removed: list[str]
    forms_changed: list[str]


@dataclass(frozen=True, slots=True)
class MigrationResult:
    dossier: DossierDetail
    from_version: int
    to_version: int
    diff: VersionDiff
    #: bpmn id of each waiting timer -> its due time, kept across the migration
    timers: dict[str, str]
