"""The outbox: messages to other systems, added in the transaction of the change they report
(docs/integration.md). Repositories never commit; the unit of work does."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, select
from sqlalchemy.orm import Session, aliased

from storage.integration import Webhooks, webhook_destination
from storage.models import Dossier, DossierFile
from storage.outbox_models import OutboxMessage, SchedulerHeartbeat
from storage.record_models import Document
from storage.statuses import OutboxState

_Earlier = aliased(OutboxMessage)


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    pending: int
    dead: int
    #: When the oldest pending message was written (None: nothing pending).
    oldest_pending_at: datetime | None


class Outbox:
    """`destinations`: where every message goes (one row each); none configured, none written.
    Each active webhook whose filter matches the message gets one more row (`webhook:<id>`)."""

    def __init__(
        self, session: Session, destinations: tuple[str, ...], webhooks: Webhooks | None = None
    ) -> None:
        self.session = session
        self.destinations = destinations
        self.webhooks = webhooks

    def add(
        self, *, kind: str, dossier_code: str, seq: int, payload: dict[str, Any], now: datetime
    ) -> None:
        for destination in self.destinations + self._webhooks_for(kind, payload):
            self.session.add(
                OutboxMessage(
                    destination=destination,
                    key=f"{dossier_code}:{seq}",
                    dossier_code=dossier_code,
                    seq=seq,
                    kind=kind,
                    payload=payload,
                    state=OutboxState.PENDING,
                    attempts=0,
                    created_at=now,
                    next_attempt_at=now,
                )
            )

    def _webhooks_for(self, kind: str, payload: dict[str, Any]) -> tuple[str, ...]:
        if self.webhooks is None:
            return ()
        dossier = payload.get("dossier")
        status = dossier.get("status") if isinstance(dossier, dict) else None
        return tuple(
            webhook_destination(webhook.id)
            for webhook in self.webhooks.active()
            if kind in webhook.events
            and (kind != "status_changed" or not webhook.statuses or status in webhook.statuses)
        )

    def get(self, message_id: int) -> OutboxMessage | None:
        return self.session.get(OutboxMessage, message_id)

    def many(self, message_ids: Sequence[int]) -> dict[int, OutboxMessage]:
        rows = self.session.scalars(
            select(OutboxMessage).where(OutboxMessage.id.in_(list(message_ids)))
        ).all()
        return {row.id: row for row in rows}

    def due(self, now: datetime, limit: int) -> Sequence[OutboxMessage]:
        """Pending messages due by `now`, each the first undelivered one of its dossier at its
        destination (a later message waits for the earlier one, even a dead one), oldest first."""
        earlier_undelivered = exists().where(
            _Earlier.destination == OutboxMessage.destination,
            _Earlier.dossier_code == OutboxMessage.dossier_code,
            _Earlier.seq < OutboxMessage.seq,
            _Earlier.state != OutboxState.DELIVERED,
        )
        query = (
            select(OutboxMessage)
            .where(
                OutboxMessage.state == OutboxState.PENDING,
                OutboxMessage.next_attempt_at <= now,
                ~earlier_undelivered,
            )
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(limit)
        )
        return self.session.scalars(query).all()

    def file_hashes(self, dossier_codes: Sequence[str]) -> dict[str, list[tuple[str, str]]]:
        """The uploaded files (name, SHA-256) of each dossier, in upload order."""
        found: dict[str, list[tuple[str, str]]] = {code: [] for code in dossier_codes}
        if not dossier_codes:
            return found
        rows = self.session.execute(
            select(Dossier.code, DossierFile.name, DossierFile.sha256)
            .join(DossierFile, DossierFile.dossier_id == Dossier.id)
            .where(Dossier.code.in_(list(dossier_codes)))
            .order_by(DossierFile.uploaded_at, DossierFile.id)
        ).all()
        for code, name, sha256 in rows:
            found[code].append((name, sha256))
        return found

    def documents(
        self, dossier_codes: Sequence[str], forms: Sequence[str]
    ) -> dict[str, list[Document]]:
        """The dossiers' documents of `forms`, oldest first (notifications); their PDFs are not
        loaded (`pdfs`): most notifications only quote a document's data."""
        found: dict[str, list[Document]] = {code: [] for code in dossier_codes}
        if not dossier_codes:
            return found
        rows = self.session.execute(
            select(Dossier.code, Document)
            .join(Document, Document.dossier_id == Dossier.id)
            .where(Dossier.code.in_(list(dossier_codes)), Document.form.in_(list(forms)))
            .order_by(Document.issued_at, Document.id)
        ).all()
        for code, document in rows:
            found[code].append(document)
        return found

    def pdfs(self, document_ids: Sequence[int]) -> dict[int, bytes | None]:
        """The signed PDFs of these documents, by id."""
        if not document_ids:
            return {}
        rows = self.session.execute(
            select(Document.id, Document.pdf).where(Document.id.in_(list(document_ids)))
        ).all()
        return {row.id: row.pdf for row in rows}

    def contacts(self, dossier_codes: Sequence[str]) -> dict[str, tuple[str | None, str | None]]:
        """The applicant's e-mail address and phone number of each dossier (None: none given)."""
        if not dossier_codes:
            return {}
        rows = self.session.execute(
            select(Dossier.code, Dossier.applicant).where(Dossier.code.in_(list(dossier_codes)))
        ).all()
        found: dict[str, tuple[str | None, str | None]] = dict.fromkeys(dossier_codes, (None, None))
        for code, applicant in rows:
            found[code] = (_text(applicant, "email"), _text(applicant, "phone"))
        return found

    def page(
        self,
        *,
        state: str | None,
        destination: str | None,
        dossier_code: str | None,
        offset: int,
        limit: int,
    ) -> tuple[Sequence[OutboxMessage], int]:
        conditions = []
        if state is not None:
            conditions.append(OutboxMessage.state == state)
        if destination is not None:
            conditions.append(OutboxMessage.destination == destination)
        if dossier_code is not None:
            conditions.append(OutboxMessage.dossier_code == dossier_code)
        total = self.session.scalar(
            select(func.count()).select_from(OutboxMessage).where(*conditions)
        )
        rows = self.session.scalars(
            select(OutboxMessage)
            .where(*conditions)
            .order_by(OutboxMessage.id.desc())
            .offset(offset)
            .limit(limit)
        ).all()
        return rows, int(total or 0)

    def counts(self) -> OutboxCounts:
        """Pending and dead messages (the state index answers it; delivered ones, which pile
        up until purged, are not counted) and the oldest pending one's time."""
        by_state = dict(
            self.session.execute(
                select(OutboxMessage.state, func.count())
                .where(OutboxMessage.state.in_([OutboxState.PENDING, OutboxState.DEAD]))
                .group_by(OutboxMessage.state)
            ).all()
        )
        oldest = self.session.scalar(
            select(func.min(OutboxMessage.created_at)).where(
                OutboxMessage.state == OutboxState.PENDING
            )
        )
        return OutboxCounts(
            pending=int(by_state.get(OutboxState.PENDING, 0)),
            dead=int(by_state.get(OutboxState.DEAD, 0)),
            oldest_pending_at=oldest,
        )

    def purge_delivered(self, before: datetime) -> int:
        """Delete delivered messages delivered before `before`; return how many."""
        result = self.session.execute(
            delete(OutboxMessage)
            .where(
                OutboxMessage.state == OutboxState.DELIVERED,
                OutboxMessage.delivered_at < before,
            )
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)


def _text(applicant: dict[str, Any] | None, name: str) -> str | None:
    value = (applicant or {}).get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


class Heartbeats:
    def __init__(self, session: Session) -> None:
        self.session = session

    def beat(self, name: str, holder: str, now: datetime) -> None:
        row = self.session.get(SchedulerHeartbeat, name)
        if row is None:
            self.session.add(SchedulerHeartbeat(name=name, holder=holder, beat_at=now))
        else:
            row.holder, row.beat_at = holder, now

    def get(self, name: str) -> SchedulerHeartbeat | None:
        return self.session.get(SchedulerHeartbeat, name)
