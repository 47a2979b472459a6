"""Documents of record (issue 14): a dossier's issued documents (list, signed PDF, printable
HTML), corrections, Mẫu 06 on demand, and a unit's tracking book (Mẫu 07) as PDF volumes or
XLSX. Reads are logged; what renders on demand is rate-limited per user (api.ratelimit)."""

from __future__ import annotations

import io
from datetime import date
from typing import Any
from urllib.parse import urlencode

import marshmallow as ma
from flask import Response, request, send_file
from flask.views import MethodView

from api.base import Blueprint, LocalDateTime, Schema
from api.context import actor, engine
from engine.services import documents
from engine.services.documents import DocumentFile, IssuedDocument
from engine.services.tracking_book import VOLUME_ROWS, tracking_book

blp = Blueprint(
    "documents",
    __name__,
    url_prefix="/api/v1",
    description="Documents of record: Mẫu 01–07 and results, signed PDFs",
)

PDF = "application/pdf"
HTML = "text/html"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BINARY = {"schema": {"type": "string", "format": "binary"}}
_FORBIDDEN = "Not yours / not your unit"
_NOT_FOUND = (404, "No such dossier or document")


class IssuedDocumentSchema(Schema):
    id = ma.fields.Integer(required=True)
    form = ma.fields.String(required=True, metadata={"description": "01…07, or the result kind"})
    template = ma.fields.String(allow_none=True, metadata={"description": "e.g. mau_01"})
    number = ma.fields.String(
        allow_none=True, metadata={"description": "as printed after Số:, e.g. 3/TNHS-BHXHQBĐ"}
    )
    title = ma.fields.String(required=True)
    issued_at = LocalDateTime(required=True)
    issued_by = ma.fields.String(required=True)
    unit_code = ma.fields.String(required=True)
    sha256 = ma.fields.String(
        allow_none=True, metadata={"description": "of the signed PDF, as the audit chain records"}
    )
    corrects = ma.fields.Integer(
        allow_none=True, metadata={"description": "id of the document this one corrects"}
    )
    corrected_by = ma.fields.Integer(
        allow_none=True, metadata={"description": "id of the correction of this document"}
    )


class CorrectionBody(Schema):
    reason = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=2000),
        metadata={"description": "why the document is corrected (printed on the correction)"},
    )
    changes = ma.fields.Dict(
        data_key="fields",
        keys=ma.fields.String(validate=ma.validate.Length(max=100)),
        required=True,
        metadata={
            "description": "the form's fields that change, with their corrected values "
            "(`motcua documents forms` lists them); the others are kept"
        },
    )


class DocumentListSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(IssuedDocumentSchema), required=True)
    total = ma.fields.Integer(required=True)


class TrackingBookQuery(Schema):
    start = ma.fields.Date(data_key="from", required=True)
    end = ma.fields.Date(data_key="to", required=True)
    format = ma.fields.String(
        load_default=None, validate=ma.validate.OneOf(["pdf", "xlsx"]), allow_none=True
    )
    volume = ma.fields.Integer(
        load_default=1,
        validate=ma.validate.Range(min=1, max=10_000),
        metadata={"description": f"which volume of the PDF ({VOLUME_ROWS} dossiers each)"},
    )


def _download(content: bytes, media_type: str, name: str, etag: str | None = None) -> Response:
    response = send_file(
        io.BytesIO(content), mimetype=media_type, as_attachment=False, download_name=name
    )
    if etag:
        response.set_etag(etag)
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


def _wants_html() -> bool:
    best = request.accept_mimetypes.best_match([PDF, HTML], default=PDF)
    return best == HTML


#: The endpoints that render on demand (Typst, one compiler per process): limited per user by
#: MOTCUA_RATELIMIT_RENDER (api.ratelimit). A stored PDF is served as issued and not counted.
RENDERING_ENDPOINTS = frozenset({"documents.ControlSlip", "documents.TrackingBook"})
_TOO_MANY_RENDERS = "Too many renders by this user (MOTCUA_RATELIMIT_RENDER); see Retry-After"


#: What one request costs of the budget: a volume of the book (or its workbook) renders for
#: about half a second to a second (docs/documents.md, "Cost control"), a slip or a view ~15 ms.
BOOK_COST = 5


def render_cost() -> int:
    return BOOK_COST if request.endpoint == "documents.TrackingBook" else 1


def renders_on_demand() -> bool:
    """Whether the current request renders a document (and so counts against the limit)."""
    if request.endpoint in RENDERING_ENDPOINTS:
        return True
    return request.endpoint == "documents.DossierDocument" and _wants_html()


@blp.route("/dossiers/<string:code>/documents")
class DossierDocuments(MethodView):
    @blp.response(200, DocumentListSchema)
    @blp.authenticated(_FORBIDDEN, _NOT_FOUND)
    def get(self, code: str) -> dict[str, Any]:
        """The documents issued for a dossier, oldest first (read logged)"""
        items = documents.list_documents(engine(), actor(), code)
        return {"items": items, "total": len(items)}


