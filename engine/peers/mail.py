"""Notifications to the applicant by e-mail, in Vietnamese (docs/integration.md): sent by SMTP
(`MOTCUA_SMTP_HOST`, `engine.peers.smtp`) or, in development, written as `.eml` files
(`MOTCUA_MAIL_DIR`, e.g. var/mail/).

One template per notification (`mail_templates/`: `status_<n>.txt` for a status the applicant
is told of, `document_04.txt` for the apology and new date of Mẫu 04): a `Subject:` line, an
optional `SMS:` line (the SMS's text, `engine.peers.sms`; else the subject), then the body,
`$placeholders` as below. A status or document without a template, or a dossier whose applicant
gave (or chose) no e-mail address sends nothing: the message counts as delivered. Mẫu 01 is
attached to the acceptance, Mẫu 04 to the apology, when their PDFs exist. A file in the sink is
named after the idempotency key, so a repeat overwrites the same file with the same content: an
applicant gets each notification once.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from string import Template
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from engine.outbound import DOCUMENT_ISSUED, STATUS_CHANGED
from engine.peers.base import IssuedDocument, MappingError, Outbound
from engine.statuses import DossierStatus

MAIL = "mail"
TEMPLATES = Path(__file__).parent / "mail_templates"
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
DISPLAY_FORMAT = "%H:%M ngày %d/%m/%Y"
#: The forms a notification quotes (02 what to supply and why, 03 the refusal's reasons, 04 the
#: new date) or attaches (01 with the acceptance, 04 with the apology).
QUOTED_FORMS = ("01", "02", "03", "04")
#: Which document's PDF goes with which notification: (kind, status or form) -> form.
ATTACHED = {(STATUS_CHANGED, "2"): "01", (DOCUMENT_ISSUED, "04"): "04"}
NONE_YET = "(chưa có)"
#: Folding a Vietnamese subject at 78 characters splits it into encoded words and loses the
#: space between them ("giải quyếthồ sơ", a bug of the email package): fold only at RFC 5322's
#: hard limit, so a subject stays one encoded word.
MAIL_POLICY = policy.default.clone(max_line_length=998)


class MailTransport(Protocol):
    def send(self, key: str, mail: EmailMessage) -> None: ...

    def close(self) -> None: ...


class DirectorySink:
    """Development: each e-mail written whole as `<dossier code>_<event>.eml`."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def send(self, key: str, mail: EmailMessage) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        target = self.directory / (key.replace(":", "_") + ".eml")
        partial = target.with_suffix(".eml.tmp")
        partial.write_bytes(bytes(mail))
        os.replace(partial, target)  # whole or not at all

    def close(self) -> None:
        """Nothing held open."""


class MailPeer:
    name = MAIL

    def __init__(
        self, transport: MailTransport | Path, sender: str, templates: Path = TEMPLATES
    ) -> None:
        self.transport = DirectorySink(transport) if isinstance(transport, Path) else transport
        self.sender = sender
        self.templates = templates

    def deliver(self, message: Outbound) -> None:
        mail = self.compose(message)
        if mail is not None:
            self.transport.send(message.key, mail)

    def close(self) -> None:
        self.transport.close()

    def compose(self, message: Outbound) -> EmailMessage | None:
        """The e-mail for `message`, or None when there is nothing to tell or nobody to tell."""
        if not message.email:
            return None
        found = render(self.templates, message)
        if found is None:
            return None
        attachment = found.attachment
        mail = EmailMessage(policy=MAIL_POLICY)
        mail["From"] = self.sender
        mail["To"] = message.email
        mail["Subject"] = found.subject
        occurred = message.payload.get("occurred_at")  # the change's time (no clock read here)
        if isinstance(occurred, str):
            mail["Date"] = format_datetime(datetime.fromisoformat(occurred).astimezone(LOCAL_TZ))
        mail["Message-ID"] = make_msgid(idstring=message.key.replace(":", "."))
        mail["X-Motcua-Key"] = message.key
        mail.set_content(found.body, charset="utf-8")
        if attachment is not None and attachment.pdf is not None:
            name = f"{message.payload['dossier']['code']}-mau-{attachment.form}.pdf"
            mail.add_attachment(
                attachment.pdf, maintype="application", subtype="pdf", filename=name
            )
        return mail


def template_name(message: Outbound) -> tuple[str, str] | None:
    """(kind, status or form) of the notification `message` is, or None (nothing to tell)."""
    if message.kind == STATUS_CHANGED:
        dossier = message.payload.get("dossier")
        if not isinstance(dossier, Mapping):
            raise MappingError("the message has no dossier snapshot")
        return STATUS_CHANGED, str(dossier.get("status"))
    if message.kind == DOCUMENT_ISSUED:
        document = message.payload.get("document")
        if isinstance(document, Mapping):
            return DOCUMENT_ISSUED, str(document.get("form"))
    return None


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    body: str
    #: The template's `SMS:` line (else the subject): the text of the SMS.
    sms: str
    attachment: IssuedDocument | None


