"""Webhooks for other systems (docs/integration.md): each message is POSTed as JSON to its
endpoint, signed like the common webhook conventions:

    X-Motcua-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>." + body)>

with `X-Motcua-Delivery` (the idempotency key: the receiver drops a repeat) and
`X-Motcua-Event`. The host is resolved (bounded in time) and checked at every delivery, and the
connection goes to the address checked; redirects are not followed.
"""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import socket
import ssl
from collections.abc import Mapping
from typing import Any

from engine.clock import Clock
from engine.peers.addresses import AddressError, check_url, resolve
from engine.peers.base import DeliveryError, MappingError, Outbound, RejectedError
from engine.peers.http import MAX_ANSWER_BYTES, RETRYABLE_4XX

WEBHOOK = "webhook"
SIGNATURE_HEADER = "X-Motcua-Signature"
#: The snapshot's fields another system is told (not the applicant's name: it has no need).
DOSSIER_FIELDS = (
    "code",
    "procedure_key",
    "procedure_code",
    "procedure_name",
    "unit_code",
    "channel",
    "status",
    "submitted_at",
    "received_at",
    "due_at",
    "resolved_at",
    "finished_at",
)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The v1 signature: hex HMAC-SHA256 over `<timestamp>.<body>`."""
    signed = str(timestamp).encode("ascii") + b"." + body
    return hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def webhook_body(message: Outbound) -> dict[str, Any]:
    dossier = message.payload.get("dossier")
    if not isinstance(dossier, Mapping):
        raise MappingError("the message has no dossier snapshot")
    body: dict[str, Any] = {
        "id": message.key,
        "type": message.kind,
        "occurred_at": message.payload.get("occurred_at"),
        "dossier": {name: dossier.get(name) for name in DOSSIER_FIELDS},
    }
    if "document" in message.payload:
        body["document"] = message.payload["document"]
    return body


class WebhookPeer:
    """Every `webhook:<id>` destination; the message carries its endpoint."""

    name = WEBHOOK

    def __init__(self, clock: Clock, *, env: str, private_allowed: bool, timeout: float) -> None:
        self.clock = clock
        self.env = env
        #: Only a development or test deployment that opted in (Settings.webhook_private_allowed).
        self.private_allowed = private_allowed
        self.timeout = timeout

    def deliver(self, message: Outbound) -> None:
        endpoint = message.endpoint
        if endpoint is None:
            raise MappingError("the webhook is gone or its secret cannot be read")
        try:
            parts = check_url(endpoint.url, env=self.env)
            host = parts.hostname or ""
            port = parts.port or (443 if parts.scheme == "https" else 80)
            address = resolve(host, port, private_allowed=self.private_allowed)[0]
        except AddressError as exc:
            raise RejectedError(f"url: {exc}") from exc
        body = json.dumps(webhook_body(message), ensure_ascii=False, separators=(",", ":"))
        data = body.encode("utf-8")
        timestamp = int(self.clock.now().timestamp())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": "motcua-webhook/1",
            SIGNATURE_HEADER: f"t={timestamp},v1={signature(endpoint.secret, timestamp, data)}",
            "X-Motcua-Delivery": message.key,
            "X-Motcua-Event": message.kind,
        }
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        connection = _pinned(parts.scheme, host, port, str(address), self.timeout)
        try:
            connection.request("POST", path, body=data, headers=headers)
            response = connection.getresponse()
            answer = response.read(MAX_ANSWER_BYTES)
            status = response.status
        except TimeoutError as exc:
            raise DeliveryError(f"no answer within {self.timeout:g} s") from exc
        except (OSError, http.client.HTTPException) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise DeliveryError(f"unreachable: {type(exc).__name__}: {reason}") from exc
        finally:
            connection.close()
        if 200 <= status < 300:
            return
        detail = answer[:200].decode("utf-8", "replace").strip() or str(status)
        if 300 <= status < 400:
            raise RejectedError(f"HTTP {status}: redirects are not followed")
        if 400 <= status < 500 and status not in RETRYABLE_4XX:
            raise RejectedError(f"HTTP {status}: {detail}")
        raise DeliveryError(f"HTTP {status}: {detail}")

    def close(self) -> None:
        """One connection per delivery, closed after it: nothing held open."""


class _PinnedHttp(http.client.HTTPConnection):
    """Connects to the address that was checked, whatever the name resolves to now."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.address, self.port), self.timeout)


class _PinnedHttps(http.client.HTTPSConnection):
    """As `_PinnedHttp`, with TLS verified against the URL's host name."""

    def __init__(self, host: str, port: int, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.address = address
        self.tls = ssl.create_default_context()

    def connect(self) -> None:
        raw = socket.create_connection((self.address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(raw, server_hostname=self.host)


def _pinned(
    scheme: str, host: str, port: int, address: str, timeout: float
) -> http.client.HTTPConnection:
    kind = _PinnedHttps if scheme == "https" else _PinnedHttp
    return kind(host, port, address, timeout)
