"""What every peer adapter is: a message to deliver, and the two ways a delivery fails."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Outbound:
    """One outbox message as an adapter sees it."""

    id: int
    key: str
    kind: str
    payload: Mapping[str, Any]
    #: The dossier's uploaded files at delivery time: (name, SHA-256).
    files: Sequence[tuple[str, str]] = ()
    #: The applicant's e-mail address at delivery time (None: none given, or not chosen).
    email: str | None = None
    #: The applicant's phone number for SMS at delivery time (None: none, or not chosen).
    phone: str | None = None
    #: A webhook message's endpoint (None: not a webhook, or the endpoint is gone).
    endpoint: WebhookEndpoint | None = None
    #: The dossier's documents a notification may quote or attach (Mẫu 01-04), oldest first.
    documents: Sequence[IssuedDocument] = ()


@dataclass(frozen=True, slots=True)
class IssuedDocument:
    """A document of record as a notification uses it: its data, and its signed PDF."""

    form: str
    number: str | None
    sha256: str
    issued_at: datetime
    data: Mapping[str, Any]
    pdf: bytes | None
    #: The stored document's id (None: not stored), to load its PDF when a mail attaches it.
    document_id: int | None = None


@dataclass(frozen=True, slots=True)
class WebhookEndpoint:
    """Where a webhook message goes and the secret it is signed with (unsealed)."""

    id: int
    url: str
    secret: str


class MappingError(Exception):
    """The message cannot be put in the peer's format: retrying cannot help, it is parked."""


class RejectedError(Exception):
    """The peer refused the message for good (a 4xx other than 408/429): it is parked."""


class DeliveryError(Exception):
    """The peer could not be reached or failed for now (timeout, 5xx): retried later."""


class Peer(Protocol):
    name: str

    def deliver(self, message: Outbound) -> None:
        """Deliver or raise one of the errors above; a 2xx (or 409: the key is known) is done."""
        ...

    def close(self) -> None:
        """Close its connections (the dispatcher stops)."""
        ...
