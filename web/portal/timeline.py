"""The public timeline of a dossier on "Hồ sơ của tôi": what happened and when, in the applicant's
words. Built from the same applicant view the API gives (`DossierDetail`: submission time,
notices of each step, the re-appointment with its apology) and the applicant's history
(`engine.queries.applicant_history`: status changes, supplements handed in, a withdrawal's or
a stop's reason). Pure: no request, no database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from engine.queries.applicant_history import ApplicantHistory
from engine.results import DossierDetail, NoticeView
from engine.statuses import DossierStatus
from web.forms_render import Field, read_schema
from web.i18n import _

#: What each status means for the applicant (the label itself is the DVCQG one).
STATUS_TEXTS = {
    DossierStatus.ACCEPTED: "Hồ sơ được tiếp nhận; Giấy tiếp nhận hồ sơ và hẹn trả kết quả "
    "(Mẫu 01) đã được cấp.",
    DossierStatus.NOT_ACCEPTED: "Hồ sơ không được tiếp nhận (Phiếu từ chối tiếp nhận giải quyết "
    "hồ sơ, Mẫu 03).",
    DossierStatus.IN_PROCESS: "Hồ sơ đang được giải quyết.",
    DossierStatus.SUPPLEMENT_REQUESTED: "Cơ quan yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02).",
    DossierStatus.FINANCIAL_OBLIGATION: "Cơ quan yêu cầu thực hiện nghĩa vụ tài chính.",
    DossierStatus.WITHDRAWN: "Hồ sơ đã được rút theo yêu cầu của bạn.",
    DossierStatus.STOPPED: "Cơ quan dừng xử lý hồ sơ (Mẫu 05).",
    DossierStatus.RESOLVED: "Đã có kết quả giải quyết.",
    DossierStatus.RETURNED: "Kết quả đã được trả.",
}


@dataclass(frozen=True, slots=True)
class TimelineItem:
    at: datetime
    title: str
    text: str | None = None
    #: (label, value) lines shown under the text; a value may be a list.
    details: list[tuple[str, Any]] = field(default_factory=list)
    status: int | None = None


def timeline(detail: DossierDetail, history: ApplicantHistory) -> list[TimelineItem]:
    """Oldest first; at the same moment a status comes before what the step said."""
    items: list[tuple[datetime, int, TimelineItem]] = [
        (
            detail.submitted_at,
            0,
            TimelineItem(
                at=detail.submitted_at,
                title=_("Nộp hồ sơ"),
                text=_(
                    "Hồ sơ được gửi qua kênh %(channel)s.", channel=channel_name(detail.channel)
                ),
                status=int(DossierStatus.SUBMITTED),
            ),
        )
    ]
    for entry in history.entries:
        if entry.kind == "status" and entry.status is not None:
            if entry.status == DossierStatus.SUBMITTED:
                continue
            status = DossierStatus(entry.status)
            details: list[tuple[str, Any]] = []
            if status == DossierStatus.WITHDRAWN:
                details = _reason_of(history, "withdrawn")
            elif status == DossierStatus.STOPPED:
                details = _reason_of(history, "stopped")
            text = STATUS_TEXTS.get(status)
            item = TimelineItem(
                entry.at, status.label, _(text) if text else None, details, int(status)
            )
            items.append((entry.at, 1, item))
        elif entry.kind == "supplement_submitted":
            text = _("Bạn đã nộp bổ sung, hoàn thiện hồ sơ.")
            items.append((entry.at, 1, TimelineItem(entry.at, _("Nộp bổ sung hồ sơ"), text)))
    forms = {step: read_schema(schema) for step, schema in history.step_forms.items()}
    items.extend((n.at, 2, _notice_item(n, forms.get(n.step))) for n in detail.notices)
    if detail.reappointment is not None:
        found = detail.reappointment
        reappointed: list[tuple[str, Any]] = [
            (_("Ngày hẹn trước"), found.previous_due_at),
            (_("Ngày hẹn mới"), found.new_due_at),
            (_("Lý do"), found.reason),
        ]
        if found.apology:
            reappointed.append((_("Lời xin lỗi"), found.apology))
        text = _(
            "Cơ quan xin lỗi vì chưa giải quyết xong hồ sơ đúng hẹn "
            "và hẹn lại ngày trả kết quả (Mẫu 04)."
        )
        item = TimelineItem(found.at, _("Hẹn lại ngày trả kết quả"), text, reappointed)
        items.append((found.at, 1, item))
    items.sort(key=lambda found: (found[0], found[1]))
    return [item for _at, _order, item in items]


def _reason_of(history: ApplicantHistory, kind: str) -> list[tuple[str, Any]]:
    entry = next((e for e in reversed(history.entries) if e.kind == kind), None)
    if entry is None:
        return []
    lines: list[tuple[str, Any]] = [(_("Lý do"), entry.reason)] if entry.reason else []
    if entry.legal_basis:
        lines.append((_("Căn cứ pháp lý"), entry.legal_basis))
    return lines


def _notice_item(notice: NoticeView, form: Field | None) -> TimelineItem:
    return TimelineItem(
        at=notice.at,
        title=_("Thông báo của cơ quan: %(step)s", step=notice.name),
        details=[(_clean_title(f.title), _named(form, f.field, f.value)) for f in notice.fields],
    )


def _named(form: Field | None, name: str, value: Any) -> Any:
    """A choice's label (the form renderer reads it from the schema), else the value itself."""
    found = form.child(name) if form is not None else None
    if found is None or not found.choices or not isinstance(value, str):
        return value
    label = found.choice_label(value)
    return label[:1].upper() + label[1:]


def _clean_title(title: str) -> str:
    """`Giấy tờ cần bổ sung, hoàn thiện (Mẫu 02)` stays; a leading `[01] ` number goes."""
    if title.startswith("[") and "] " in title:
        return title.split("] ", 1)[1]
    return title


def latest_request(detail: DossierDetail) -> NoticeView | None:
    """What the office asked for in its last notice (the supplement form's header)."""
    asked = [n for n in detail.notices if any(f.field == "missing_documents" for f in n.fields)]
    return asked[-1] if asked else None


CHANNELS = {"online": "Trực tuyến", "direct": "Trực tiếp", "postal": "Bưu chính công ích"}


def channel_name(channel: str) -> str:
    return _(CHANNELS.get(channel, channel))
