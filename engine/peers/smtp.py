"""Sending the applicant's e-mails by SMTP (stdlib smtplib; `MOTCUA_SMTP_*`,
docs/configuration.md). One connection per delivery thread, kept open between messages and
opened again after a failure. A refused recipient is final (parked); a server that cannot be
reached or answers 4xx is retried with the outbox's back-off."""

from __future__ import annotations

import smtplib
import ssl
import threading
from email.message import EmailMessage

from engine.notification_settings import SmtpSettings
from engine.peers.base import DeliveryError, RejectedError


class SmtpTransport:
    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._local = threading.local()
        self._guard = threading.Lock()
        self._open: list[smtplib.SMTP] = []

    def send(self, key: str, mail: EmailMessage) -> None:
        try:
            client = self._client()
            client.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            self._drop()
            codes = {code for code, _ in exc.recipients.values()}
            if all(500 <= code < 600 for code in codes):
                raise RejectedError(f"SMTP refused the recipient: {sorted(codes)}") from exc
            raise DeliveryError(f"SMTP refused the recipient for now: {sorted(codes)}") from exc
        except smtplib.SMTPResponseException as exc:
            self._drop()
            detail = f"SMTP {exc.smtp_code}: {exc.smtp_error[:200]!r}"
            if 500 <= exc.smtp_code < 600 and exc.smtp_code != 554:
                raise RejectedError(detail) from exc
            raise DeliveryError(detail) from exc
        except (OSError, smtplib.SMTPException) as exc:
            self._drop()
            raise DeliveryError(f"SMTP unreachable: {type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        with self._guard:
            clients, self._open = self._open, []
        for client in clients:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                client.close()
        self._local = threading.local()

    def _client(self) -> smtplib.SMTP:
        client: smtplib.SMTP | None = getattr(self._local, "client", None)
        if client is not None:
            return client
        settings = self.settings
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
        if settings.starttls:
            client.starttls(context=ssl.create_default_context())
        if settings.user:
            client.login(settings.user, settings.password or "")
        self._local.client = client
        with self._guard:
            self._open.append(client)
        return client

    def _drop(self) -> None:
        client: smtplib.SMTP | None = getattr(self._local, "client", None)
        self._local.client = None
        if client is None:
            return
        client.close()
        with self._guard:
            if client in self._open:
                self._open.remove(client)
