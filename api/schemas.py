"""Marshmallow schemas shared by several resources."""

from __future__ import annotations

import marshmallow as ma

from api.base import LocalDateTime, Schema


class StatusSchema(Schema):
    code = ma.fields.Integer(required=True, metadata={"description": "DVCQG status code 1-10"})
    label = ma.fields.String(required=True, metadata={"description": "Vietnamese label"})
    label_en = ma.fields.String(required=True)


class SlaSchema(Schema):
    amount = ma.fields.Integer(required=True)
    unit = ma.fields.String(required=True)
    text = ma.fields.String(required=True, metadata={"example": "7 working_days"})


class PageQuery(Schema):
    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=1_000_000))
    page_size = ma.fields.Integer(load_default=20, validate=ma.validate.Range(min=1, max=100))


class CurrentStepSchema(Schema):
    task_id = ma.fields.String(required=True)
    bpmn_id = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    role = ma.fields.String(required=True)
    claimed_by = ma.fields.String(allow_none=True)
    created_at = LocalDateTime(required=True)
    due_at = LocalDateTime(allow_none=True)
    unit_code = ma.fields.String(
        allow_none=True, metadata={"description": "the unit that takes the step"}
    )


class ReappointmentSchema(Schema):
    at = LocalDateTime(required=True)
    by = ma.fields.String(required=True)
    reason = ma.fields.String(required=True)
    apology = ma.fields.String(allow_none=True)
    previous_due_at = LocalDateTime(required=True)
    new_due_at = LocalDateTime(required=True)
    latest_issue_day = ma.fields.Date(
        allow_none=True,
        metadata={
            "description": "the letter was due by this day: the working day before the appointment"
        },
    )
    issued_late = ma.fields.Boolean(
        required=True,
        metadata={
            "description": "issued after `latest_issue_day` (still issued, reported as late)"
        },
    )


class NoticeFieldSchema(Schema):
    field = ma.fields.String(required=True)
    title = ma.fields.String(required=True, metadata={"description": "the form's label"})
    value = ma.fields.Raw(required=True, metadata={"description": "as the officer entered it"})


class NoticeSchema(Schema):
    step = ma.fields.String(required=True, metadata={"description": "BPMN id of the step"})
    name = ma.fields.String(required=True)
    at = LocalDateTime(required=True, metadata={"description": "when the step was completed"})
    # `fields` would shadow marshmallow's own attribute of that name
    notice_fields = ma.fields.List(
        ma.fields.Nested(NoticeFieldSchema), required=True, attribute="fields", data_key="fields"
    )


class DossierSchema(Schema):
    code = ma.fields.String(required=True)
    procedure = ma.fields.String(required=True)
    procedure_name = ma.fields.String(required=True)
    definition_version = ma.fields.Integer(required=True)
    unit_code = ma.fields.String(required=True)
    unit_name = ma.fields.String(required=True)
    status = ma.fields.Nested(StatusSchema, required=True)
    channel = ma.fields.String(required=True)
    return_channel = ma.fields.String(required=True)
    applicant = ma.fields.Dict(required=True)
    submission = ma.fields.Dict(required=True)
    submitted_at = LocalDateTime(required=True)
    status_changed_at = LocalDateTime(required=True)
    received_at = LocalDateTime(allow_none=True)
    due_at = LocalDateTime(allow_none=True, metadata={"description": "appointment (ngày hẹn trả)"})
    resolved_at = LocalDateTime(allow_none=True)
    finished_at = LocalDateTime(allow_none=True)
    current_steps = ma.fields.List(ma.fields.Nested(CurrentStepSchema), required=True)
    version = ma.fields.Integer(required=True)
    sla = ma.fields.String(
        allow_none=True, metadata={"description": "time limit pinned at acceptance"}
    )
    original_due_at = LocalDateTime(
        allow_none=True,
        metadata={"description": "statutory due date; a re-appointment never moves it"},
    )
    clock_paused_at = LocalDateTime(
        allow_none=True, metadata={"description": "set while a supplement stops the clock"}
    )
    timeliness = ma.fields.String(
        allow_none=True, metadata={"description": "early | on_time | late, set at status 9"}
    )
    overdue_warned_at = LocalDateTime(
        allow_none=True, metadata={"description": "when the overdue warning fired (R-2.5)"}
    )
    reappointment = ma.fields.Nested(
        ReappointmentSchema,
        allow_none=True,
        metadata={
            "description": (
                "Mẫu 04 Văn bản xin lỗi và đề nghị gia hạn thời gian giải quyết: at most one "
                "(the letter as issued: GET /dossiers/{code}/reappointment)"
            )
        },
    )
    calendar_version = ma.fields.Integer(
        allow_none=True,
        metadata={"description": "the calendar data version pinned at acceptance (R-0.1)"},
    )
    notices = ma.fields.List(
        ma.fields.Nested(NoticeSchema),
        required=True,
        metadata={
            "description": "what the office told the applicant, step by step: the fields each "
            "step's form marks x-applicant-visible (e.g. the documents Mẫu 02 asks for, the "
            "result once resolved)"
        },
    )


class TaskSchema(Schema):
    id = ma.fields.String(required=True)
    dossier_code = ma.fields.String(required=True)
    procedure = ma.fields.String(required=True)
    bpmn_id = ma.fields.String(required=True)
    name = ma.fields.String(required=True)
    role = ma.fields.String(required=True)
    claimed_by = ma.fields.String(allow_none=True)
    created_at = LocalDateTime(required=True)
    due_at = LocalDateTime(allow_none=True)
    status = ma.fields.String(required=True)
    completed_at = LocalDateTime(allow_none=True)
    timeliness = ma.fields.String(
        allow_none=True, metadata={"description": "early | on_time | late against due_at"}
    )
    dossier_due_at = LocalDateTime(allow_none=True, metadata={"description": "the appointment"})
    dossier_overdue_warned_at = LocalDateTime(
        allow_none=True, metadata={"description": "set: the dossier is about to be late"}
    )
    unit_code = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "the unit that takes the step: the dossier's own, or the one a "
            "transfer (liên thông) handed it to"
        },
    )
