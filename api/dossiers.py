"""Dossiers: submit (citizens, reception at the counter), read, supplement; public lookup."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView

from api.base import (
    Blueprint,
    HeaderSchema,
    LocalDateTime,
    ProblemSchema,
    Schema,
    page_schema,
)
from api.context import actor, engine
from api.schemas import DossierSchema, PageQuery, StatusSchema
from engine.queries import dossiers as queries
from engine.results import DocumentView, DossierDetail, PublicDossierView, ReceiptView
from engine.services import closures, dossiers, reads, supplements
from engine.services.dossiers import Applicant, SubmitDossier
from engine.submission_keys import SubmissionKeyReusedError

blp = Blueprint("dossiers", __name__, url_prefix="/api/v1/dossiers", description="Dossiers (hồ sơ)")
public_blp = Blueprint(
    "public",
    __name__,
    url_prefix="/api/v1/public",
    description="Public status lookup by dossier code (no login)",
)

CHANNELS = ("online", "direct", "postal")


class ApplicantSchema(Schema):
    """A person (the default), or an employer (`kind: employer`) for the procedures whose
    catalogue entry says `applicant: employer` (a 422 on `applicant.kind` otherwise)."""

    kind = ma.fields.String(
        load_default="person",
        validate=ma.validate.OneOf(("person", "employer")),
        metadata={"description": "person (citizen) or employer (đơn vị sử dụng lao động)"},
    )
    full_name = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=2, max=200),
        metadata={"description": "a person's full name; an employer's registered name"},
    )
    id_number = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(min=8, max=12),
        metadata={"description": "CCCD / passport number (a person: required)"},
    )
    tax_code = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(max=14),
        metadata={"description": "an employer's mã số thuế: 10 digits, or 10-3 for a branch"},
    )
    unit_code = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(max=15),
        metadata={"description": "an employer's BHXH unit code (mã đơn vị)"},
    )
    contact_name = ma.fields.String(
        load_default=None,
        allow_none=True,
        validate=ma.validate.Length(max=100),
        metadata={"description": "an employer's contact person"},
    )
    phone = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=15)
    )
    email = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=254)
    )
    address = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.Length(max=300)
    )


class SubmitDossierBody(Schema):
    procedure = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=100))
    unit = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    applicant = ma.fields.Nested(ApplicantSchema, required=True)
    data = ma.fields.Dict(
        keys=ma.fields.String(),
        load_default=dict,
        metadata={"description": "the submission form's data (see GET /procedures/{key})"},
    )
    channel = ma.fields.String(load_default="online", validate=ma.validate.OneOf(CHANNELS))
    return_channel = ma.fields.String(
        load_default=None, allow_none=True, validate=ma.validate.OneOf(CHANNELS)
    )


class IdempotencyHeaders(HeaderSchema):
    """The request's headers: only `Idempotency-Key` is read."""

    idempotency_key = ma.fields.String(
        data_key="Idempotency-Key",
        load_default=None,
        validate=ma.validate.Regexp(r"^[\x21-\x7e]{1,200}$"),
        metadata={
            "description": "the client's name for this submission (1-200 visible ASCII "
            "characters, e.g. a UUID): sent again by the same account it answers with the "
            "dossier it created (200, `Idempotent-Replayed: true`), never a second dossier; "
            "with other content, 422"
        },
    )


class SupplementBody(Schema):
    data = ma.fields.Dict(
        keys=ma.fields.String(),
        required=True,
        metadata={"description": "fields to add or correct in the submission"},
    )


class WithdrawBody(Schema):
    reason = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=2000),
        metadata={"description": "why the applicant withdraws the dossier (recorded)"},
    )


class StopBody(Schema):
    reason = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=2000),
        metadata={"description": "why the handling stops, as Mẫu 05 prints it"},
    )
    legal_basis = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1, max=500)),
        required=True,
        validate=ma.validate.Length(min=1, max=10),
        metadata={"description": "the legal provisions the stop rests on (Mẫu 05's 'Căn cứ')"},
    )


class DossierSummarySchema(Schema):
    code = ma.fields.String(required=True)
    procedure = ma.fields.String(required=True)
    unit_code = ma.fields.String(required=True)
    status = ma.fields.Nested(StatusSchema, required=True)
    applicant_name = ma.fields.String(required=True, metadata={"description": "masked"})
    submitted_at = LocalDateTime(required=True)
    due_at = LocalDateTime(allow_none=True)


