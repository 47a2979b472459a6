"""The handovers of Mẫu 06 (phiếu kiểm soát quá trình giải quyết hồ sơ), read from the dossier's
audit chain: who handed the dossier to whom, when, and with what result.

Each step that opens a task hands the dossier over (`task_opened`):

- the **giver** is whoever took the step that opened it: the actor of the cause event logged
  before it (the officer who completed the previous task, the applicant who submitted or
  supplemented, "Hệ thống" for a timer);
- the **receiver** is the officer who completed the task, or, while it is open, the officer who
  holds it (claimed or assigned, not released); a task nobody holds yet is received by its role
  in its unit ("Chuyên viên (chưa nhận)");
- the time is when the task was opened; the result is the task's timeliness (early, on time,
  late, still pending), the note its name.

Returning the result to the applicant (status 10) is the last handover: from the officer who
returned it to the applicant. A cancelled task (a path the workflow did not take) hands nothing
over. Pure: the same events give the same rows, so the slip can be cached on the chain's last
event (`engine.services.documents.control_slip`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine import events
from engine.event_types import EventType
from engine.statuses import DossierStatus
from storage.audit_models import Event
from storage.models import WorkItem
from storage.statuses import WorkItemStatus

#: Who receives a task nobody holds yet: its role, as the office says it.
ROLE_NAMES = {"reception": "Bộ phận Một cửa", "specialist": "Chuyên viên", "leader": "Lãnh đạo"}
SYSTEM = "Hệ thống"
APPLICANT_SIDE = "Cá nhân, tổ chức"
MAX_ROWS = 200  # forms.json: mau_06.handovers.max_rows
#: Events that take a step (the giver of what the step opens is their actor).
CAUSES = frozenset(
    {
        EventType.DOSSIER_SUBMITTED,
        EventType.TASK_COMPLETED,
        EventType.SUPPLEMENT_SUBMITTED,
        EventType.TIMER_FIRED,
        EventType.DOSSIER_MIGRATED,
        EventType.REAPPOINTED,
        EventType.DOSSIER_WITHDRAWN,
        EventType.HANDLING_STOPPED,
    }
)


@dataclass(slots=True)
class _Handover:
    giver: str
    giver_unit: str
    receiver_role: str
    receiver_unit: str
    at: str
    note: str
    task_id: str | None = None
    holder: str | None = None
    receiver: str | None = None
    timeliness: str | None = None


def handovers(
    log: Sequence[Event],
    items: Sequence[WorkItem],
    unit_names: Mapping[str, str],
    applicant_name: str,
    *,
    result_timeliness: str | None,
    officer_names: Mapping[str, str] | None = None,
) -> list[dict[str, Any]]:
    """The rows of Mẫu 06 from the dossier's events `log` (in order) and its work items;
    `result_timeliness`: the dossier's, measured at its resolution against the appointment;
    `officer_names`: officers' full names by username (a username without one prints as is)."""
    full = officer_names or {}
    by_id = {item.id: item for item in items}
    rows: list[_Handover] = []
    open_rows: dict[str, _Handover] = {}
    cause: Event | None = None
    for event in log:
        payload = event.payload
        if event.type in CAUSES:
            cause = event
        elif event.type == EventType.TASK_OPENED:
            giver, giver_unit = _giver(cause, unit_names, applicant_name, full)
            unit = str(payload.get("unit") or "")
            row = _Handover(
                giver=giver,
                giver_unit=giver_unit,
                receiver_role=str(payload.get("role") or ""),
                receiver_unit=unit_names.get(unit, unit),
                at=events.format_time(event.occurred_at),
                note=str(payload.get("name") or ""),
                task_id=str(payload.get("task_id")),
            )
            rows.append(row)
            open_rows[str(row.task_id)] = row
        elif event.type in (EventType.TASK_CLAIMED, EventType.TASK_ASSIGNED):
            row_found = open_rows.get(str(payload.get("task_id")))
            if row_found is not None:
                holder = str(payload.get("officer") or event.actor_username)
                row_found.holder = full.get(holder, holder)
        elif event.type == EventType.TASK_RELEASED:
            row_found = open_rows.get(str(payload.get("task_id")))
            if row_found is not None:
                row_found.holder = None
        elif event.type == EventType.TASK_CANCELLED:
            cancelled = open_rows.pop(str(payload.get("task_id")), None)
            if cancelled is not None:
                rows.remove(cancelled)
        elif event.type == EventType.STATUS_CHANGED and payload.get("to") == DossierStatus.RETURNED:
            giver, giver_unit = _giver(cause, unit_names, applicant_name, full)
            rows.append(
                _Handover(
                    giver=giver,
                    giver_unit=giver_unit,
                    receiver_role="",
                    receiver_unit=APPLICANT_SIDE,
                    at=events.format_time(event.occurred_at),
                    note="Trả kết quả giải quyết hồ sơ",
                    receiver=applicant_name,
                    timeliness=result_timeliness,
                )
            )
        if event.type == EventType.TASK_COMPLETED:
            done = open_rows.pop(str(payload.get("task_id")), None)
            if done is not None:
                done.receiver = full.get(event.actor_username, event.actor_username)
    return [_row(row, by_id) for row in rows[:MAX_ROWS]]


def _giver(
    cause: Event | None,
    unit_names: Mapping[str, str],
    applicant: str,
    officer_names: Mapping[str, str],
) -> tuple[str, str]:
    if cause is None or cause.actor_username == "system":
        return SYSTEM, ""
    if cause.actor_role == "citizen":
        return applicant, APPLICANT_SIDE
    unit = cause.actor_unit or ""
    name = officer_names.get(cause.actor_username, cause.actor_username)
    return name, unit_names.get(unit, unit)


def _row(row: _Handover, items: Mapping[str, WorkItem]) -> dict[str, Any]:
    item = items.get(row.task_id or "")
    receiver = row.receiver or row.holder
    if receiver is None:
        receiver = f"{ROLE_NAMES.get(row.receiver_role, row.receiver_role)} (chưa nhận)"
    timeliness = row.timeliness or "pending"
    if item is not None and item.status != WorkItemStatus.OPEN and item.timeliness:
        timeliness = item.timeliness
    return {
        "giver": row.giver,
        "giver_unit": row.giver_unit,
        "receiver": receiver,
        "receiver_unit": row.receiver_unit,
        "at": row.at,
        "timeliness": timeliness,
        "note": row.note[:500],
    }
