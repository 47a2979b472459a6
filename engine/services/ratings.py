"""The applicant's satisfaction rating (docs/domain.md R-2.7; docs/reports.md): after the result
was returned, each criterion (overall, convenience, timeliness, staff attitude) is rated once,
very satisfied / satisfied / not satisfied, with an optional comment. For a dossier without an
applicant account reception records the applicant's rating for them (R-2.8). The rating is an
event on the dossier's chain; it changes no step."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

from engine import events
from engine.context import EngineContext
from engine.errors import FieldError, InvalidStateError, NotFoundError, ValidationFailedError
from engine.event_types import (
    SATISFACTION_CRITERIA,
    SATISFACTION_LEVELS,
    EventType,
    SatisfactionRated,
)
from engine.security.authz import Actor, ensure_can_act_for_applicant
from engine.services.supplements import applicant_of
from engine.statuses import DossierStatus
from engine.transactions import conflicts_as_errors

MAX_COMMENT = 2000


@dataclass(frozen=True, slots=True)
class Rating:
    code: str
    #: Every criterion rated so far (this act's and earlier ones).
    ratings: dict[str, str]


def rate_dossier(
    ctx: EngineContext,
    actor: Actor,
    code: str,
    ratings: Mapping[str, str],
    comment: str | None = None,
) -> Rating:
    """Record the applicant's rating of criteria not rated before.

    Raises:
        ValidationFailedError: no criterion, an unknown criterion or level, a comment too long.
        PermissionDeniedError: not the applicant (nor reception acting for one without account).
        NotFoundError: no such dossier.
        InvalidStateError: the result was not returned yet, or a criterion was rated before.
    """
    errors = [
        FieldError(f"ratings.{name}", f"one of {', '.join(SATISFACTION_CRITERIA)}")
        for name in ratings
        if name not in SATISFACTION_CRITERIA
    ] + [
        FieldError(f"ratings.{name}", f"one of {', '.join(SATISFACTION_LEVELS)}")
        for name, level in ratings.items()
        if name in SATISFACTION_CRITERIA and level not in SATISFACTION_LEVELS
    ]
    if not ratings:
        errors.append(FieldError("ratings", "rate at least one criterion"))
    text = (comment or "").strip()
    if len(text) > MAX_COMMENT:
        errors.append(FieldError("comment", f"at most {MAX_COMMENT} characters"))
    if errors:
        raise ValidationFailedError("the rating is not valid", errors)
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        dossier = uow.dossiers.by_code(code, for_update=True)
        if dossier is None:
            raise NotFoundError(f"no dossier {code}")
        on_behalf = ensure_can_act_for_applicant(actor, dossier.unit_code, dossier.owner_user_id)
        if dossier.status != DossierStatus.RETURNED:
            raise InvalidStateError("a dossier is rated after its result was returned")
        earlier: dict[str, str] = {}
        for event in uow.audit.dossier_events(dossier.id, EventType.SATISFACTION_RATED):
            earlier |= cast(SatisfactionRated, event.payload)["ratings"]
        again = sorted(set(ratings) & set(earlier))
        if again:
            raise InvalidStateError(f"already rated: {', '.join(again)} (once per criterion)")
        payload = SatisfactionRated(ratings=dict(ratings))
        if text:
            payload["comment"] = text
        if on_behalf:
            payload["on_behalf_of"] = applicant_of(dossier)
        events.record_for_dossier(
            uow, dossier, EventType.SATISFACTION_RATED, actor=actor, now=now, payload=payload
        )
        uow.commit()
    return Rating(code, earlier | dict(ratings))
