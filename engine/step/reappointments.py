"""Mẫu 04 (R-2.5): the apology and request to extend the handling time, with the dossier's one
new appointment.

At the latest one working day before the appointment, a dossier that will be late gets a letter
signed by the leader: the reason, an apology and a new appointment, which must be a working day
in the future (after today and after the current appointment). Only one new appointment is
allowed. A letter issued after that limit is still issued (the applicant is owed it) and is
recorded as issued late. The statutory due date stays for statistics: a re-appointed dossier is
still late.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from engine import events
from engine.calendar.working_days import WorkingCalendar
from engine.errors import (
    FieldError,
    InvalidStateError,
    ReappointmentLimitError,
    ValidationFailedError,
)
from engine.event_types import Reappointed
from engine.form_conventions import APOLOGY as APOLOGY_FIELD
from engine.form_conventions import DECISION, NEW_DUE_DATE, REAPPOINT, REAPPOINTMENT_FLAG, REASON
from engine.procedures.model import ProcedureModel
from engine.security.authz import Actor
from storage.models import Dossier


def new_appointment(
    dossier: Dossier,
    model: ProcedureModel,
    bpmn_id: str,
    data: Mapping[str, Any],
    calendar: WorkingCalendar,
    actor: Actor,
    now: datetime,
) -> Reappointed | None:
    """The new appointment (Mẫu 04, R-2.5) completing task `bpmn_id` with `data` gives, if it is
    a `reappointment=true` task completed with decision `reappoint`; None otherwise. The step
    (`engine.step.causes.complete_task`) applies it.

    The new appointment must be a working day in the future: after today, and after the current
    appointment (an extension, never an earlier date). A letter issued after the working day
    before the appointment is still issued, and recorded as issued late.

    Raises:
        ReappointmentLimitError: the dossier already had its one new appointment.
        ValidationFailedError: the new date is missing, not in the future or not a working day.
    """
    node = model.node(bpmn_id)
    if node is None or not node.flag(REAPPOINTMENT_FLAG) or data.get(DECISION) != REAPPOINT:
        return None
    if dossier.reappointment is not None:
        raise ReappointmentLimitError(
            "this dossier already had its one new appointment (Mẫu 04); a second is not allowed"
        )
    if dossier.due_at is None or dossier.timeliness is not None:
        raise InvalidStateError("the dossier has no pending appointment to move")
    today = calendar.local(now).date()
    current = calendar.local(dossier.due_at).date()
    new_day = _date(data.get(NEW_DUE_DATE))
    problem = _new_appointment_problem(calendar, new_day, today, current)
    if problem is not None or new_day is None:
        raise ValidationFailedError(
            "the new appointment is not valid",
            [FieldError(f"data.{NEW_DUE_DATE}", str(problem))],
        )
    latest_issue_day = calendar.subtract_working_days(current, 1)
    return Reappointed(
        at=_iso(now),
        by=actor.username,
        reason=str(data.get(REASON, "")),
        apology=data.get(APOLOGY_FIELD),
        previous_due_at=_iso(dossier.due_at),
        new_due_at=_iso(calendar.closing(new_day)),
        latest_issue_day=latest_issue_day.isoformat(),
        issued_late=today > latest_issue_day,
    )


def _new_appointment_problem(
    calendar: WorkingCalendar, new_day: date | None, today: date, current: date
) -> str | None:
    if new_day is None:
        return "the new appointment date is required (YYYY-MM-DD)"
    if new_day <= today:
        passed = f"; the appointment {current:%d/%m/%Y} has passed" if current < today else ""
        return f"must be a future date, after today {today:%d/%m/%Y}{passed}"
    if new_day <= current:
        return f"must be after the current appointment {current:%d/%m/%Y}"
    if not calendar.is_working_day(new_day):
        return f"{new_day:%d/%m/%Y} is not a working day ({calendar.day_info(new_day).reason})"
    return None


def reappoint(dossier: Dossier, record: Reappointed) -> None:
    """Give the dossier its new appointment (Mẫu 04)."""
    dossier.reappointment = dict(record)
    dossier.due_at = datetime.fromisoformat(record["new_due_at"])


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _iso(moment: datetime) -> str:
    return events.format_time(moment)
