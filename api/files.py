"""Files of a dossier: upload (multipart), list, download; the public upload rules (SEC-7)."""

from __future__ import annotations

import io
from typing import Any

import marshmallow as ma
from flask import Response, request, send_file
from flask.views import MethodView
from flask_smorest.fields import Upload
from werkzeug.datastructures import FileStorage

from api.base import Blueprint, LocalDateTime, Schema
from api.context import actor, engine
from engine.file_results import FileView
from engine.services import files
from engine.uploads import ALLOWED_TYPES

blp = Blueprint(
    "files", __name__, url_prefix="/api/v1/dossiers", description="Files of a dossier (tệp)"
)
rules_blp = Blueprint(
    "upload_rules",
    __name__,
    url_prefix="/api/v1/public",
    description="What may be uploaded (no login)",
)
#: Room for the multipart envelope around the largest allowed file.
MULTIPART_OVERHEAD = 64 * 1024


class UploadForm(Schema):
    file = Upload(required=True, metadata={"description": "a PDF, JPEG or PNG file"})


class FileSchema(Schema):
    sha256 = ma.fields.String(required=True, metadata={"description": "SHA-256 of the content"})
    name = ma.fields.String(required=True)
    size = ma.fields.Integer(required=True, metadata={"description": "bytes"})
    content_type = ma.fields.String(required=True, metadata={"description": "judged by content"})
    uploaded_at = LocalDateTime(required=True)
    uploaded_by = ma.fields.String(required=True)


class FileListSchema(Schema):
    items = ma.fields.List(ma.fields.Nested(FileSchema), required=True)
    total = ma.fields.Integer(required=True)


class AllowedTypeSchema(Schema):
    content_type = ma.fields.String(required=True)
    extensions = ma.fields.List(ma.fields.String(), required=True)


class UploadRulesSchema(Schema):
    max_bytes = ma.fields.Integer(required=True)
    types = ma.fields.List(ma.fields.Nested(AllowedTypeSchema), required=True)


_BINARY = {"schema": {"type": "string", "format": "binary"}}


@blp.before_request
def _allow_upload_size() -> None:
    if request.method == "POST":
        limit = engine().settings.upload_max_bytes
        request.max_content_length = limit + MULTIPART_OVERHEAD


_FORBIDDEN = "Not yours / not your unit"
_NOT_FOUND = (404, "No such dossier or file")


@blp.route("/<string:code>/files")
class DossierFiles(MethodView):
    @blp.arguments(UploadForm, location="files")
    @blp.response(201, FileSchema, description="Stored; its SHA-256 is recorded in an event")
    @blp.alt_response(200, schema=FileSchema, description="The dossier already has this file")
    @blp.authenticated(
        _FORBIDDEN,
        _NOT_FOUND,
        (409, "The dossier is closed"),
        (413, "Larger than the upload limit (see GET /public/upload-rules)"),
        (415, "Not a PDF, JPEG or PNG by its content, or a name claiming another type"),
        (422, "No file, or an empty one"),
    )
    def post(self, form: dict[str, FileStorage], code: str) -> Any:
        """Upload a file (the applicant, or reception of the dossier's unit)"""
        upload = form["file"]
        content = upload.stream.read(engine().settings.upload_max_bytes + 1)
        view, created = files.upload_file(engine(), actor(), code, upload.filename or "", content)
        return view, 201 if created else 200

    @blp.response(200, FileListSchema)
    @blp.authenticated(_FORBIDDEN, _NOT_FOUND)
    def get(self, code: str) -> dict[str, Any]:
        """The dossier's files, oldest first"""
        items: list[FileView] = files.list_files(engine(), actor(), code)
        return {"items": items, "total": len(items)}


@blp.route("/<string:code>/files/<string:sha256>")
class DossierFile(MethodView):
    @blp.doc(
        responses={
            "200": {
                "description": "The file, as an attachment",
                "content": {t.content_type: _BINARY for t in ALLOWED_TYPES},
            }
        }
    )
    @blp.authenticated(_FORBIDDEN, _NOT_FOUND)
    def get(self, code: str, sha256: str) -> Response:
        """Download a file of the dossier (whoever may read the dossier)"""
        found = files.read_file(engine(), actor(), code, sha256)
        response = send_file(
            io.BytesIO(found.content),
            mimetype=found.file.content_type,
            as_attachment=True,
            download_name=found.file.name,
            etag=found.file.sha256,
        )
        response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


@rules_blp.route("/upload-rules")
class UploadRules(MethodView):
    @rules_blp.response(200, UploadRulesSchema)
    def get(self) -> dict[str, Any]:
        """The file types and the size limit uploads must respect"""
        return {"max_bytes": engine().settings.upload_max_bytes, "types": ALLOWED_TYPES}
