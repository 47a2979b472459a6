"""Collection-like access to the reference data every request reads: deployed definitions
(through a per-process row cache), units and calendar overrides. Repositories never commit; the
unit of work does. The others: `storage.dossiers`, `storage.accounts`, `storage.work` (work
items, timers), `storage.events` (event chains), `storage.audit`, `storage.throttles`,
`storage.files`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session, defer

from storage.models import CalendarOverride, Definition, Unit

# The statements every request runs are built once: building one costs more than running it.
_LATEST_DEFINITION = (
    select(Definition.id)
    .where(Definition.key == bindparam("definition_key"))
    .order_by(Definition.version.desc())
    .limit(1)
)
_ALL_OVERRIDES = select(CalendarOverride).order_by(CalendarOverride.day)


class DefinitionRowCache:
    """Definition rows by id, kept for the life of a Database (one per process) as detached,
    read-only objects: deployed definitions never change, so the hot paths skip loading the
    diagram sources and forms on every request. Rows only: what the engine derives from a row
    (its parsed diagrams, its model) is cached once per process in `engine.definitions.cache`.
    Ids are numbered per database, so each Database keeps its own."""

    def __init__(self) -> None:
        self._rows: dict[int, Definition] = {}

    def get(self, definition_id: int) -> Definition | None:
        return self._rows.get(definition_id)

    def keep(self, definition: Definition) -> None:
        self._rows[definition.id] = definition


class Definitions:
    """Deployed definitions; rows read by id come from the Database's `DefinitionRowCache`."""

    def __init__(self, session: Session, rows: DefinitionRowCache) -> None:
        self.session = session
        self._rows = rows
        self._added: set[int] = set()

    def add(self, definition: Definition) -> None:
        self.session.add(definition)
        self.session.flush()
        self._added.add(definition.id)

    def get(self, definition_id: int) -> Definition | None:
        cached = self._rows.get(definition_id)
        if cached is not None:
            return cached
        definition = self.session.get(Definition, definition_id)
        if definition is None or definition_id in self._added:
            return definition  # not committed yet: nothing to share
        self.session.expunge(definition)  # a rollback must not expire the shared copy
        self._rows.keep(definition)
        return definition

    def latest(self, key: str) -> Definition | None:
        definition_id = self.session.scalars(_LATEST_DEFINITION, {"definition_key": key}).first()
        return None if definition_id is None else self.get(definition_id)

    def by_hash(self, key: str, content_hash: str) -> Definition | None:
        stmt = select(Definition).where(
            Definition.key == key, Definition.content_hash == content_hash
        )
        return self.session.scalars(stmt).first()

    def version(self, key: str, version: int) -> Definition | None:
        stmt = select(Definition).where(Definition.key == key, Definition.version == version)
        return self.session.scalars(stmt).first()

    def cached_version(self, key: str, version: int) -> Definition | None:
        """`version`, through the per-process copy `get` keeps: only the id is read (the
        unique key's index), not the sources and forms again for every dossier replayed."""
        stmt = select(Definition.id).where(Definition.key == key, Definition.version == version)
        definition_id = self.session.scalars(stmt).first()
        return None if definition_id is None else self.get(definition_id)

    def versions(self, key: str) -> Sequence[Definition]:
        stmt = select(Definition).where(Definition.key == key).order_by(Definition.version)
        return self.session.scalars(stmt).all()

    def all_latest(self) -> Sequence[Definition]:
        """The newest version of every procedure, for lists: the diagram sources and the forms
        (most of a row's bytes, JSON to decode) load only if a caller touches them."""
        newest = (
            select(Definition.key, func.max(Definition.version).label("version"))
            .group_by(Definition.key)
            .subquery()
        )
        stmt = (
            select(Definition)
            .join(
                newest, (Definition.key == newest.c.key) & (Definition.version == newest.c.version)
            )
            .order_by(Definition.key)
            .options(defer(Definition.sources), defer(Definition.forms))
        )
        return self.session.scalars(stmt).all()


class Units:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, code: str) -> Unit | None:
        return self.session.get(Unit, code)

    def add(self, unit: Unit) -> None:
        self.session.add(unit)
        self.session.flush()

    def all(self) -> Sequence[Unit]:
        return self.session.scalars(select(Unit).order_by(Unit.code)).all()

    def page(self, offset: int, limit: int) -> tuple[Sequence[Unit], int]:
        total = self.session.scalar(select(func.count()).select_from(Unit)) or 0
        stmt = select(Unit).order_by(Unit.code).offset(offset).limit(limit)
        return self.session.scalars(stmt).all(), total


class CalendarOverrides:
    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> Sequence[CalendarOverride]:
        return self.session.scalars(_ALL_OVERRIDES).all()

    def get(self, day: date) -> CalendarOverride | None:
        return self.session.get(CalendarOverride, day)

    def add(self, override: CalendarOverride) -> None:
        self.session.add(override)

    def delete(self, override: CalendarOverride) -> None:
        self.session.delete(override)
