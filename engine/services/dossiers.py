"""Submit a dossier: the applicant's (or reception's, at the counter) first step; its
supplements are engine.services.supplements."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine import submission_keys
from engine.applicants import APPLICANT_EMPLOYER, APPLICANT_KINDS, APPLICANT_PERSON
from engine.context import EngineContext
from engine.definitions.cache import model_of
from engine.dossier_files import attach_staged, lock_staged
from engine.errors import (
    ConcurrentModificationError,
    FieldError,
    ValidationFailedError,
)
from engine.event_types import DossierSubmitted
from engine.file_results import StagedFile
from engine.form_checks import raise_for_form
from engine.results import DossierDetail
from engine.security.authz import (
    Actor,
    Role,
    ensure_can_read_dossier,
    ensure_can_submit,
)
from engine.services.reads import log_read
from engine.step import causes, live
from engine.submission_keys import SubmissionKeyReusedError
from engine.transactions import conflicts_as_errors
from engine.uploads import FileStore
from engine.views import CHANNEL_CODES, dossier_detail
from storage.errors import DuplicateRecordError
from storage.models import Definition, Dossier, WorkItem
from storage.submission_keys import SubmissionKey
from storage.uow import UnitOfWork

ID_NUMBER_PATTERN = re.compile(r"^[0-9A-Z]{8,12}$")
PHONE_PATTERN = re.compile(r"^(\+84|0)[0-9]{9,10}$")
EMAIL_PATTERN = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{2,}$")
PERSON_NAME_MAX = 100
#: Mã số thuế: 10 digits for an enterprise, 10 + "-" + 3 for a branch (Circular 105/2020/TT-BTC).
TAX_CODE_PATTERN = re.compile(r"^[0-9]{10}(-[0-9]{3})?$")
#: Mã đơn vị: the code BHXH gives an employer when it first registers (letters and digits).
EMPLOYER_UNIT_CODE_PATTERN = re.compile(r"^[0-9A-Z]{5,15}$")


@dataclass(frozen=True, slots=True)
class Applicant:
    """Who submits: a person (the default) or an employer (`kind="employer"`) declaring for its
    employees. An employer's registered name is its `full_name`, so that everything printing or
    masking an applicant's name works for both; it has no `id_number` but a `tax_code`, its BHXH
    `unit_code` and a `contact_name`."""

    full_name: str
    id_number: str | None = None
    phone: str | None = None
    email: str | None = None
    address: str | None = None
    kind: str = APPLICANT_PERSON
    tax_code: str | None = None
    unit_code: str | None = None
    contact_name: str | None = None

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {
            "full_name": self.full_name,
            "id_number": self.id_number,
            "phone": self.phone,
            "email": self.email,
            "address": self.address,
        }
        if self.kind != APPLICANT_PERSON:  # a person's payload stays as it always was
            found |= {
                "kind": self.kind,
                "tax_code": self.tax_code,
                "unit_code": self.unit_code,
                "contact_name": self.contact_name,
            }
        return found


@dataclass(frozen=True, slots=True)
class SubmitDossier:
    procedure: str
    unit: str
    applicant: Applicant
    data: Mapping[str, Any] = field(default_factory=dict)
    channel: str = "online"
    return_channel: str | None = None
    #: Files the submitting account staged (the portal's steps, `staging.stage_upload`): they
    #: become the dossier's files in the submission's own transaction.
    files: tuple[StagedFile, ...] = ()
    #: The client's name for this submission (the portal's draft, the API's Idempotency-Key):
    #: sent again by the same account, it answers with the dossier it created, never a second
    #: one (engine.submission_keys).
    submission_key: str | None = None

    def content(self) -> dict[str, Any]:
        """What was submitted, as the submission key's request hash covers it."""
        return {
            "procedure": self.procedure,
            "unit": self.unit,
            "applicant": self.applicant.as_dict(),
            "data": dict(self.data),
            "channel": self.channel,
            "return_channel": self.return_channel,
            "files": [f.sha256 for f in self.files],
        }


@dataclass(frozen=True, slots=True)
class Submitted:
    dossier: DossierDetail
    #: False: the submission key had created `dossier` already; nothing was written.
    created: bool


