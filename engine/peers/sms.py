"""Notifications to the applicant by SMS through an HTTP gateway (docs/integration.md).

No gateway is standard: `JsonSmsGateway` POSTs `{"to", "text", "id"}` as JSON with
`Authorization: Bearer <MOTCUA_SMS_TOKEN>` and the idempotency key (`id`, also the
`Idempotency-Key` header), the shape most gateways take or a small relay can adapt; another
gateway is another class with `send(to, text, key)`. The text is the template's `SMS:` line, else
its subject (`mail_templates/`: one template for both channels), cut to two SMS.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from engine.notification_settings import SmsSettings
from engine.peers.base import Outbound
from engine.peers.http import HttpClient
from engine.peers.mail import TEMPLATES, render

SMS = "sms"
#: Two concatenated SMS of Vietnamese text (UCS-2: 67 characters each).
MAX_CHARS = 134


class SmsGateway(Protocol):
    def send(self, to: str, text: str, key: str) -> None: ...

    def close(self) -> None: ...


class JsonSmsGateway:
    def __init__(self, settings: SmsSettings) -> None:
        self.settings = settings
        self.http = HttpClient()

    def send(self, to: str, text: str, key: str) -> None:
        headers = {"Idempotency-Key": key}
        if self.settings.token:
            headers["Authorization"] = f"Bearer {self.settings.token}"
        self.http.post_json(
            self.settings.url,
            {"to": to, "text": text, "id": key},
            headers=headers,
            timeout=self.settings.timeout_seconds,
        )

    def close(self) -> None:
        self.http.close()


class SmsPeer:
    name = SMS

    def __init__(self, gateway: SmsGateway, templates: Path = TEMPLATES) -> None:
        self.gateway = gateway
        self.templates = templates

    def deliver(self, message: Outbound) -> None:
        if not message.phone:
            return  # no number, or the applicant did not choose SMS
        found = render(self.templates, message)
        if found is None:
            return
        text = found.sms if len(found.sms) <= MAX_CHARS else found.sms[: MAX_CHARS - 1] + "…"
        self.gateway.send(message.phone, text, message.key)

    def close(self) -> None:
        self.gateway.close()
