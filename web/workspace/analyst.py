"""The process analysts' pages (issue 16, docs/web.md): the procedures and their versions, a
version's diagram, the difference between two versions, and the upload of a bundle (BPMN +
forms) with its validation problems listed by file, line and element and marked on the diagram.
The heatmap is in web/workspace/heatmap.py. Every page calls the engine's definition queries
and services, exactly as /api/v1/definitions does; the engine checks who may."""

from __future__ import annotations

from pathlib import PurePath

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from werkzeug.datastructures import FileStorage
from werkzeug.wrappers import Response as WerkzeugResponse

from engine.errors import DefinitionProblem, InvalidDefinitionError
from engine.queries import definitions as queries
from engine.queries.diagram_views import draft_diagram, version_diagram
from engine.security.authz import Role
from engine.services import definitions as services
from web.auth.session import current_actor, login_required
from web.context import engine
from web.i18n import _
from web.upload_limits import accepts_files

blp = Blueprint("analyst", __name__, url_prefix="/quy-trinh")

#: Who reads definitions (as engine.security.authz says) and who uploads them.
READERS = (Role.ANALYST, Role.ADMIN, Role.AUDITOR)
UPLOADERS = (Role.ANALYST, Role.ADMIN)
#: As the API: at most 10 MiB per upload, file names of at most 200 characters.
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_FILENAME_CHARS = 200
BPMN_XML = "application/xml"


@blp.get("")
@login_required(*READERS)
def procedures() -> str:
    """Every deployed procedure with its latest version."""
    actor = current_actor()
    assert actor is not None
    found = queries.list_definitions(engine(), actor)
    return render_template(
        "workspace/analyst/procedures.html",
        procedures=found,
        can_upload=actor.has(*UPLOADERS),
    )


@blp.get("/<string:key>")
@login_required(*READERS)
def versions(key: str) -> str:
    """A procedure's versions, newest first, and the form to compare two of them."""
    actor = current_actor()
    assert actor is not None
    found = queries.list_versions(engine(), actor, key)
    return render_template(
        "workspace/analyst/versions.html",
        key=key,
        name=found[-1].name,
        versions=list(reversed(found)),
    )


@blp.get("/<string:key>/phien-ban/<int:version>")
@login_required(*READERS)
def version(key: str, version: int) -> str:
    """One version's diagram: bpmn-js in the browser, the server's SVG without JavaScript."""
    actor = current_actor()
    assert actor is not None
    ctx = engine()
    picture = version_diagram(ctx, actor, key, version)
    summary = next(v for v in queries.list_versions(ctx, actor, key) if v.version == version)
    return render_template(
        "workspace/analyst/version.html", key=key, summary=summary, picture=picture
    )


@blp.get("/<string:key>/phien-ban/<int:version>/so-do.bpmn")
@login_required(*READERS)
def version_source(key: str, version: int) -> Response:
    """The version's BPMN XML, which bpmn-js loads."""
    actor = current_actor()
    assert actor is not None
    picture = version_diagram(engine(), actor, key, version)
    response = Response(picture.xml, mimetype=BPMN_XML)
    response.headers["Cache-Control"] = "private, max-age=3600"  # a version never changes
    return response


@blp.get("/<string:key>/so-sanh")
@login_required(*READERS)
def diff(key: str) -> str | tuple[str, int]:
    """What changed between two versions (the page of GET /api/v1/definitions/{key}/diff)."""
    actor = current_actor()
    assert actor is not None
    ctx = engine()
    found = queries.list_versions(ctx, actor, key)
    numbers = [v.version for v in found]
    old = _version_arg("tu", numbers, numbers[-2] if len(numbers) > 1 else numbers[-1])
    new = _version_arg("den", numbers, numbers[-1])
    if old is None or new is None:
        message = _("Chọn hai phiên bản có trong danh sách.")
        page = render_template(
            "workspace/analyst/diff.html", key=key, versions=numbers, diff=None, error=message
        )
        return page, 422
    changes = queries.diff_versions(ctx, actor, key, old, new)
    return render_template(
        "workspace/analyst/diff.html",
        key=key,
        versions=numbers,
        diff=changes,
        error=None,
        name=found[-1].name,
    )


@blp.route("/tai-len", methods=["GET", "POST"])
@accepts_files(1, each=MAX_UPLOAD_BYTES)  # a bundle may be larger than a form post
@login_required(*UPLOADERS)
def upload() -> str | tuple[str, int] | WerkzeugResponse:
    """Check a bundle (`kiem_tra`) or deploy it (`trien_khai`). Problems are listed by file,
    line and element and marked on the diagram of the uploaded BPMN file."""
    if request.method == "GET":
        return render_template("workspace/analyst/upload.html", problems=[], picture=None)
    actor = current_actor()
    assert actor is not None
    files, problems = _bundle(request.files.getlist("tep"))
    deploying = request.form.get("hanh_dong") == "trien_khai"
    if not problems:
        try:
            if deploying:
                result = services.deploy(engine(), actor, files)
                if result.created:
                    flash(_("Đã triển khai phiên bản %(v)s.", v=result.version), "success")
                else:
                    flash(_("Nội dung đã có ở phiên bản %(v)s.", v=result.version), "info")
                return redirect(url_for(".versions", key=result.key))
            report = queries.validate_upload(actor, files)
            return render_template(
                "workspace/analyst/upload.html",
                problems=report.warnings,
                picture=draft_diagram(actor, files, report.warnings),
                valid_key=report.key,
            )
        except InvalidDefinitionError as error:
            problems = list(error.problems)
    picture = draft_diagram(actor, files, problems) if files else None
    page = render_template("workspace/analyst/upload.html", problems=problems, picture=picture)
    return page, 422


def _version_arg(name: str, known: list[int], default: int) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    return int(raw) if raw.isdigit() and int(raw) in known else None


def _bundle(uploads: list[FileStorage]) -> tuple[dict[str, bytes], list[DefinitionProblem]]:
    """File name -> content, as the API reads a bundle; problems in Vietnamese."""
    files: dict[str, bytes] = {}
    problems: list[DefinitionProblem] = []
    for upload in uploads:
        name = PurePath((upload.filename or "").replace("\\", "/")).name
        if not name and not upload.filename:
            continue  # the empty part a browser sends when no file was chosen
        if not name or len(name) > MAX_FILENAME_CHARS:
            problems.append(DefinitionProblem("error", _("Mỗi tệp cần có tên hợp lệ."), name))
        elif name in files:
            problems.append(DefinitionProblem("error", _("Hai tệp trùng tên."), name))
        else:
            files[name] = upload.read()
    if not files and not problems:
        problems.append(DefinitionProblem("error", _("Hãy chọn ít nhất một tệp (.bpmn, .json).")))
    return files, problems
