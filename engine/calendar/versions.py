"""Which calendar a dossier's dates are counted on (R-0.1), live and in replay.

The repository's calendar data (`engine.calendar.data`: year files, estimates from the pinned
`holidays` package, office hours) is registered in the database as an immutable, numbered
version whenever its content changes (`motcua migrate`; the first step on an empty database
registers it too). Every registration is an event on the system chain.

The rule (docs/deadlines.md):

- A dossier pins the version in force when it is accepted. Every later computation of its dates
  (the clock restarting after a supplement, step due dates, diagram timers, the overdue warning)
  uses that version, so a package upgrade or a new or corrected year file never changes an
  accepted dossier's dates. Before acceptance a step uses the version in force at its time.
- Administrators' overrides are dated decisions on the system chain: they apply to every
  computation made after they are set, pinned dossiers included, and never to a date already
  computed (stored dates are not recomputed). Replay applies them as they stood at each event.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from datetime import date, datetime
from threading import Lock
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from engine import events
from engine.calendar.data import CalendarDataSet, repository_data_set
from engine.calendar.working_days import (
    CalendarVersionRef,
    DayKind,
    DayOverride,
    OfficeHours,
    WorkingCalendar,
)
from engine.clock import Clock
from engine.errors import InvalidStateError
from engine.event_types import EventType
from engine.security.authz import SYSTEM_ACTOR, Actor
from storage.models import Dossier
from storage.record_models import CalendarVersion
from storage.uow import UnitOfWork


class CalendarSetting(Protocol):
    """What counting needs from the deployment (`engine.context.EngineContext` provides it):
    named here so the calendar does not depend on the whole context."""

    @property
    def clock(self) -> Clock: ...
    @property
    def tz(self) -> ZoneInfo: ...
    @property
    def office_hours(self) -> OfficeHours: ...


#: Parsed contents kept per process, by content hash (a process may serve several databases).
_CACHE_SIZE = 16
_parsed: OrderedDict[str, CalendarDataSet] = OrderedDict()
_parsed_lock = Lock()


def repository_data(ctx: CalendarSetting) -> CalendarDataSet:
    """The calendar data this deployment carries (with the configured office hours)."""
    return repository_data_set(ctx.office_hours)


def register(uow: UnitOfWork, actor: Actor, now: datetime, data: CalendarDataSet) -> int:
    """Register `data` as the version in force unless the latest version has this content;
    return the version number in force. Recorded on the system chain."""
    latest = uow.calendar_versions.latest()
    if latest is not None and latest.content_hash == data.content_hash:
        return latest.version
    number = (latest.version if latest is not None else 0) + 1
    uow.calendar_versions.add(
        CalendarVersion(
            version=number,
            content_hash=data.content_hash,
            content=data.content,
            registered_at=now,
            registered_by=actor.username,
        )
    )
    _remember(data)
    events.record_system(
        uow,
        EventType.CALENDAR_VERSION_REGISTERED,
        actor=actor,
        now=now,
        payload={
            "version": number,
            "content_hash": data.content_hash,
            "office_hours": list(data.content["office_hours"]),
            "fallback": data.fallback,
            "years": {
                str(y.year): {
                    "status": y.status,
                    "source": y.source,
                    "notices": [n.number for n in y.notices],
                }
                for y in data.years.values()
                if y.source != data.fallback
            },
        },
    )
    uow.flush()
    return number


def loaded(uow: UnitOfWork, row: CalendarVersion) -> CalendarDataSet:
    """A registered version's content, parsed once per process and checked against its hash.

    Raises:
        InvalidStateError: the stored content no longer matches its hash (tampered with).
    """
    with _parsed_lock:
        found = _parsed.get(row.content_hash)
        if found is not None:
            _parsed.move_to_end(row.content_hash)
            return found
    data = CalendarDataSet(uow.calendar_versions.content(row), f"calendar version {row.version}")
    if data.content_hash != row.content_hash:
        raise InvalidStateError(
            f"calendar version {row.version} no longer has the content it was registered with"
        )
    _remember(data)
    return data


def in_force(uow: UnitOfWork, ctx: CalendarSetting) -> CalendarVersion | None:
    """The latest registered version; on an empty database a write transaction registers the
    repository's data first (a read transaction gets None: nothing is registered yet)."""
    latest = uow.calendar_versions.latest()
    if latest is None and uow.writable:
        number = register(uow, SYSTEM_ACTOR, ctx.clock.now(), repository_data(ctx))
        latest = uow.calendar_versions.get(number)
    return latest