DossierListSchema = page_schema(DossierSummarySchema, "DossierListSchema")


class ReceivedDocumentSchema(Schema):
    name = ma.fields.String(required=True)
    kind = ma.fields.String(required=True)
    quantity = ma.fields.Integer(required=True)


class ReceiptSchema(Schema):
    """Mẫu 01 Giấy tiếp nhận hồ sơ và hẹn trả kết quả, as issued at acceptance (never edited)."""

    form = ma.fields.String(required=True, metadata={"description": "the form's number: 01"})
    title = ma.fields.String(required=True)
    form_set = ma.fields.String(required=True, metadata={"description": "Thông tư 03/2025/TT-VPCP"})
    issued_at = LocalDateTime(required=True)
    code = ma.fields.String(required=True)
    procedure = ma.fields.String(required=True)
    procedure_code = ma.fields.String(
        allow_none=True,
        metadata={"description": "national procedure code; null when unknown (chưa xác định)"},
    )
    procedure_name = ma.fields.String(required=True)
    unit_code = ma.fields.String(required=True)
    unit_name = ma.fields.String(required=True)
    applicant = ma.fields.Dict(required=True)
    documents_received = ma.fields.List(ma.fields.Nested(ReceivedDocumentSchema), required=True)
    received_at = LocalDateTime(required=True)
    received_by = ma.fields.String(required=True)
    sla = ma.fields.String(allow_none=True)
    appointment_at = LocalDateTime(
        allow_none=True, metadata={"description": "the appointment given at acceptance"}
    )
    channel = ma.fields.String(required=True)
    return_channel = ma.fields.String(required=True)
    calendar_version = ma.fields.Integer(
        allow_none=True, metadata={"description": "calendar data version the dates count on"}
    )


class DocumentSchema(Schema):
    """A document of record as issued (a form of Circular 03/2025/TT-VPCP)."""

    form = ma.fields.String(required=True, metadata={"description": "the form's number, e.g. 04"})
    title = ma.fields.String(required=True)
    form_set = ma.fields.String(required=True)
    issued_at = LocalDateTime(required=True)
    issued_by = ma.fields.String(required=True)
    unit_code = ma.fields.String(required=True)
    data = ma.fields.Dict(required=True, metadata={"description": "the content as issued"})


class PublicQuery(Schema):
    """A person's dossier is looked up with the ID number, an employer's with the tax code."""

    id_number = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=20))
    tax_code = ma.fields.String(load_default=None, validate=ma.validate.Length(min=1, max=20))

    @ma.validates_schema
    def _one_identifier(self, data: dict[str, Any], **_: Any) -> None:
        if (data.get("id_number") is None) == (data.get("tax_code") is None):
            raise ma.ValidationError(
                "give the applicant's id_number, or the employer's tax_code", "id_number"
            )


class PublicDossierSchema(Schema):
    code = ma.fields.String(required=True)
    procedure = ma.fields.String(required=True)
    procedure_name = ma.fields.String(required=True)
    unit_code = ma.fields.String(required=True)
    unit_name = ma.fields.String(required=True)
    status = ma.fields.Nested(StatusSchema, required=True)
    applicant_name = ma.fields.String(required=True, metadata={"description": "masked"})
    submitted_at = LocalDateTime(required=True)
    received_at = LocalDateTime(allow_none=True)
    due_at = LocalDateTime(allow_none=True)


@blp.route("")
class Dossiers(MethodView):
    @blp.arguments(SubmitDossierBody)
    @blp.arguments(IdempotencyHeaders, location="headers")
    @blp.response(201, DossierSchema, description="Registered")
    @blp.alt_response(
        200,
        schema=DossierSchema,
        description="The Idempotency-Key had registered this dossier already: nothing new",
    )
    @blp.authenticated(
        "May not submit for this unit",
        (422, "Per-field errors; an Idempotency-Key used before with other content"),
    )
    def post(self, body: dict[str, Any], headers: dict[str, Any]) -> Any:
        """Submit a dossier (citizens online; reception for counter and postal dossiers)"""
        command = SubmitDossier(
            procedure=body["procedure"],
            unit=body["unit"],
            applicant=Applicant(**body["applicant"]),
            data=body["data"],
            channel=body["channel"],
            return_channel=body["return_channel"],
            submission_key=headers["idempotency_key"],
        )
        try:
            submitted = dossiers.submit_dossier_once(engine(), actor(), command)
        except SubmissionKeyReusedError as exc:
            raise SubmissionKeyReusedError(exc.dossier_code, field="Idempotency-Key") from None
        if submitted.created:
            return submitted.dossier, 201
        return submitted.dossier, 200, {"Idempotent-Replayed": "true"}

    @blp.arguments(PageQuery, location="query")
    @blp.response(200, DossierListSchema)
    @blp.authenticated(None)
    def get(self, query: dict[str, int]) -> Any:
        """My dossiers (citizen) or my unit's dossiers (officer)"""
        return queries.list_dossiers(engine(), actor(), query["page"], query["page_size"])


