"""Messages to an account's own address (its confirmation link, a password reset link), written
to the mail setting's directory (`MOTCUA_MAIL_DIR`, development: var/mail/), as the outbox's
`mail` destination writes applicants' notifications (engine/peers/mail.py): an e-mail address
gets a `.eml` file, a phone number a `.sms.txt` file (the SMS gateway is not built yet).

They are written after the account's transaction commits (nothing outside the database is
called inside a transaction); the token in the link exists only in this message.
"""

from __future__ import annotations

import os
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

from engine.settings import Settings


class MailNotConfiguredError(Exception):
    """No `MOTCUA_MAIL_DIR`: links cannot be sent, so accounts cannot be opened online."""


def can_send(settings: Settings) -> bool:
    return settings.mail_dir is not None


def send(settings: Settings, *, to: str, subject: str, body: str, key: str, when: datetime) -> Path:
    """Write one message to `to` (an e-mail address or a phone number); returns its file."""
    directory = settings.mail_dir
    if directory is None:
        raise MailNotConfiguredError("MOTCUA_MAIL_DIR is not set")
    directory.mkdir(parents=True, exist_ok=True)
    if "@" in to:
        mail = EmailMessage()
        mail["From"] = settings.mail_from
        mail["To"] = to
        mail["Subject"] = subject
        mail["Date"] = format_datetime(when)
        mail["Message-ID"] = make_msgid(idstring=key)
        mail.set_content(body, charset="utf-8")
        content, target = bytes(mail), directory / f"{key}.eml"
    else:
        content = f"To: {to}\n\n{subject}\n{body}".encode()
        target = directory / f"{key}.sms.txt"
    partial = target.with_name(target.name + ".tmp")
    partial.write_bytes(content)
    os.replace(partial, target)  # whole or not at all
    return target
