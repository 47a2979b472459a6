"""The Public Service Portal (Cổng Dịch vụ công BHXH): pages for citizens and employers.

Built so far (issue 15): the home page with the searchable catalogue, each procedure's page, the
public lookup by dossier code and ID number, and "Hồ sơ của tôi". Every page calls engine query
functions or services, exactly as the API does.
"""

from __future__ import annotations

from flask import Blueprint, render_template, request
from werkzeug.wrappers import Response

from engine.errors import NotFoundError
from engine.queries import dossiers as queries
from engine.security.authz import Role
from engine.services import units
from web.auth.session import current_actor, login_required
from web.context import engine
from web.i18n import _
from web.portal.catalogue import search
from web.portal.procedure_info import procedure_info
from web.portal.profile import register_profile
from web.simple_forms import FormErrors

blp = Blueprint("portal", __name__)
register_profile(blp)
MAX_QUERY = 100
MAX_CODE = 40
MAX_ID_NUMBER = 20
PAGE_SIZE = 20


@blp.get("/")
def home() -> str:
    """The catalogue of online services, searchable without accents."""
    query = request.args.get("q", "")[:MAX_QUERY].strip()
    procedures = queries.list_procedures(engine())
    found = search(procedures, query)
    return render_template("portal/home.html", query=query, procedures=found, total=len(procedures))


@blp.get("/thu-tuc/<string:key>")
def procedure(key: str) -> str:
    """A procedure's level-1 information, as its diagram declares it."""
    ctx = engine()
    detail = queries.get_procedure(ctx, key)
    info = procedure_info(detail, units.all_units(ctx))
    return render_template("portal/procedure.html", info=info)


@blp.route("/tra-cuu", methods=["GET", "POST"])
def lookup() -> str | tuple[str, int]:
    """Status of a dossier for anyone with its code and the applicant's ID number. POST only, so
    the ID number never appears in an address, a history or a log; rate-limited per address."""
    if request.method == "GET":
        return render_template("portal/lookup.html", values={}, errors=FormErrors(), found=None)
    code = request.form.get("code", "").strip().upper()
    id_number = request.form.get("id_number", "").strip().upper()
    errors = FormErrors()
    errors.check_text(
        "code",
        code,
        missing=_("Nhập mã hồ sơ"),
        max_length=MAX_CODE,
        too_long=_("Mã hồ sơ dài tối đa %(n)s ký tự", n=MAX_CODE),
    )
    errors.check_text(
        "id_number",
        id_number,
        missing=_("Nhập số CCCD/ĐDCN/Hộ chiếu của người nộp hồ sơ"),
        max_length=MAX_ID_NUMBER,
        too_long=_("Số giấy tờ dài tối đa %(n)s ký tự", n=MAX_ID_NUMBER),
    )
    values = {"code": code, "id_number": id_number}
    if errors:
        return render_template("portal/lookup.html", values=values, errors=errors, found=None), 422
    try:
        found = queries.public_lookup(engine(), code, id_number)
    except NotFoundError:
        page = render_template(
            "portal/lookup.html", values=values, errors=FormErrors(), found=None, not_found=True
        )
        return page, 404
    # The result page does not echo the ID number back into the form.
    return render_template(
        "portal/lookup.html", values={"code": code}, errors=FormErrors(), found=found
    )


@blp.get("/ho-so-cua-toi")
@login_required(Role.CITIZEN)
def my_dossiers() -> str | Response:
    """The signed-in citizen's dossiers, newest first, with their DVCQG status."""
    actor = current_actor()
    assert actor is not None
    ctx = engine()
    page_number = request.args.get("trang", "1")
    page_number_int = int(page_number) if page_number.isdigit() and len(page_number) < 7 else 1
    page = queries.list_dossiers(ctx, actor, page_number_int, PAGE_SIZE)
    names = {p.key: p.name for p in queries.list_procedures(ctx)}
    last_page = max(1, -(-page.total // page.page_size))
    return render_template("portal/my_dossiers.html", page=page, names=names, last_page=last_page)
