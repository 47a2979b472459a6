"""Messages to an account's own address (its confirmation link, a password reset link), sent by
the transports that carry applicants' notifications (docs/configuration.md):

- an e-mail address: by SMTP when `MOTCUA_SMTP_HOST` is set (`engine.peers.smtp`), else written
  as a `.eml` file to `MOTCUA_MAIL_DIR` (development: var/mail/), as `engine.peers.mail` does;
- a phone number: by the SMS gateway when `MOTCUA_SMS_URL` is set (`engine.peers.sms`), else
  written as a `.sms.txt` file to `MOTCUA_MAIL_DIR`.

Unlike notifications they do not go through the outbox: the link's token exists only in this
message (the database keeps its hash), so it is sent once, by the request, after the account's
transaction commits (nothing outside the database is called inside a transaction), with the
transports' own timeouts. A failure is `SendFailedError`; the caller says "try again later".
"""

from __future__ import annotations

import os
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from engine.peers.base import DeliveryError, RejectedError
from engine.peers.mail import MAIL_POLICY, DirectorySink
from engine.peers.sms import JsonSmsGateway
from engine.peers.smtp import SmtpTransport
from engine.settings import Settings


class MailNotConfiguredError(Exception):
    """No transport for the address's channel: links cannot be sent, so accounts cannot be
    opened (or passwords reset) online with it."""


class SendFailedError(Exception):
    """The transport failed (SMTP or the gateway unreachable, refusing, too slow): the message
    was not sent. The text names the transport's reason, never the token."""


def is_phone(to: str) -> bool:
    """An account name is an e-mail address (it has an @) or a phone number."""
    return "@" not in to


def can_send(settings: Settings, to: str) -> bool:
    """Whether a message to `to` has a transport: SMTP or the directory for an e-mail address,
    the SMS gateway or the directory for a phone number."""
    channel = settings.notify.sms if is_phone(to) else settings.notify.smtp
    return channel is not None or settings.mail_dir is not None


def send(
    settings: Settings, *, to: str, subject: str, body: str, sms: str, key: str, when: datetime
) -> None:
    """Send one message to `to`: an e-mail (`subject`, `body`) or an SMS (`sms`).

    Raises:
        MailNotConfiguredError: no transport for `to`'s channel.
        SendFailedError: the transport failed.
    """
    try:
        if is_phone(to):
            _send_sms(settings, to, sms, key)
        else:
            _send_mail(settings, _compose(settings, to, subject, body, key, when), key)
    except (DeliveryError, RejectedError, OSError) as exc:
        raise SendFailedError(f"{type(exc).__name__}: {exc}") from exc


def _compose(
    settings: Settings, to: str, subject: str, body: str, key: str, when: datetime
) -> EmailMessage:
    mail = EmailMessage(policy=MAIL_POLICY)
    mail["From"] = settings.mail_from
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = format_datetime(when)
    mail["Message-ID"] = make_msgid(idstring=key)
    mail.set_content(body, charset="utf-8")
    return mail


def _send_mail(settings: Settings, mail: EmailMessage, key: str) -> None:
    smtp = settings.notify.smtp
    if smtp is not None:
        # One connection per message: a web worker sends too rarely to keep one open.
        transport = SmtpTransport(smtp)
        try:
            transport.send(key, mail)
        finally:
            transport.close()
    elif settings.mail_dir is not None:
        DirectorySink(settings.mail_dir).send(key, mail)
    else:
        raise MailNotConfiguredError("neither MOTCUA_SMTP_HOST nor MOTCUA_MAIL_DIR is set")


def _send_sms(settings: Settings, to: str, text: str, key: str) -> None:
    sms = settings.notify.sms
    if sms is not None:
        gateway = JsonSmsGateway(sms)
        try:
            gateway.send(to, text, key)
        finally:
            gateway.close()
    elif settings.mail_dir is not None:
        settings.mail_dir.mkdir(parents=True, exist_ok=True)
        target = settings.mail_dir / f"{key}.sms.txt"
        partial = target.with_name(target.name + ".tmp")
        partial.write_bytes(f"To: {to}\n\n{text}\n".encode())
        os.replace(partial, target)  # whole or not at all
    else:
        raise MailNotConfiguredError("neither MOTCUA_SMS_URL nor MOTCUA_MAIL_DIR is set")