def render(templates: Path, message: Outbound) -> Rendered | None:
    """The notification `message` is, or None: no template for it."""
    which = template_name(message)
    if which is None:
        return None
    prefix = "status" if which[0] == STATUS_CHANGED else "document"
    template = templates / f"{prefix}_{which[1]}.txt"
    if not template.is_file():
        return None
    subject_line, _, body = template.read_text(encoding="utf-8").partition("\n")
    if not subject_line.startswith("Subject:"):
        raise MappingError(f"{template.name} does not start with a Subject: line")
    sms_line = ""
    if body.startswith("SMS:"):
        sms_line, _, body = body.partition("\n")
    dossier = message.payload.get("dossier")
    if not isinstance(dossier, Mapping):
        raise MappingError("the message has no dossier snapshot")
    occurred = str(message.payload.get("occurred_at") or "")
    values = {
        **placeholders(dossier),
        "tep_dinh_kem": _files(message.files),
        **_quoted(message.documents, occurred),
    }
    subject = Template(subject_line.removeprefix("Subject:").strip()).safe_substitute(values)
    sms = Template(sms_line.removeprefix("SMS:").strip()).safe_substitute(values) or subject
    text = Template(body.lstrip("\n")).safe_substitute(values)
    return Rendered(subject, text, sms, attachment_of(message))


def attachment_of(message: Outbound) -> IssuedDocument | None:
    """The document the mail of `message` attaches (Mẫu 01 on acceptance, Mẫu 04 with its
    apology), or None: the dispatcher loads only these PDFs."""
    which = template_name(message)
    attached = ATTACHED.get(which) if which is not None else None
    if attached is None:
        return None
    return _latest(message.documents, attached, str(message.payload.get("occurred_at") or ""))


def placeholders(dossier: Mapping[str, Any]) -> dict[str, str]:
    """What a template may name: $ma_ho_so, $chu_ho_so, $thu_tuc, $trang_thai, $don_vi,
    $ngay_nop, $ngay_tiep_nhan, $ngay_hen_tra, $ngay_tra (times in Hanoi time); with
    `render` also $tep_dinh_kem (files and SHA-256), $giay_to_bo_sung and $ly_do_bo_sung
    (Mẫu 02), $ly_do_tu_choi (Mẫu 03), $ngay_hen_moi, $ly_do_gia_han, $loi_xin_loi (Mẫu 04)."""
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


def _quoted(documents: Sequence[IssuedDocument], occurred: str) -> dict[str, str]:
    """What Mẫu 02, 03 and 04 say, from the latest of each issued by the change's time."""
    supplement = _latest(documents, "02", occurred)
    refusal = _latest(documents, "03", occurred)
    apology = _latest(documents, "04", occurred)
    items = supplement.data.get("items") if supplement else None
    reasons = refusal.data.get("reasons") if refusal else None
    return {
        "giay_to_bo_sung": _bullets(items) if isinstance(items, list) and items else NONE_YET,
        "ly_do_bo_sung": _text(supplement.data.get("reason") if supplement else None),
        "ly_do_tu_choi": _bullets(reasons) if isinstance(reasons, list) and reasons else NONE_YET,
        "ngay_hen_moi": _display(apology.data.get("new_due_at") if apology else None),
        "ngay_hen_cu": _display(apology.data.get("previous_due_at") if apology else None),
        "ly_do_gia_han": _text(apology.data.get("reason") if apology else None),
        "loi_xin_loi": str((apology.data.get("apology") if apology else None) or "").strip(),
    }


def _latest(documents: Sequence[IssuedDocument], form: str, occurred: str) -> IssuedDocument | None:
    """The latest document of `form` issued by the change (a later one is another change's)."""
    until = datetime.fromisoformat(occurred) if occurred else None
    found = None
    for document in documents:
        if document.form == form and (until is None or document.issued_at <= until):
            found = document
    return found


def _files(files: Sequence[tuple[str, str]]) -> str:
    if not files:
        return "(không có tệp đính kèm)"
    return "\n".join(f"- {name} (SHA-256: {sha256})" for name, sha256 in files)


def _bullets(items: Sequence[Any]) -> str:
    return "\n".join(f"- {item}" for item in items if str(item).strip()) or NONE_YET


def _text(value: Any) -> str:
    return str(value).strip() if isinstance(value, str) and value.strip() else NONE_YET


def _display(value: Any) -> str:
    if not value:
        return NONE_YET
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise MappingError(f"{value!r} is not a time") from None
    return moment.astimezone(LOCAL_TZ).strftime(DISPLAY_FORMAT)
