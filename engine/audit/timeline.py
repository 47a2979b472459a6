"""A dossier's events in words, for auditors (Vietnamese and English).

Other features add their event types with a phrase in `PHRASES`, or, when the words need some
logic, with a describer:

    @describes("task_completed")
    def _completed(event: EventRow, step: str) -> tuple[str, str]: ...
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from engine.audit.results import TimelineActor, TimelineEntry
from engine.event_types import EventType
from engine.events import event_body, event_hash
from engine.form_conventions import DECISION
from engine.procedures.model import ProcedureModel
from engine.statuses import DossierStatus
from storage.audit import EventRow

Describer = Callable[[EventRow, str], tuple[str, str]]
DESCRIBERS: dict[str, Describer] = {}

ROLE_NAMES_VI = {
    "citizen": "công dân",
    "reception": "Bộ phận Một cửa",
    "specialist": "chuyên viên",
    "leader": "lãnh đạo",
    "auditor": "kiểm tra viên",
    "analyst": "phân tích quy trình",
    "admin": "quản trị",
    "system": "hệ thống",
}
CHANNEL_NAMES_VI = {"online": "trực tuyến", "direct": "trực tiếp", "postal": "qua bưu chính"}
READ_TARGETS = {
    "dossier": ("chi tiết hồ sơ", "dossier detail"),
    "task": ("chi tiết bước xử lý", "task detail"),
    "receipt": ("giấy tiếp nhận hồ sơ và hẹn trả kết quả (Mẫu 01)", "receipt (Mẫu 01)"),
    "reappointment": (
        "văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết (Mẫu 04)",
        "apology and extension letter (Mẫu 04)",
    ),
    "timeline": ("nhật ký hồ sơ", "dossier timeline"),
    "replay": ("bản dựng lại hồ sơ", "dossier replay"),
    "export": ("gói xuất kiểm tra", "audit export"),
    "files": ("danh sách tệp của hồ sơ", "dossier's file list"),
    "file": ("tệp của hồ sơ", "dossier's file"),
}
#: Payload fields that hold data a person submitted.
DATA_FIELDS = ("data", "applicant")


def describes(*types: str) -> Callable[[Describer], Describer]:
    def register(describer: Describer) -> Describer:
        for type_ in types:
            DESCRIBERS[type_] = describer
        return describer

    return register


def timeline_entries(
    events: Sequence[EventRow], previous_hash: str, model: ProcedureModel | None
) -> list[TimelineEntry]:
    """Entries for consecutive events; `previous_hash` is the hash of the event before them."""
    entries = []
    for event in events:
        intact = (
            event.prev_hash == previous_hash
            and event_hash(event.prev_hash, event_body(event)) == event.hash
        )
        previous_hash = event.hash
        step = _step_name(event, model)
        describe = DESCRIBERS.get(event.type, _generic)
        action, action_en = describe(event, step or event.bpmn_id or "")
        entries.append(
            TimelineEntry(
                seq=event.seq,
                type=event.type,
                occurred_at=event.occurred_at,
                actor=TimelineActor(
                    username=event.actor_username,
                    role=event.actor_role,
                    unit=event.actor_unit,
                    user_id=event.actor_user_id,
                ),
                action=action,
                action_en=action_en,
                bpmn_id=event.bpmn_id,
                step=step,
                data=_submitted_data(event.payload),
                payload=dict(event.payload),
                hash=event.hash,
                intact=intact,
            )
        )
    return entries


def _step_name(event: EventRow, model: ProcedureModel | None) -> str | None:
    name = event.payload.get("name")
    if isinstance(name, str):
        return name
    node = model.node(event.bpmn_id) if model is not None and event.bpmn_id else None
    return node.name if node is not None else None


def _submitted_data(payload: dict[str, Any]) -> dict[str, Any] | None:
    found = {key: payload[key] for key in DATA_FIELDS if isinstance(payload.get(key), dict)}
    return found or None


def _generic(event: EventRow, step: str) -> tuple[str, str]:
    return f"Sự kiện «{event.type}»", f"Event '{event.type}'"


@describes(EventType.DOSSIER_SUBMITTED)
def _submitted(event: EventRow, step: str) -> tuple[str, str]:
    channel = str(event.payload.get("channel", ""))
    return (
        f"Nộp hồ sơ ({CHANNEL_NAMES_VI.get(channel, channel)})",
        f"Submitted the dossier ({channel})",
    )


@describes(EventType.TASK_OPENED)
def _opened(event: EventRow, step: str) -> tuple[str, str]:
    role = str(event.payload.get("role", ""))
    unit = event.payload.get("unit")
    return (
        f"Chuyển bước «{step}» đến {ROLE_NAMES_VI.get(role, role)} ({unit})",
        f"Handed step '{step}' to the {role} role of unit {unit}",
    )


@describes(EventType.TASK_COMPLETED)
def _completed(event: EventRow, step: str) -> tuple[str, str]:
    data = event.payload.get("data")
    decision = data.get(DECISION) if isinstance(data, dict) else None
    if decision is None:
        return f"Hoàn thành bước «{step}»", f"Completed step '{step}'"
    return (
        f"Hoàn thành bước «{step}», quyết định: {decision}",
        f"Completed step '{step}', decision: {decision}",
    )


@describes(EventType.STATUS_CHANGED)
def _status(event: EventRow, step: str) -> tuple[str, str]:
    before, after = event.payload.get("from"), event.payload.get("to")
    return (
        f"Chuyển trạng thái: {_label(before, en=False)} → {_label(after, en=False)}",
        f"Status changed: {_label(before, en=True)} → {_label(after, en=True)}",
    )


def _label(code: Any, *, en: bool) -> str:
    try:
        status = DossierStatus(code)
    except ValueError:
        return str(code)
    return f"{status.label_en if en else status.label} ({int(status)})"


@describes(EventType.DOSSIER_READ)
def _read(event: EventRow, step: str) -> tuple[str, str]:
    what = str(event.payload.get("what", ""))
    vi, en = READ_TARGETS.get(what, (what, what))
    return f"Xem {vi}", f"Viewed the {en}"


def _utc(value: Any) -> str:
    """A logged UTC time, shortened: `2026-03-19 09:30 UTC`."""
    text = str(value or "")
    return f"{text[:10]} {text[11:16]} UTC" if len(text) >= 16 else text


#: Events told by a fixed phrase: (Vietnamese, English). `{step}` is the step's name; other
#: fields come from the event's payload, times (`..._at`) shortened to the minute.
PHRASES: dict[str, tuple[str, str]] = {
    EventType.TASK_CLAIMED: ("Nhận xử lý bước «{step}»", "Claimed step '{step}'"),
    EventType.TASK_RELEASED: (
        "Trả lại bước «{step}» cho đơn vị",
        "Released step '{step}' back to the unit",
    ),
    EventType.TASK_ASSIGNED: (
        "Giao bước «{step}» cho {officer}",
        "Assigned step '{step}' to {officer}",
    ),
    EventType.TASK_CANCELLED: ("Hủy bước «{step}»", "Cancelled step '{step}'"),
    EventType.SUPPLEMENT_SUBMITTED: (
        "Người nộp bổ sung hồ sơ",
        "The applicant submitted a supplement",
    ),
    EventType.FILE_UPLOADED: ("Nộp tệp «{name}»", "Uploaded file '{name}'"),
    EventType.SATISFACTION_RATED: (
        "Đánh giá mức độ hài lòng về giải quyết hồ sơ",
        "Rated satisfaction with the handling",
    ),
    EventType.DEADLINE_SET: (
        "Hẹn trả kết quả: {due_at} ({sla})",
        "Appointment set: {due_at} ({sla})",
    ),
    EventType.CLOCK_PAUSED: (
        "Tạm dừng tính thời hạn (chờ bổ sung hồ sơ)",
        "Deadline clock stopped (waiting for a supplement)",
    ),
    EventType.DEADLINE_RECOMPUTED: (
        "Tính lại hẹn trả: {due_at} ({supplement_clock})",
        "Appointment recomputed: {due_at} ({supplement_clock})",
    ),
    EventType.OVERDUE_WARNING: (
        "Cảnh báo sắp quá hạn (hẹn trả {due_at})",
        "Overdue warning (appointment {due_at})",
    ),
    EventType.TIMER_ARMED: ("Đặt hẹn giờ «{step}»: {due_at}", "Timer '{step}' set for {due_at}"),
    EventType.TIMER_FIRED: (
        "Đến hẹn giờ «{step}» (hẹn {due_at})",
        "Timer '{step}' fired (due {due_at})",
    ),
    EventType.TIMER_FAILED: ("Hẹn giờ «{step}» lỗi: {error}", "Timer '{step}' failed: {error}"),
    EventType.TIMER_RESUMED: (
        "Cho chạy lại hẹn giờ «{step}» (lỗi trước: {error})",
        "Timer '{step}' resumed (earlier failure: {error})",
    ),
    EventType.OUTBOX_RETRIED: (
        "Gửi lại thông điệp {key} tới {destination} (lỗi trước: {error})",
        "Outbox message {key} to {destination} sent again (earlier failure: {error})",
    ),
}


class _PayloadFields(dict[str, Any]):
    def __missing__(self, key: str) -> Any:
        return _utc(None) if key.endswith("_at") else None


def _phrased(templates: tuple[str, str]) -> Describer:
    def describe(event: EventRow, step: str) -> tuple[str, str]:
        fields = _PayloadFields(
            {k: _utc(v) if k.endswith("_at") else v for k, v in event.payload.items()}
        )
        fields["step"] = step
        vi, en = templates
        return vi.format_map(fields), en.format_map(fields)

    return describe


for _type, _templates in PHRASES.items():
    DESCRIBERS[_type] = _phrased(_templates)


@describes(EventType.SUPPLEMENT_SUBMITTED)
def _supplemented(event: EventRow, step: str) -> tuple[str, str]:
    if not event.payload.get("on_behalf_of"):
        return PHRASES[EventType.SUPPLEMENT_SUBMITTED]
    return (
        "Bộ phận một cửa nộp bổ sung hồ sơ thay người nộp (hồ sơ không có tài khoản)",
        "Reception submitted the supplement on the applicant's behalf (no applicant account)",
    )


@describes(EventType.CLOCK_PAUSED)
def _clock_paused(event: EventRow, step: str) -> tuple[str, str]:
    if event.payload.get("waiting_for") != "financial_obligation":
        return PHRASES[EventType.CLOCK_PAUSED]
    return (
        "Tạm dừng tính thời hạn (chờ thực hiện nghĩa vụ tài chính)",
        "Deadline clock stopped (waiting for a fee or financial obligation)",
    )


@describes(EventType.DOSSIER_WITHDRAWN)
def _withdrawn(event: EventRow, step: str) -> tuple[str, str]:
    reason = event.payload.get("reason")
    if event.payload.get("on_behalf_of"):
        return (
            f"Bộ phận một cửa ghi nhận người nộp rút hồ sơ (hồ sơ không có tài khoản): {reason}",
            f"Reception recorded the applicant's withdrawal (no applicant account): {reason}",
        )
    return f"Người nộp rút hồ sơ: {reason}", f"The applicant withdrew the dossier: {reason}"


@describes(EventType.HANDLING_STOPPED)
def _stopped(event: EventRow, step: str) -> tuple[str, str]:
    reason = event.payload.get("reason")
    bases = "; ".join(str(item) for item in event.payload.get("legal_basis") or [])
    return (
        f"Lãnh đạo dừng giải quyết hồ sơ: {reason} (căn cứ: {bases})",
        f"A leader stopped the handling: {reason} (legal basis: {bases})",
    )


@describes(EventType.REAPPOINTED)
def _reappointed(event: EventRow, step: str) -> tuple[str, str]:
    new_due_at = _utc(event.payload.get("new_due_at"))
    vi = f"Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết (Mẫu 04): hẹn mới {new_due_at}"
    en = f"Apology and request to extend the handling time (Mẫu 04): new appointment {new_due_at}"
    if event.payload.get("issued_late"):
        limit = event.payload.get("latest_issue_day")
        vi += f"; ban hành muộn (hạn chậm nhất {limit})"
        en += f"; issued late (due by {limit})"
    return vi, en


@describes(EventType.DOCUMENT_ISSUED)
def _document_issued(event: EventRow, step: str) -> tuple[str, str]:
    form, title = event.payload.get("form"), event.payload.get("title")
    corrects = event.payload.get("corrects")
    if corrects:
        return (
            f"Ban hành Mẫu {form} {title}, thay thế văn bản số {corrects}",
            f"Issued Mẫu {form} ({title}), replacing document {corrects}",
        )
    return f"Ban hành Mẫu {form} {title}", f"Issued Mẫu {form} ({title})"


@describes(EventType.DOCUMENT_CORRECTED)
def _document_corrected(event: EventRow, step: str) -> tuple[str, str]:
    number, reason = event.payload.get("number"), event.payload.get("reason")
    return f"Đính chính văn bản số {number}: {reason}", f"Corrected document {number}: {reason}"
