"""What every peer adapter is: a message to deliver, and the two ways a delivery fails."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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
    #: The applicant's e-mail address at delivery time (None: none given).
    email: str | None = None


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
