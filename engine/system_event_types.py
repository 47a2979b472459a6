"""The payloads of the system chain's events (deployments, accounts, logins, units, role grants,
calendar edits, audit runs, reads of unit-wide records): the contract between the modules that
write them and those that read them, as `engine.event_types` is for a dossier's chain (whose
`EventType` names these events too). Add keys, never rename them (docs/audit.md)."""

from __future__ import annotations

from typing import Any, NotRequired, TypedDict


class DefinitionDeployed(TypedDict):
    key: str
    version: int
    hash: str
    files: list[str]


class UserCreated(TypedDict):
    username: str
    roles: list[str]
    unit: str | None
    demo: bool


class UserUpdated(TypedDict):
    username: str
    changed: list[str]
    roles: list[str]
    unit: str | None
    released_tasks: list[str]
    withdrawn_roles: NotRequired[list[str]]


class UserActivated(TypedDict):
    username: str
    withdrawn_roles: NotRequired[list[str]]


class UserDeactivated(TypedDict):
    username: str
    released_tasks: list[str]


class LoginUnlocked(TypedDict):
    username: str


class LoginLocked(TypedDict):
    username: str
    locked_until: str
    lock_seconds: int
    lock_level: int
    client: str | None


class LoginSucceeded(TypedDict):
    """Who logged in, from where (the client address when known): the auditors' record of
    access to the system (a token is good until it expires or is revoked)."""

    username: str
    client: str | None


class LoginFailed(TypedDict):
    username: str
    reason: str
    client: str | None


class WebhookChanged(TypedDict):
    """A webhook registered, disabled or deleted: where the system sends dossier events (the
    secret is never logged)."""

    id: int
    url: str
    events: list[str]
    statuses: list[int]


class UnitCreated(TypedDict):
    code: str
    name: str


class UnitRenamed(TypedDict):
    code: str
    old_name: str
    name: str


class RoleGrantEvent(TypedDict):
    """`role_grant_requested`, `_approved`, `_rejected`; extra keys say after what, by whom."""

    grant: int
    username: str
    role: str
    reason: str
    requested_by: str
    after: NotRequired[str]
    by: NotRequired[str]
    roles: NotRequired[list[str]]


class CalendarYear(TypedDict):
    status: str
    source: str
    notices: list[str]


class CalendarVersionRegistered(TypedDict):
    version: int
    content_hash: str
    office_hours: list[Any]
    fallback: str
    years: dict[str, CalendarYear]


class OverriddenDay(TypedDict):
    day: str
    kind: str
    note: str


class CalendarOverrideSet(OverriddenDay):
    previous: OverriddenDay | None


class CalendarOverrideRemoved(TypedDict):
    previous: OverriddenDay


class AuditVerified(TypedDict):
    dossier: str | None
    replay: bool
    ok: bool
    problems: int
    events: int


#: Who read a unit's tracking book (Mẫu 07) for which period (SEC-5); `from` is a keyword.
#: `volume`: which volume of the PDF (issue 14: a long book comes in volumes), when not the first.
TrackingBookRead = TypedDict(
    "TrackingBookRead", {"unit": str, "from": str, "to": str, "volume": NotRequired[int]}
)


class ReportRead(TypedDict):
    """Who read which report (issue 17, docs/reports.md): `report` is handling, handling_dossiers,
    satisfaction, overdue or timeliness; the parameters as given (None: not given); `figure` for a
    drill-down; `within` (working days) for the overdue list, whose period is the day read."""

    report: str
    start: str
    end: str
    as_of: str
    unit: str | None
    unit_group: str | None
    procedure: str | None
    format: NotRequired[str]
    figure: NotRequired[str]
    within: NotRequired[int]