def for_dossier(uow: UnitOfWork, ctx: CalendarSetting, dossier: Dossier) -> WorkingCalendar:
    """The calendar a step of `dossier` counts on: its pinned version (or the one in force, if
    it is not accepted yet) and the overrides as they stand now."""
    row = None
    if dossier.calendar_version is not None:
        row = uow.calendar_versions.get(dossier.calendar_version)
    elif dossier.received_at is not None:  # accepted before calendar versions existed
        row = uow.calendar_versions.first()
    if row is None:
        row = in_force(uow, ctx)
    overrides = [DayOverride(o.day, DayKind(o.kind), o.note) for o in uow.calendar.all()]
    return build(ctx, uow, row, overrides)


def data_of(ctx: CalendarSetting, uow: UnitOfWork, row: CalendarVersion | None) -> CalendarDataSet:
    """A registered version's data (None: the repository's, not registered yet)."""
    return repository_data(ctx) if row is None else loaded(uow, row)


def build(
    ctx: CalendarSetting,
    uow: UnitOfWork,
    row: CalendarVersion | None,
    overrides: Iterable[DayOverride],
) -> WorkingCalendar:
    """A working calendar on a registered version (None: the repository's unregistered data)."""
    data = data_of(ctx, uow, row)
    ref = CalendarVersionRef(row.version, row.content_hash) if row is not None else None
    return WorkingCalendar(ctx.tz, source=data, overrides=overrides, hours=data.hours, version=ref)


class CalendarEvent(Protocol):
    """An event of the system chain, as stored (an ORM row or a streamed row)."""

    @property
    def occurred_at(self) -> datetime: ...
    @property
    def type(self) -> str: ...
    @property
    def payload(self) -> dict[str, Any]: ...


def calendar_as_of(
    ctx: CalendarSetting,
    uow: UnitOfWork,
    system_events: Iterable[CalendarEvent],
    pinned: int | None,
    moment: datetime,
) -> WorkingCalendar:
    """The calendar a step at `moment` counted on, from the system chain's calendar events:
    the `pinned` version (else the latest registered by then; else the first ever registered,
    for steps older than calendar versions), and the overrides as they stood then.

    Raises:
        InvalidStateError: a version the events name is missing or changed.
    """
    overrides: dict[str, DayOverride] = {}
    registered: dict[int, str] = {}
    in_force_then: int | None = None
    for event in system_events:
        if event.type == EventType.CALENDAR_VERSION_REGISTERED:
            registered[int(event.payload["version"])] = str(event.payload["content_hash"])
            if event.occurred_at <= moment:
                in_force_then = int(event.payload["version"])
            continue
        if event.occurred_at > moment:
            continue
        if event.type == EventType.CALENDAR_OVERRIDE_SET:
            overrides[event.payload["day"]] = DayOverride(
                date.fromisoformat(event.payload["day"]),
                DayKind(event.payload["kind"]),
                event.payload["note"],
            )
        elif event.type == EventType.CALENDAR_OVERRIDE_REMOVED:
            overrides.pop(event.payload["previous"]["day"], None)
    number = pinned if pinned is not None else in_force_then
    if number is None and registered:
        number = min(registered)
    row = uow.calendar_versions.get(number) if number is not None else None
    if number is not None and (row is None or row.content_hash != registered.get(number)):
        raise InvalidStateError(f"calendar version {number} is not the one its event registered")
    return build(ctx, uow, row, overrides.values())


def _remember(data: CalendarDataSet) -> None:
    with _parsed_lock:
        _parsed[data.content_hash] = data
        _parsed.move_to_end(data.content_hash)
        while len(_parsed) > _CACHE_SIZE:
            _parsed.popitem(last=False)