def submit_dossier(ctx: EngineContext, actor: Actor, command: SubmitDossier) -> DossierDetail:
    """Register a dossier, give it its code and start its procedure (status 1); see
    `submit_dossier_once` for a command with a submission key."""
    return submit_dossier_once(ctx, actor, command).dossier


def submit_dossier_once(ctx: EngineContext, actor: Actor, command: SubmitDossier) -> Submitted:
    """Register a dossier, give it its code and start its procedure (status 1). With a
    submission key, once: the same account sending the same key again (a replayed page, a
    retried request, two at once) gets the dossier the key created.

    Raises:
        ValidationFailedError: unknown procedure or unit, bad applicant, data failing the form,
            a malformed key; SubmissionKeyReusedError: the key created a dossier from other data.
        StagedFileGoneError: a staged file's bytes are no longer stored (nothing is submitted).
        PermissionDeniedError: the actor may not submit for this unit.
    """
    submitted = _submit_once(ctx, actor, command)
    if not submitted.created:  # a replay answers with the dossier as it is now: a read
        log_read(ctx, actor, submitted.dossier.code, "dossier")
    return submitted


def _submit_once(ctx: EngineContext, actor: Actor, command: SubmitDossier) -> Submitted:
    key = None
    if command.submission_key is not None:
        key = submission_keys.scoped_key(actor, submission_keys.checked_key(command.submission_key))
        content_hash = submission_keys.request_hash(command.content())
        # Before anything is checked: a replay answers even if the procedure changed since.
        with conflicts_as_errors(), ctx.uow(write=False) as uow:
            found = _submitted_before(uow, actor, key, content_hash)
        if found is not None:
            return Submitted(found, created=False)
    errors = _applicant_errors(command.applicant) + _channel_errors(actor, command)
    now = ctx.clock.now()
    for _attempt in range(3):
        checked_id = _checked_submission(ctx, actor, command, errors)
        try:
            with conflicts_as_errors(), ctx.uow() as uow:
                definition = uow.definitions.latest(command.procedure)
                if definition is None or definition.id != checked_id:
                    continue  # a new version was deployed meanwhile: check the data against it
                if key is not None:  # (SQLite) a writer just before this one used the key
                    found = _submitted_before(uow, actor, key, content_hash)
                    if found is not None:
                        return Submitted(found, created=False)
                dossier, open_items = _register(ctx, uow, actor, command, definition, now)
                if key is not None:
                    uow.submission_keys.add(
                        SubmissionKey(
                            key=key,
                            dossier_id=dossier.id,
                            request_hash=content_hash,
                            created_at=now,
                        )
                    )
                detail = dossier_detail(uow, dossier, open_items)
                uow.commit()
                return Submitted(detail, created=True)
        except DuplicateRecordError:
            # Two at once with one key: the unique key let one commit; answer with its dossier.
            if key is None:
                raise
            with conflicts_as_errors(), ctx.uow(write=False) as uow:
                found = _submitted_before(uow, actor, key, content_hash)
            if found is None:
                raise
            return Submitted(found, created=False)
    raise ConcurrentModificationError(
        "the procedure kept changing while the dossier was submitted; try again"
    )


def _submitted_before(
    uow: UnitOfWork, actor: Actor, key: str, content_hash: str
) -> DossierDetail | None:
    """The dossier `key` created, if any (SubmissionKeyReusedError if from other content)."""
    found = uow.submission_keys.find(key)
    if found is None:
        return None
    row, dossier = found
    if row.request_hash != content_hash:
        raise SubmissionKeyReusedError(dossier.code)
    ensure_can_read_dossier(actor, dossier.unit_code, dossier.owner_user_id)
    return dossier_detail(uow, dossier)


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
    if command.applicant.kind != model.applicant_kind:
        raise ValidationFailedError(
            "the dossier cannot be submitted",
            [_wrong_kind(model.name, model.applicant_kind)],
        )
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
) -> tuple[Dossier, list[WorkItem]]:
    """Register the checked dossier and run its first step, in the write transaction; the
    dossier and its open work items."""
    lock_staged(uow, FileStore(ctx.settings.files_dir), command.files, actor=actor)
    code = ctx.codes.next_code(uow, command.unit, now.astimezone(ctx.tz).date())
    submitted = DossierSubmitted(
        procedure=definition.key,
        definition_version=definition.version,
        definition_hash=definition.content_hash,
        unit=command.unit,
        applicant=command.applicant.as_dict(),
        data=dict(command.data),
        channel=command.channel,
        return_channel=command.return_channel or command.channel,
        owner_user_id=actor.user_id if actor.has(Role.CITIZEN) else None,
    )
    dossier = causes.new_dossier(code, definition, submitted, now)
    uow.dossiers.add(dossier)
    _, open_items = causes.submit(
        uow,
        dossier,
        submitted,
        live.setting(ctx, uow, dossier, definition, now),
        actor=actor,
        now=now,
    )
    attach_staged(uow, dossier, command.files, actor=actor, now=now)
    return dossier, open_items


