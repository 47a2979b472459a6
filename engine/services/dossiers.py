"""Submit a dossier and supplement it: the applicant's side of the procedure."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine import deadlines, events
from engine.context import EngineContext
from engine.definitions.cache import model_of
from engine.errors import (
    ConcurrentModificationError,
    FieldError,
    InvalidStateError,
    NotFoundError,
    ValidationFailedError,
)
from engine.form_checks import raise_for_form
from engine.progress import apply_step
from engine.results import DossierDetail
from engine.security.authz import Actor, Role, ensure_can_act_for_applicant, ensure_can_submit
from engine.services.live import load_for_step
from engine.spiff import runtime
from engine.statuses import DossierStatus
from engine.transactions import conflicts_as_errors
from engine.views import CHANNEL_CODES, CHANNEL_NAMES, dossier_detail
from storage.models import Definition, Dossier
from storage.uow import UnitOfWork

SUPPLEMENT_MESSAGE = "supplement_submitted"
ID_NUMBER_PATTERN = re.compile(r"^[0-9A-Z]{8,12}$")
PHONE_PATTERN = re.compile(r"^(\+84|0)[0-9]{9,10}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,}$")


@dataclass(frozen=True, slots=True)
class Applicant:
    full_name: str
    id_number: str
    phone: str | None = None
    email: str | None = None
    address: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "full_name": self.full_name,
            "id_number": self.id_number,
            "phone": self.phone,
            "email": self.email,
            "address": self.address,
        }


@dataclass(frozen=True, slots=True)
class SubmitDossier:
    procedure: str
    unit: str
    applicant: Applicant
    data: Mapping[str, Any] = field(default_factory=dict)
    channel: str = "online"
    return_channel: str | None = None


def submit_dossier(ctx: EngineContext, actor: Actor, command: SubmitDossier) -> DossierDetail:
    """Register a dossier, give it its code and start its procedure (status 1).

    Raises:
        ValidationFailedError: unknown procedure or unit, bad applicant, data failing the form.
        PermissionDeniedError: the actor may not submit for this unit.
    """
    errors = _applicant_errors(command.applicant) + _channel_errors(actor, command)
    now = ctx.clock.now()
    for _attempt in range(3):
        checked_id = _checked_submission(ctx, actor, command, errors)
        with conflicts_as_errors(), ctx.uow() as uow:
            definition = uow.definitions.latest(command.procedure)
            if definition is None or definition.id != checked_id:
                continue  # a new version was deployed meanwhile: check the data against it
            return _register(ctx, uow, actor, command, definition, now)
    raise ConcurrentModificationError(
        "the procedure kept changing while the dossier was submitted; try again"
    )


def _checked_submission(
    ctx: EngineContext, actor: Actor, command: SubmitDossier, errors: list[FieldError]
) -> int:
    """The id of the procedure version whose submission form the data passes.

    Runs before the write transaction opens (SQLite takes its write lock at BEGIN IMMEDIATE,
    PostgreSQL would hold the code sequence's row lock): a form that is costly to check,
    however legal, never makes other writers wait.
    """
    with conflicts_as_errors(), ctx.uow(write=False) as uow:
        definition = uow.definitions.latest(command.procedure)
        errors = list(errors)
        if definition is None:
            errors.append(FieldError("procedure", f"no procedure '{command.procedure}'"))
        if uow.units.get(command.unit) is None:
            errors.append(FieldError("unit", f"no unit '{command.unit}'"))
    if errors:
        raise ValidationFailedError("the dossier cannot be submitted", errors)
    assert definition is not None
    ensure_can_submit(actor, command.unit)
    model = model_of(definition)
    raise_for_form(
        definition,
        model.submission_form,
        command.data,
        "the submitted data does not match the form",
    )
    return definition.id


def _register(
    ctx: EngineContext,
    uow: UnitOfWork,
    actor: Actor,
    command: SubmitDossier,
    definition: Definition,
    now: datetime,
) -> DossierDetail:
    """Register the checked dossier and run its first step, in the write transaction."""
    model = model_of(definition)
    code = ctx.codes.next_code(uow, command.unit, now.astimezone(ctx.tz).date())
    parsed = ctx.definitions.get(definition)
    applicant = command.applicant.as_dict()
    dossier = new_dossier(
        code=code,
        definition=definition,
        unit=command.unit,
        owner_user_id=actor.user_id if actor.has(Role.CITIZEN) else None,
        applicant=applicant,
        submission=dict(command.data),
        channel=command.channel,
        return_channel=command.return_channel or command.channel,
        now=now,
    )
    env = deadlines.step_environment(ctx, uow, model, dossier, now)
    workflow, outcome = runtime.start(parsed, process_input(dossier), env.functions, now=now)
    uow.dossiers.add(dossier)
    events.record_for_dossier(
        uow,
        dossier,
        type="dossier_submitted",
        actor=actor,
        now=now,
        payload={
            "procedure": definition.key,
            "definition_version": definition.version,
            "definition_hash": definition.content_hash,
            "unit": command.unit,
            "applicant": applicant,
            "data": dict(command.data),
            "channel": command.channel,
            "return_channel": command.return_channel or command.channel,
            "owner_user_id": dossier.owner_user_id,
        },
    )
    open_items = apply_step(
        uow,
        dossier=dossier,
        model=model,
        workflow=workflow,
        outcome=outcome,
        actor=actor,
        now=now,
        calendar=env.calendar,
        open_items=[],
    )
    uow.flush()
    detail = dossier_detail(uow, dossier, open_items)
    uow.commit()
    return detail


def submit_supplement(
    ctx: EngineContext, actor: Actor, code: str, data: Mapping[str, Any]
) -> DossierDetail:
    """The applicant sends what reception asked for (Mẫu 02); only while status is 5.

    For a dossier without an applicant account (counter, postal), reception of its unit hands
    the supplement in for the applicant (R-2.8): the event names the officer as actor and the
    applicant in `on_behalf_of`.

    Raises:
        PermissionDeniedError: neither the applicant's account nor, for a dossier without one,
            reception of its unit.
        InvalidStateError: the dossier is not waiting for a supplement.
        ValidationFailedError: the completed dossier still fails the submission form.
    """
    now = ctx.clock.now()
    # The form is checked before the write transaction opens (see _checked_submission).
    with conflicts_as_errors(), ctx.uow(write=False) as uow:
        dossier, _ = _waiting_for_supplement(uow, actor, code, for_update=False)
        definition = uow.definitions.get(dossier.definition_id)
        assert definition is not None
        checked = supplemented(dossier, data)
    raise_for_form(
        definition,
        model_of(definition).submission_form,
        checked,
        "the supplemented dossier does not match the form",
    )
    with conflicts_as_errors(), ctx.uow() as uow:
        dossier, on_behalf = _waiting_for_supplement(uow, actor, code, for_update=True)
        merged = supplemented(dossier, data)
        if dossier.definition_id != definition.id or merged != checked:
            raise ConcurrentModificationError(
                f"dossier {code} was changed by someone else at the same time; reload and try again"
            )
        model = model_of(definition)
        live = load_for_step(ctx, uow, dossier, definition, now)
        outcome = live.workflow.deliver_message(SUPPLEMENT_MESSAGE, {"submission": merged})
        events.record_for_dossier(
            uow,
            dossier,
            type="supplement_submitted",
            actor=actor,
            now=now,
            payload={"data": dict(data), **on_behalf_of(dossier, on_behalf)},
        )
        dossier.submission = merged
        apply_step(
            uow,
            dossier=dossier,
            model=model,
            workflow=live.workflow,
            outcome=outcome,
            actor=actor,
            now=now,
            calendar=live.calendar,
        )
        uow.flush()
        detail = dossier_detail(uow, dossier)
        uow.commit()
    return detail


def _waiting_for_supplement(
    uow: UnitOfWork, actor: Actor, code: str, *, for_update: bool
) -> tuple[Dossier, bool]:
    """The dossier, if it waits for a supplement that `actor` may hand in; and whether the actor
    is reception acting for an applicant without an account (R-2.8)."""
    dossier = uow.dossiers.by_code(code, for_update=for_update)
    if dossier is None:
        raise NotFoundError(f"no dossier {code}")
    on_behalf = ensure_can_act_for_applicant(actor, dossier.unit_code, dossier.owner_user_id)
    if dossier.status != DossierStatus.SUPPLEMENT_REQUESTED:
        raise InvalidStateError(
            f"dossier {code} is '{DossierStatus(dossier.status).label}', "
            "not waiting for a supplement"
        )
    return dossier, on_behalf


def on_behalf_of(dossier: Dossier, on_behalf: bool) -> dict[str, Any]:
    """What an event of an applicant's act adds when reception acted for the applicant."""
    if not on_behalf:
        return {}
    applicant = dossier.applicant
    return {
        "on_behalf_of": {
            "full_name": applicant.get("full_name"),
            "id_number": applicant.get("id_number"),
            "channel": CHANNEL_NAMES[dossier.channel],
        }
    }


def new_dossier(
    *,
    code: str,
    definition: Definition,
    unit: str,
    owner_user_id: int | None,
    applicant: dict[str, Any],
    submission: dict[str, Any],
    channel: str,
    return_channel: str,
    now: datetime,
) -> Dossier:
    """A dossier as submitted (status 1), before its procedure has run a step."""
    return Dossier(
        code=code,
        procedure_key=definition.key,
        definition_id=definition.id,
        unit_code=unit,
        owner_user_id=owner_user_id,
        applicant=applicant,
        channel=CHANNEL_CODES[channel],
        return_channel=CHANNEL_CODES[return_channel],
        submission=submission,
        data={},
        status=int(DossierStatus.SUBMITTED),
        status_changed_at=now,
        submitted_at=now,
        state="",
        updated_at=now,
    )


def process_input(dossier: Dossier) -> dict[str, Any]:
    """What the procedure's process starts with (replay starts it with the same)."""
    return {
        "dossier_code": dossier.code,
        "procedure": dossier.procedure_key,
        "unit": dossier.unit_code,
        "channel": CHANNEL_NAMES[dossier.channel],
        "applicant": dict(dossier.applicant),
        "submission": dict(dossier.submission),
    }


def supplemented(dossier: Dossier, data: Mapping[str, Any]) -> dict[str, Any]:
    """The submission with the applicant's supplement applied over it."""
    return {**dossier.submission, **dict(data)}


def _applicant_errors(applicant: Applicant) -> list[FieldError]:
    errors = []
    if len(applicant.full_name.strip()) < 2:
        errors.append(FieldError("applicant.full_name", "the applicant's full name is required"))
    if not ID_NUMBER_PATTERN.match(applicant.id_number):
        errors.append(
            FieldError("applicant.id_number", "8-12 digits or capital letters (CCCD, passport)")
        )
    if applicant.phone is not None and not PHONE_PATTERN.match(applicant.phone):
        errors.append(FieldError("applicant.phone", "a Vietnamese phone number, e.g. 0912345678"))
    if applicant.email is not None and not EMAIL_PATTERN.match(applicant.email):
        errors.append(FieldError("applicant.email", "not an e-mail address"))
    return errors


def _channel_errors(actor: Actor, command: SubmitDossier) -> list[FieldError]:
    errors = []
    if command.channel not in CHANNEL_CODES:
        errors.append(FieldError("channel", f"one of {sorted(CHANNEL_CODES)}"))
    elif actor.has(Role.CITIZEN) and command.channel != "online":
        errors.append(
            FieldError("channel", "a dossier submitted through the portal is an online dossier")
        )
    elif actor.has(Role.RECEPTION) and command.channel == "online":
        errors.append(
            FieldError(
                "channel",
                "reception registers dossiers handed in at the counter ('direct') or by post "
                "('postal'); an online dossier is submitted by the applicant's own account",
            )
        )
    if command.return_channel is not None and command.return_channel not in CHANNEL_CODES:
        errors.append(FieldError("return_channel", f"one of {sorted(CHANNEL_CODES)}"))
    return errors
