"""Notifications to the applicant by e-mail, in Vietnamese (docs/integration.md): a development
sink that writes each message as an `.eml` file (`MOTCUA_MAIL_DIR`, e.g. var/mail/).

One template per status the applicant is told of (`mail_templates/status_<n>.txt`: a `Subject:`
line, then the body, `$placeholders` as below). A status without a template (4, in process),
a document issued, or a dossier whose applicant gave no e-mail address sends nothing: the message
counts as delivered. The file is named after the idempotency key, so a repeat overwrites the
same file with the same content: an applicant gets each notification once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from string import Template
from typing import Any
from zoneinfo import ZoneInfo

from engine.outbound import STATUS_CHANGED
from engine.peers.base import MappingError, Outbound
from engine.statuses import DossierStatus

MAIL = "mail"
TEMPLATES = Path(__file__).parent / "mail_templates"
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DISPLAY_FORMAT = "%H:%M ngày %d/%m/%Y"


class MailPeer:
    name = MAIL

    def __init__(self, directory: Path, sender: str, templates: Path = TEMPLATES) -> None:
        self.directory = directory
        self.sender = sender
        self.templates = templates

    def deliver(self, message: Outbound) -> None:
        mail = self.compose(message)
        if mail is None:
            return
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / (message.key.replace(":", "_") + ".eml")
        partial = target.with_suffix(".eml.tmp")
        partial.write_bytes(bytes(mail))
        os.replace(partial, target)  # whole or not at all

    def close(self) -> None:
        """Nothing held open."""

    def compose(self, message: Outbound) -> EmailMessage | None:
        """The e-mail for `message`, or None when there is nothing to tell or nobody to tell."""
        if message.kind != STATUS_CHANGED or not message.email:
            return None
        dossier = message.payload.get("dossier")
        if not isinstance(dossier, Mapping):
            raise MappingError("the message has no dossier snapshot")
        template = self.templates / f"status_{dossier.get('status')}.txt"
        if not template.is_file():
            return None
        subject_line, _, body = template.read_text(encoding="utf-8").partition("\n")
        if not subject_line.startswith("Subject:"):
            raise MappingError(f"{template.name} does not start with a Subject: line")
        values = placeholders(dossier)
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = message.email
        mail["Subject"] = Template(subject_line.removeprefix("Subject:").strip()).safe_substitute(
            values
        )
        occurred = message.payload.get("occurred_at")  # the change's time (no clock read here)
        if isinstance(occurred, str):
            mail["Date"] = format_datetime(datetime.fromisoformat(occurred).astimezone(LOCAL_TZ))
        mail["Message-ID"] = make_msgid(idstring=message.key.replace(":", "."))
        mail["X-Motcua-Key"] = message.key
        mail.set_content(Template(body.lstrip("\n")).safe_substitute(values), charset="utf-8")
        return mail


def placeholders(dossier: Mapping[str, Any]) -> dict[str, str]:
    """What a template may name: $ma_ho_so, $chu_ho_so, $thu_tuc, $trang_thai, $don_vi,
    $ngay_nop, $ngay_tiep_nhan, $ngay_hen_tra, $ngay_tra (times in Hanoi time)."""
    status = dossier.get("status")
    label = DossierStatus(status).label if status in set(DossierStatus) else str(status)
    return {
        "ma_ho_so": str(dossier.get("code") or ""),
        "chu_ho_so": str(dossier.get("applicant_name") or "Ông/Bà"),
        "thu_tuc": str(dossier.get("procedure_name") or dossier.get("procedure_key") or ""),
        "trang_thai": label,
        "don_vi": str(dossier.get("unit_code") or ""),
        "ngay_nop": _display(dossier.get("submitted_at")),
        "ngay_tiep_nhan": _display(dossier.get("received_at")),
        "ngay_hen_tra": _display(dossier.get("due_at")),
        "ngay_tra": _display(dossier.get("finished_at")),
    }


def _display(value: Any) -> str:
    if not value:
        return "(chưa có)"
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise MappingError(f"{value!r} is not a time") from None
    return moment.astimezone(LOCAL_TZ).strftime(DISPLAY_FORMAT)
