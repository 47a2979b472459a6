"""Late acknowledgements of online dossiers (R-2.4) in a period, for the reports and the
administrators (docs/integration.md). The scheduler's check writes them
(`engine.services.acknowledgements`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from engine.context import EngineContext


@dataclass(frozen=True, slots=True)
class LateAcknowledgementView:
    dossier_code: str
    unit_code: str
    submitted_at: datetime
    flagged_at: datetime
    #: When it was delivered after all (None: not when it was flagged).
    delivered_at: datetime | None
    reason: str


def late_acknowledgements(
    ctx: EngineContext,
    since: datetime,
    until: datetime,
    unit_codes: Sequence[str] | None = None,
) -> list[LateAcknowledgementView]:
    """Online dossiers submitted in [since, until) (of `unit_codes`, else all) whose
    acknowledgement was not delivered within 2 hours, oldest first."""
    with ctx.uow(write=False) as uow:
        return [
            LateAcknowledgementView(
                row.dossier_code,
                row.unit_code,
                row.submitted_at,
                row.flagged_at,
                row.delivered_at,
                row.reason,
            )
            for row in uow.acknowledgements.late(since, until, unit_codes)
        ]


def count_late_acknowledgements(
    ctx: EngineContext,
    since: datetime,
    until: datetime,
    unit_codes: Sequence[str] | None = None,
) -> int:
    """How many: the figure the reports use."""
    return len(late_acknowledgements(ctx, since, until, unit_codes))
