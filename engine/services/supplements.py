"""Supplement a dossier (Mẫu 02 asked for it, status 5): the applicant sends what reception asked
for, or reception hands it in for an applicant without an account (R-2.8)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.applicants import APPLICANT_EMPLOYER, kind_of
from engine.context import EngineContext
from engine.definitions.cache import model_of
from engine.errors import (
    ConcurrentModificationError,
    FieldError,
    InvalidStateError,
    NotFoundError,
    ValidationFailedError,
)
from engine.event_types import OnBehalfOf, SupplementSubmitted
from engine.form_checks import raise_for_form
from engine.form_conventions import ATTACHMENTS
from engine.results import DossierDetail
from engine.security.authz import Actor, ensure_can_act_for_applicant
from engine.statuses import DossierStatus
from engine.step import causes, live
from engine.transactions import conflicts_as_errors
from engine.views import CHANNEL_NAMES, dossier_detail
from storage.models import Dossier
from storage.uow import UnitOfWork


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
        checked = causes.supplemented(dossier, data)
        stored = {f.sha256 for f in uow.files.for_dossier(dossier.id)}
    raise_for_form(
        definition,
        model_of(definition).submission_form,
        checked,
        "the supplemented dossier does not match the form",
    )
    _raise_for_unknown_files(code, data, stored)
    with conflicts_as_errors(), ctx.uow() as uow:
        dossier, on_behalf = _waiting_for_supplement(uow, actor, code, for_update=True)
        merged = causes.supplemented(dossier, data)
        if dossier.definition_id != definition.id or merged != checked:
            raise ConcurrentModificationError(
                f"dossier {code} was changed by someone else at the same time; reload and try again"
            )
        causes.deliver_supplement(
            live.load_for_step(ctx, uow, dossier, definition, now).running,
            _supplement(dossier, data, on_behalf),
            actor=actor,
            now=now,
        )
        detail = dossier_detail(uow, dossier)
        uow.commit()
    return detail


def _raise_for_unknown_files(code: str, data: Mapping[str, Any], stored: set[str]) -> None:
    """Refuse an attachment naming a SHA-256 that is not a file of the dossier: the officer
    would see a file listed that was never handed in (files are stored before the supplement
    that lists them: `files.upload_file`, `POST /dossiers/{code}/files`). An entry without a
    SHA-256 is a paper the applicant names, and stays allowed; files are never removed, so a
    check before the write transaction stays true in it."""
    listed = data.get(ATTACHMENTS)
    if not isinstance(listed, list):
        return  # no list, or one the form refused already
    errors = [
        FieldError(
            f"data.{ATTACHMENTS}.{index}.sha256",
            f"no file with this SHA-256 was uploaded to dossier {code}: upload it first",
        )
        for index, entry in enumerate(listed)
        if isinstance(entry, Mapping)
        and entry.get("sha256") is not None
        and entry.get("sha256") not in stored
    ]
    if errors:
        raise ValidationFailedError("the supplement lists a file the dossier does not have", errors)


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


def _supplement(dossier: Dossier, data: Mapping[str, Any], on_behalf: bool) -> SupplementSubmitted:
    """The supplement's event: what was sent and, when reception acted for the applicant, for
    whom."""
    supplement = SupplementSubmitted(data=dict(data))
    if on_behalf:
        supplement["on_behalf_of"] = applicant_of(dossier)
    return supplement


def applicant_of(dossier: Dossier) -> OnBehalfOf:
    """Whom reception acts for on a dossier without an applicant account (R-2.8)."""
    found = OnBehalfOf(
        full_name=dossier.applicant.get("full_name"),
        id_number=dossier.applicant.get("id_number"),
        channel=CHANNEL_NAMES[dossier.channel],
    )
    if kind_of(dossier.applicant) == APPLICANT_EMPLOYER:
        found["tax_code"] = dossier.applicant.get("tax_code")
    return found