# `document.id` is a 32-bit INTEGER column: a larger id names no document (404), never a query
# PostgreSQL refuses.
@blp.route("/dossiers/<string:code>/documents/<int(max=2147483647):document_id>")
class DossierDocument(MethodView):
    @blp.doc(
        responses={
            "200": {
                "description": "The signed PDF as issued (Accept: application/pdf, the default) "
                "or the printable HTML view (Accept: text/html)",
                "content": {PDF: _BINARY, HTML: _BINARY},
            }
        }
    )
    @blp.authenticated(
        _FORBIDDEN,
        _NOT_FOUND,
        (409, "Issued before documents were PDFs"),
        (429, _TOO_MANY_RENDERS + " (the HTML view only)"),
    )
    def get(self, code: str, document_id: int) -> Response:
        """One document of the dossier, as its signed PDF or printable HTML (read logged)"""
        found: DocumentFile = documents.read_document(
            engine(), actor(), code, document_id, html=_wants_html()
        )
        return _download(found.content, found.media_type, found.filename, found.document.sha256)


@blp.route("/dossiers/<string:code>/documents/<int(max=2147483647):document_id>/corrections")
class DocumentCorrections(MethodView):
    @blp.arguments(CorrectionBody)
    @blp.response(201, IssuedDocumentSchema)
    @blp.authenticated(
        "Not a leader of the dossier's unit",
        _NOT_FOUND,
        (409, "Corrected already (correct the correction), or issued before documents were PDFs"),
        (422, "No reason, no change, or a field the form cannot print"),
    )
    def post(self, body: dict[str, Any], code: str, document_id: int) -> IssuedDocument:
        """Correct an issued document: a new document of the same form and sequence that says
        which document it replaces and why; the corrected one stays as issued"""
        return documents.correct_document(
            engine(), actor(), code, document_id, body["changes"], body["reason"]
        )


@blp.route("/dossiers/<string:code>/control-slip")
class ControlSlip(MethodView):
    @blp.doc(
        responses={
            "200": {
                "description": "Mẫu 06 as of the dossier's last event: a signed PDF "
                "(Accept: application/pdf, the default) or the printable HTML view "
                "(Accept: text/html)",
                "content": {PDF: _BINARY, HTML: _BINARY},
            }
        }
    )
    @blp.authenticated(_FORBIDDEN, _NOT_FOUND, (409, "Not received yet"), (429, _TOO_MANY_RENDERS))
    def get(self, code: str) -> Response:
        """Mẫu 06, the process-control slip, from the dossier's handovers (read logged)"""
        html = _wants_html()
        slip = documents.control_slip(engine(), actor(), code, html=html)
        if html:
            return _download(slip, "text/html; charset=utf-8", f"{code}-mau_06.html")
        return _download(slip, PDF, f"{code}-mau_06.pdf")


@blp.route("/units/<string:unit_code>/tracking-book")
class TrackingBook(MethodView):
    @blp.arguments(TrackingBookQuery, location="query")
    @blp.doc(
        responses={
            "200": {
                "description": "Mẫu 07 for the period: an XLSX workbook of the whole period "
                "(format=xlsx or Accept: the XLSX type), or one volume of the signed PDF "
                f"({VOLUME_ROWS} dossiers each; `volume`, from 1). The headers say how many "
                "volumes the period fills (`Book-Volumes`) and link the next one "
                '(`Link: <…>; rel="next"`)',
                "content": {PDF: _BINARY, XLSX: _BINARY},
                "headers": {
                    "Book-Volumes": {
                        "description": "how many PDF volumes the period fills",
                        "schema": {"type": "integer"},
                    },
                    "Book-Dossiers": {
                        "description": "how many dossiers the period holds",
                        "schema": {"type": "integer"},
                    },
                },
            }
        }
    )
    @blp.authenticated(
        "Not an officer of the unit or an auditor",
        (404, "No such unit"),
        (422, "Bad period, or no such volume"),
        (429, _TOO_MANY_RENDERS),
    )
    def get(self, query: dict[str, Any], unit_code: str) -> Response:
        """Mẫu 07, the unit's tracking book of the dossiers received in a period (logged)"""
        start: date = query["start"]
        end: date = query["end"]
        xlsx = query.get("format") == "xlsx" or (
            query.get("format") is None
            and request.accept_mimetypes.best_match([PDF, XLSX], default=PDF) == XLSX
        )
        book = tracking_book(
            engine(), actor(), unit_code, start, end, xlsx=xlsx, volume=query["volume"]
        )
        name = f"{unit_code}-mau_07-{start:%Y%m%d}-{end:%Y%m%d}"
        if xlsx:
            response = _download(book.content, XLSX, name + ".xlsx")
        else:
            part = f"-{book.volume}of{book.volumes}" if book.volumes > 1 else ""
            response = _download(book.content, PDF, name + part + ".pdf")
            if book.volume < book.volumes:
                following = urlencode({**request.args.to_dict(), "volume": book.volume + 1})
                response.headers["Link"] = f'<{request.path}?{following}>; rel="next"'
        response.headers["Book-Volumes"] = str(book.volumes)
        response.headers["Book-Dossiers"] = str(book.total)
        return response
