"""Repositories of webhooks, notification choices and late acknowledgements (issue 18,
docs/integration.md). Repositories never commit; the unit of work does."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from storage.integration_models import LateAcknowledgement, NotificationChoice, Webhook
from storage.models import Dossier
from storage.outbox_models import OutboxMessage
from storage.report_projection import ReportDossier
from storage.reports import ReportScope
from storage.statuses import OutboxState

WEBHOOK_PREFIX = "webhook:"
ONLINE = 2


def webhook_destination(webhook_id: int) -> str:
    return f"{WEBHOOK_PREFIX}{webhook_id}"


class Webhooks:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._active: Sequence[Webhook] | None = None

    def add(self, webhook: Webhook) -> Webhook:
        self.session.add(webhook)
        self.session.flush()
        self._active = None
        return webhook

    def get(self, webhook_id: int) -> Webhook | None:
        return self.session.get(Webhook, webhook_id)

    def many(self, webhook_ids: Sequence[int]) -> dict[int, Webhook]:
        rows = self.session.scalars(select(Webhook).where(Webhook.id.in_(list(webhook_ids))))
        return {row.id: row for row in rows}

    def all(self) -> Sequence[Webhook]:
        return self.session.scalars(select(Webhook).order_by(Webhook.id)).all()

    def active(self) -> Sequence[Webhook]:
        """The active endpoints, read once per unit of work (a step may write many messages)."""
        if self._active is None:
            # no autoflush: a step asks in the middle of its changes, which flush in their order
            with self.session.no_autoflush:
                self._active = self.session.scalars(
                    select(Webhook).where(Webhook.active.is_(True)).order_by(Webhook.id)
                ).all()
        return self._active

    def remove(self, webhook: Webhook) -> None:
        """Delete the endpoint and its messages (its deliveries' history goes with it)."""
        self.session.execute(
            delete(OutboxMessage)
            .where(OutboxMessage.destination == webhook_destination(webhook.id))
            .execution_options(synchronize_session=False)
        )
        self.session.delete(webhook)
        self._active = None

    def park_pending(self, webhook_id: int, reason: str) -> int:
        """Park the endpoint's undelivered messages (it was disabled)."""
        rows = self.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.destination == webhook_destination(webhook_id),
                OutboxMessage.state == OutboxState.PENDING,
            )
        ).all()
        for row in rows:
            row.state, row.last_error = OutboxState.DEAD, reason
        return len(rows)

    def deliveries(
        self, webhook_id: int, *, offset: int, limit: int
    ) -> tuple[Sequence[OutboxMessage], int]:
        condition = OutboxMessage.destination == webhook_destination(webhook_id)
        total = self.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(condition)
        )
        rows = self.session.scalars(
            select(OutboxMessage)
            .where(condition)
            .order_by(OutboxMessage.id.desc())
            .offset(offset)
            .limit(limit)
        ).all()
        return rows, int(total or 0)


class NotificationChoices:
    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, user_id: int) -> NotificationChoice | None:
        return self.session.get(NotificationChoice, user_id)

    def put(self, choice: NotificationChoice) -> None:
        self.session.merge(choice)

    def of_dossiers(self, dossier_codes: Sequence[str]) -> dict[str, NotificationChoice]:
        """The owner's choice of each dossier filed from an account that made one."""
        if not dossier_codes:
            return {}
        rows = self.session.execute(
            select(Dossier.code, NotificationChoice)
            .join(NotificationChoice, NotificationChoice.user_id == Dossier.owner_user_id)
            .where(Dossier.code.in_(list(dossier_codes)))
        ).all()
        return {code: choice for code, choice in rows}  # noqa: C416 - rows are Row pairs


class Acknowledgements:
    """The 2-hour acknowledgement of online dossiers (R-2.4)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def unchecked_online(self, since: datetime, until: datetime) -> Sequence[Dossier]:
        """Online dossiers submitted in [since, until) not flagged yet."""
        flagged = select(LateAcknowledgement.dossier_code)
        return self.session.scalars(
            select(Dossier)
            .where(
                Dossier.channel == ONLINE,
                Dossier.submitted_at >= since,
                Dossier.submitted_at < until,
                Dossier.code.not_in(flagged),
            )
            .order_by(Dossier.submitted_at)
        ).all()

    def first_messages(
        self, dossier_codes: Sequence[str], destinations: Sequence[str]
    ) -> dict[str, list[OutboxMessage]]:
        """Each dossier's first message (its acknowledgement) to each of `destinations`."""
        found: dict[str, list[OutboxMessage]] = {code: [] for code in dossier_codes}
        if not dossier_codes or not destinations:
            return found
        first = (
            select(
                OutboxMessage.dossier_code,
                OutboxMessage.destination,
                func.min(OutboxMessage.seq).label("seq"),
            )
            .where(
                OutboxMessage.dossier_code.in_(list(dossier_codes)),
                OutboxMessage.destination.in_(list(destinations)),
            )
            .group_by(OutboxMessage.dossier_code, OutboxMessage.destination)
            .subquery()
        )
        rows = self.session.scalars(
            select(OutboxMessage).join(
                first,
                (first.c.dossier_code == OutboxMessage.dossier_code)
                & (first.c.destination == OutboxMessage.destination)
                & (first.c.seq == OutboxMessage.seq),
            )
        ).all()
        for row in rows:
            found[row.dossier_code].append(row)
        return found

    def flag(self, row: LateAcknowledgement) -> None:
        self.session.add(row)

    def late(
        self, since: datetime, until: datetime, unit_codes: Sequence[str] | None = None
    ) -> Sequence[LateAcknowledgement]:
        conditions = [
            LateAcknowledgement.submitted_at >= since,
            LateAcknowledgement.submitted_at < until,
        ]
        if unit_codes is not None:
            conditions.append(LateAcknowledgement.unit_code.in_(list(unit_codes)))
        return self.session.scalars(
            select(LateAcknowledgement)
            .where(*conditions)
            .order_by(LateAcknowledgement.submitted_at)
        ).all()

    def late_per_row(
        self, scope: ReportScope, first: datetime, close: datetime, cutoff: datetime
    ) -> dict[tuple[str, str], int]:
        """How many dossiers submitted in [first, close) were flagged before `cutoff`, per
        (unit, procedure) of the report's projection (the handling report's rows and scope)."""
        report = ReportDossier
        conditions = [
            LateAcknowledgement.submitted_at >= first,
            LateAcknowledgement.submitted_at < close,
            LateAcknowledgement.flagged_at < cutoff,
        ]
        if scope.units is not None:
            conditions.append(report.unit_code.in_(list(scope.units)))
        if scope.procedure is not None:
            conditions.append(report.procedure_key == scope.procedure)
        stmt = (
            select(report.unit_code, report.procedure_key, func.count())
            .select_from(LateAcknowledgement)
            .join(Dossier, Dossier.code == LateAcknowledgement.dossier_code)
            .join(report, report.dossier_id == Dossier.id)
            .where(*conditions)
            .group_by(report.unit_code, report.procedure_key)
        )
        return {(str(u), str(p)): int(n) for u, p, n in self.session.execute(stmt)}

    def count_flagged(self) -> int:
        return int(self.session.scalar(select(func.count()).select_from(LateAcknowledgement)) or 0)