@blp.route("/<string:code>")
class Dossier(MethodView):
    @blp.response(200, DossierSchema)
    @blp.authenticated("Not yours / not your unit", (404, "No such dossier"))
    def get(self, code: str) -> DossierDetail:
        """A dossier: status, unit, received and appointment times, current steps (read logged)"""
        return reads.read_dossier(engine(), actor(), code)


@blp.route("/<string:code>/receipt")
class Receipt(MethodView):
    @blp.response(200, ReceiptSchema)
    @blp.authenticated(
        "Not yours / not your unit", (404, "No such dossier"), (409, "Not received (no Mẫu 01) yet")
    )
    def get(self, code: str) -> ReceiptView:
        """Mẫu 01: receipt and appointment of an accepted dossier, as issued (read logged)"""
        return reads.read_receipt(engine(), actor(), code)


@blp.route("/<string:code>/reappointment")
class Reappointment(MethodView):
    @blp.response(200, DocumentSchema)
    @blp.authenticated(
        "Not yours / not your unit",
        (404, "No such dossier"),
        (409, "No new appointment (no Mẫu 04)"),
    )
    def get(self, code: str) -> DocumentView:
        """Mẫu 04: the apology and new appointment as issued, with whether it was late (read
        logged)"""
        return reads.read_reappointment(engine(), actor(), code)


@blp.route("/<string:code>/supplements")
class Supplements(MethodView):
    @blp.arguments(SupplementBody)
    @blp.response(200, DossierSchema)
    @blp.authenticated(
        "Not the applicant",
        (404, "No such dossier"),
        (409, "Not waiting for a supplement (status 5)"),
        (422, "The completed dossier fails the form"),
    )
    def post(self, body: dict[str, Any], code: str) -> DossierDetail:
        """Send the documents reception asked for (only while status is 5)"""
        return supplements.submit_supplement(engine(), actor(), code, body["data"])


@blp.route("/<string:code>/withdraw")
class Withdrawal(MethodView):
    @blp.arguments(WithdrawBody)
    @blp.response(200, DossierSchema)
    @blp.authenticated(
        "Not the applicant (nor reception of the unit, for a dossier without an account)",
        (404, "No such dossier"),
        (409, "Already resolved, returned or closed"),
    )
    def post(self, body: dict[str, Any], code: str) -> DossierDetail:
        """Withdraw the dossier at the applicant's request before its result (status 7); its
        open steps close"""
        return closures.withdraw_dossier(engine(), actor(), code, body["reason"])


@blp.route("/<string:code>/stop")
class Stop(MethodView):
    @blp.arguments(StopBody)
    @blp.response(200, DossierSchema)
    @blp.authenticated(
        "Not a leader of the dossier's unit",
        (404, "No such dossier"),
        (409, "Not being handled (not received yet, resolved, returned or closed)"),
    )
    def post(self, body: dict[str, Any], code: str) -> DossierDetail:
        """Stop the handling (status 8) and issue Mẫu 05 with the reason and its legal basis;
        its open steps close"""
        return closures.stop_handling(engine(), actor(), code, body["reason"], body["legal_basis"])


@public_blp.route("/dossiers/<string:code>")
class PublicDossier(MethodView):
    @public_blp.arguments(PublicQuery, location="query")
    @public_blp.response(200, PublicDossierSchema)
    @public_blp.alt_response(
        404, schema=ProblemSchema, description="Code and ID number (tax code) do not match"
    )
    @public_blp.alt_response(
        429,
        schema=ProblemSchema,
        description="Too many lookups from this address: wait `Retry-After` seconds",
        headers={"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}},
    )
    def get(self, query: dict[str, str], code: str) -> PublicDossierView:
        """Look up a dossier's status by its code and the applicant's ID number (an employer's
        dossier: its tax code)"""
        return queries.public_lookup(engine(), code, query["id_number"] or query["tax_code"])
