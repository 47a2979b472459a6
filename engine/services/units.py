"""Units (BHXH offices): create, list, read and rename. A unit's code never changes (it is part
of every dossier code); units are never deleted. Every function answers `UnitDetail`."""

from __future__ import annotations

from engine import events
from engine.context import EngineContext
from engine.errors import DuplicateError, FieldError, NotFoundError, ValidationFailedError
from engine.event_types import EventType
from engine.results import Page, UnitDetail
from engine.security.authz import Actor, ensure_admin
from engine.services.account_rules import MAX_NAME_LENGTH, UNIT_CODE_PATTERN, page_window
from engine.system_event_types import UnitCreated, UnitRenamed
from engine.transactions import conflicts_as_errors
from storage.errors import DuplicateRecordError
from storage.models import Unit
from storage.uow import UnitOfWork


def create_unit(ctx: EngineContext, actor: Actor, code: str, name: str) -> UnitDetail:
    ensure_admin(actor)
    errors = []
    if not UNIT_CODE_PATTERN.match(code):
        errors.append(
            FieldError("code", "unit codes are letters, digits and dots, e.g. 000.00.07.H29")
        )
    errors += _name_errors(name)
    if errors:
        raise ValidationFailedError("the unit is not valid", errors)
    now = ctx.clock.now()
    try:
        with conflicts_as_errors(), ctx.uow() as uow:
            if uow.units.get(code) is not None:
                raise DuplicateError(f"unit {code} already exists")
            unit = Unit(code=code, name=name.strip(), active=True, created_at=now)
            uow.units.add(unit)
            events.record_system(
                uow,
                EventType.UNIT_CREATED,
                actor=actor,
                now=now,
                payload=UnitCreated(code=code, name=name.strip()),
            )
            detail = unit_detail(unit)
            uow.commit()
            return detail
    except DuplicateRecordError as exc:
        raise DuplicateError(f"unit {code} already exists") from exc


def list_units(ctx: EngineContext, actor: Actor, page: int, page_size: int) -> Page[UnitDetail]:
    """Every unit, by code, a page at a time (administrators)."""
    ensure_admin(actor)
    page, page_size = page_window(page, page_size)
    with ctx.uow(write=False) as uow:
        rows, total = uow.units.page((page - 1) * page_size, page_size)
        items = [unit_detail(unit) for unit in rows]
    return Page(items=items, total=total, page=page, page_size=page_size)


def all_units(ctx: EngineContext) -> list[UnitDetail]:
    """Every unit, by code, for the web pages that name them (no personal data: no actor)."""
    with ctx.uow(write=False) as uow:
        return [unit_detail(unit) for unit in uow.units.all()]


def get_unit(ctx: EngineContext, actor: Actor, code: str) -> UnitDetail:
    ensure_admin(actor)
    with ctx.uow(write=False) as uow:
        return unit_detail(_unit(uow, code))


def rename_unit(ctx: EngineContext, actor: Actor, code: str, name: str) -> UnitDetail:
    """A unit's code never changes (it is in every dossier code); its name may."""
    ensure_admin(actor)
    errors = _name_errors(name)
    if errors:
        raise ValidationFailedError("the unit is not valid", errors)
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        unit = _unit(uow, code)
        if unit.name != name.strip():
            events.record_system(
                uow,
                EventType.UNIT_RENAMED,
                actor=actor,
                now=now,
                payload=UnitRenamed(code=code, old_name=unit.name, name=name.strip()),
            )
            unit.name = name.strip()
        detail = unit_detail(unit)
        uow.commit()
    return detail


def unit_detail(unit: Unit) -> UnitDetail:
    return UnitDetail(
        code=unit.code, name=unit.name, active=unit.active, created_at=unit.created_at
    )


def _name_errors(name: str) -> list[FieldError]:
    if name.strip() and len(name) <= MAX_NAME_LENGTH:
        return []
    return [FieldError("name", f"a unit needs a name of at most {MAX_NAME_LENGTH}")]


def _unit(uow: UnitOfWork, code: str) -> Unit:
    unit = uow.units.get(code)
    if unit is None:
        raise NotFoundError(f"no unit {code}")
    return unit
