"""The 2-hour acknowledgement of an online dossier (R-2.4, Decree 166; docs/integration.md).

The acknowledgement is the notification of status 1 (code, procedure, server time, files with
SHA-256), written to the outbox at submission for each of the applicant's channels (e-mail,
SMS). The active scheduler checks every minute the online dossiers submitted more than 2 hours
ago: one whose acknowledgement was not delivered within 2 hours on any channel (still pending,
parked, delivered late, or no channel configured at all) is flagged once, in
`late_acknowledgement`, with the reason, logged as a warning; the health check and the reports
count the flags (`engine.queries.acknowledgements`).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from engine.context import EngineContext, destinations
from engine.peers.mail import MAIL
from engine.peers.sms import SMS
from storage.integration_models import LateAcknowledgement
from storage.statuses import OutboxState

log = logging.getLogger("motcua.acknowledgements")
#: A dossier older than this is not checked any more (a scheduler down for longer than this
#: leaves its dossiers unflagged: the check is for the ordinary day, not an archive).
LOOKBACK = timedelta(days=7)
BATCH = 500


def check(ctx: EngineContext) -> int:
    """Flag the online dossiers whose acknowledgement is late; return how many were flagged."""
    now = ctx.clock.now()
    limit = timedelta(seconds=ctx.settings.notify.acknowledgement_seconds)
    channels = [name for name in destinations(ctx.settings) if name in (MAIL, SMS)]
    flagged = 0
    with ctx.uow() as uow:
        dossiers = uow.acknowledgements.unchecked_online(now - LOOKBACK, now - limit)[:BATCH]
        firsts = uow.acknowledgements.first_messages([d.code for d in dossiers], channels)
        for dossier in dossiers:
            deadline = dossier.submitted_at + limit
            messages = firsts[dossier.code]
            delivered = [m.delivered_at for m in messages if m.delivered_at is not None]
            if any(moment <= deadline for moment in delivered):
                continue
            if not channels:
                reason = "no notification channel is configured (MOTCUA_MAIL_DIR, SMTP, SMS)"
            elif not messages:
                reason = "no acknowledgement was written"
            elif delivered:
                reason = "delivered late"
            else:
                states = sorted({m.state for m in messages})
                reason = "not delivered: " + ", ".join(states)
                if OutboxState.DEAD in states:
                    reason += " (see GET /api/v1/admin/outbox?state=dead)"
            uow.acknowledgements.flag(
                LateAcknowledgement(
                    dossier_code=dossier.code,
                    unit_code=dossier.unit_code,
                    submitted_at=dossier.submitted_at,
                    flagged_at=now,
                    delivered_at=min(delivered) if delivered else None,
                    reason=reason,
                )
            )
            log.warning(
                "dossier %s: acknowledgement not delivered within %s: %s",
                dossier.code,
                limit,
                reason,
            )
            flagged += 1
        uow.commit()
    return flagged
