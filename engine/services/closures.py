"""End a dossier before its result: the applicant withdraws it (status 7), a leader stops its
handling with Mẫu 05 (status 8) (docs/domain.md R-2.9).

Both close the dossier for good: the process is cancelled where it stands, its open steps and
timers close, and the dossier's deadline stops counting. Timers due before the request fire
first, as a step of their own, as for every act on a dossier.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from datetime import datetime
from typing import Final

from engine.context import EngineContext
from engine.errors import FieldError, InvalidStateError, NotFoundError, ValidationFailedError
from engine.event_types import DossierWithdrawn, HandlingStopped
from engine.results import DossierDetail
from engine.security.authz import Actor, ensure_can_act_for_applicant, ensure_can_stop_handling
from engine.services.supplements import applicant_of
from engine.statuses import DossierStatus
from engine.step import causes, live
from engine.transactions import conflicts_as_errors
from engine.views import dossier_detail
from storage.models import Dossier
from storage.uow import UnitOfWork

MAX_REASON = 2000
MAX_BASES = 10
MAX_BASIS = 500
#: Before the result: a dossier resolved (9) has its result, whatever remains is to return it.
WITHDRAWABLE: Final = frozenset(
    {
        DossierStatus.SUBMITTED,
        DossierStatus.ACCEPTED,
        DossierStatus.IN_PROCESS,
        DossierStatus.SUPPLEMENT_REQUESTED,
        DossierStatus.FINANCIAL_OBLIGATION,
    }
)
#: Handling stops only once it has begun: a dossier not yet received is refused (Mẫu 03).
STOPPABLE: Final = WITHDRAWABLE - {DossierStatus.SUBMITTED}


def withdraw_dossier(ctx: EngineContext, actor: Actor, code: str, reason: str) -> DossierDetail:
    """The applicant withdraws their dossier before its result (status 7).

    For a dossier without an applicant account (counter, postal), reception of its unit records
    the applicant's request for them (R-2.8): the event names the officer and `on_behalf_of`.

    Raises:
        ValidationFailedError: no reason, or a reason too long.
        PermissionDeniedError: not the applicant (nor reception acting for one without account).
        NotFoundError: no such dossier.
        InvalidStateError: the dossier already has its result or is closed.
    """
    reason = _reason(reason, "reason")
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        dossier = _dossier(uow, code)
        on_behalf = ensure_can_act_for_applicant(actor, dossier.unit_code, dossier.owner_user_id)
        withdrawn = DossierWithdrawn(reason=reason)
        if on_behalf:
            withdrawn["on_behalf_of"] = applicant_of(dossier)
        running = _running(ctx, uow, dossier, WITHDRAWABLE, "withdrawn", now)
        causes.withdraw(running, withdrawn, actor=actor, now=now)
        detail = dossier_detail(uow, dossier, [])
        uow.commit()
    return detail


def stop_handling(
    ctx: EngineContext, actor: Actor, code: str, reason: str, legal_basis: Sequence[str]
) -> DossierDetail:
    """A leader of the dossier's unit stops its handling (status 8) and Mẫu 05 is issued with
    the reason and its legal basis.

    Raises:
        ValidationFailedError: no reason or legal basis, or too long.
        PermissionDeniedError: not a leader of the dossier's unit.
        NotFoundError: no such dossier.
        InvalidStateError: the dossier is not being handled (not received yet, resolved, closed).
    """
    stopped = HandlingStopped(reason=_reason(reason, "reason"), legal_basis=_bases(legal_basis))
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        dossier = _dossier(uow, code)
        ensure_can_stop_handling(actor, dossier.unit_code)
        if dossier.received_at is None:  # e.g. waiting for a supplement reception asked for
            raise InvalidStateError(
                f"dossier {code} has not been received: reception refuses it (Mẫu 03), "
                "its handling cannot be stopped"
            )
        running = _running(ctx, uow, dossier, STOPPABLE, "stopped", now)
        causes.stop(running, stopped, actor=actor, now=now)
        detail = dossier_detail(uow, dossier, [])
        uow.commit()
    return detail


def _dossier(uow: UnitOfWork, code: str) -> Dossier:
    dossier = uow.dossiers.by_code(code, for_update=True)
    if dossier is None:
        raise NotFoundError(f"no dossier {code}")
    return dossier


def _running(
    ctx: EngineContext,
    uow: UnitOfWork,
    dossier: Dossier,
    allowed: frozenset[DossierStatus],
    what: str,
    now: datetime,
) -> causes.RunningDossier:
    """The dossier loaded for its last step, with the timers due by `now` fired; refused unless
    its status (after them) is one of `allowed`."""
    _ensure_status(dossier, allowed, what)
    definition = uow.definitions.get(dossier.definition_id)
    assert definition is not None  # a dossier's definition is never deleted
    loaded = live.load_for_step(ctx, uow, dossier, definition, now)
    _ensure_status(dossier, allowed, what)  # a timer may have ended it meanwhile
    return loaded.running


def _ensure_status(dossier: Dossier, allowed: frozenset[DossierStatus], what: str) -> None:
    status = DossierStatus(dossier.status)
    if status not in allowed:
        raise InvalidStateError(
            f"dossier {dossier.code} is '{status.label}' ({int(status)}) and cannot be {what}"
        )


def _visible(text: str) -> str:
    """`text` without control and invisible format characters (a zero-width space, a
    direction override), which would let an empty reason pass; line breaks and tabs stay."""
    kept = (c for c in text if c in "\n\t" or unicodedata.category(c) not in ("Cc", "Cf"))
    return "".join(kept).strip()


def _reason(text: str, field: str) -> str:
    reason = _visible(text)
    if not reason:
        raise ValidationFailedError("a reason is required", [FieldError(field, "required")])
    if len(reason) > MAX_REASON:
        raise ValidationFailedError(
            "the reason is too long", [FieldError(field, f"at most {MAX_REASON} characters")]
        )
    return reason


def _bases(items: Sequence[str]) -> list[str]:
    bases = [_visible(item) for item in items]
    errors = [
        FieldError(f"legal_basis.{index}", f"1 to {MAX_BASIS} characters")
        for index, item in enumerate(bases)
        if not 1 <= len(item) <= MAX_BASIS
    ]
    if not 1 <= len(bases) <= MAX_BASES:
        errors.append(
            FieldError("legal_basis", f"1 to {MAX_BASES} legal provisions the stop rests on")
        )
    if errors:
        raise ValidationFailedError("the legal basis of the stop is not valid", errors)
    return bases