def _wrong_kind(procedure_name: str, expected: str) -> FieldError:
    if expected == APPLICANT_EMPLOYER:
        message = (
            f"'{procedure_name}' is submitted by an employer: give applicant.kind 'employer' "
            "with its tax_code and unit_code"
        )
    else:
        message = f"'{procedure_name}' is submitted by a person: leave applicant.kind out"
    return FieldError("applicant.kind", message)


def _applicant_errors(applicant: Applicant) -> list[FieldError]:
    if applicant.kind not in APPLICANT_KINDS:
        return [FieldError("applicant.kind", f"one of {sorted(APPLICANT_KINDS)}")]
    if applicant.kind == APPLICANT_EMPLOYER:
        errors = _employer_errors(applicant)
    else:
        errors = _person_errors(applicant)
    if applicant.phone is not None and not PHONE_PATTERN.match(applicant.phone):
        errors.append(FieldError("applicant.phone", "a Vietnamese phone number, e.g. 0912345678"))
    if applicant.email is not None and not EMAIL_PATTERN.match(applicant.email):
        errors.append(FieldError("applicant.email", "not an e-mail address"))
    return errors


def _person_errors(applicant: Applicant) -> list[FieldError]:
    errors = []
    if len(applicant.full_name.strip()) < 2:
        errors.append(FieldError("applicant.full_name", "the applicant's full name is required"))
    elif len(applicant.full_name) > PERSON_NAME_MAX:  # an employer's registered name may be longer
        errors.append(FieldError("applicant.full_name", f"at most {PERSON_NAME_MAX} characters"))
    if applicant.id_number is None or not ID_NUMBER_PATTERN.match(applicant.id_number):
        errors.append(
            FieldError("applicant.id_number", "8-12 digits or capital letters (CCCD, passport)")
        )
    for name in ("tax_code", "unit_code", "contact_name"):
        if getattr(applicant, name) is not None:
            errors.append(
                FieldError(f"applicant.{name}", "only an employer (kind 'employer') has one")
            )
    return errors


def _employer_errors(applicant: Applicant) -> list[FieldError]:
    errors = []
    if len(applicant.full_name.strip()) < 2:
        errors.append(FieldError("applicant.full_name", "the employer's registered name"))
    if applicant.tax_code is None or not TAX_CODE_PATTERN.match(applicant.tax_code):
        errors.append(
            FieldError(
                "applicant.tax_code",
                "mã số thuế: 10 digits, or 10 digits, '-' and 3 digits for a branch",
            )
        )
    if applicant.unit_code is None or not EMPLOYER_UNIT_CODE_PATTERN.match(applicant.unit_code):
        errors.append(
            FieldError(
                "applicant.unit_code",
                "the employer's BHXH unit code: 5-15 capital letters or digits",
            )
        )
    if applicant.address is None or len(applicant.address.strip()) < 5:
        errors.append(FieldError("applicant.address", "the employer's address is required"))
    if applicant.contact_name is None or len(applicant.contact_name.strip()) < 2:
        errors.append(FieldError("applicant.contact_name", "the person to contact at the employer"))
    if applicant.id_number is not None:
        errors.append(
            FieldError("applicant.id_number", "an employer is identified by its tax_code")
        )
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
