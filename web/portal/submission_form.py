"""What the "Nộp hồ sơ trực tuyến" page asks, as one JSON Schema drawn by web.forms_render: the
receiving unit, the applicant (a person, or an employer for procedures whose catalogue entry says
`applicant: employer`) and the procedure's own submission form without its list of attachments,
which the uploaded files fill in (`ATTACHMENTS`).

One schema, so one renderer, one validation (`forms.validate`, as the API's) and one error summary
for the whole page; `split` gives back what `engine.services.dossiers.submit_dossier` takes.
The applicant's rules are the engine's (engine/services/dossiers.py); the engine checks them again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.applicants import APPLICANT_EMPLOYER
from engine.file_results import StagedFile
from engine.results import UnitDetail
from engine.services.dossiers import (
    EMAIL_PATTERN,
    EMPLOYER_UNIT_CODE_PATTERN,
    ID_NUMBER_PATTERN,
    PERSON_NAME_MAX,
    PHONE_PATTERN,
    TAX_CODE_PATTERN,
    Applicant,
)
from web.i18n import _

UNIT_KEY = "receiving_unit"
APPLICANT_KEY = "applicant"
#: The submission forms' list of attached documents (`[{name, sha256}]`): filled from the uploads.
ATTACHMENTS = "attachments"


def _text(title: str, max_length: int, **extra: Any) -> dict[str, Any]:
    return {"type": "string", "title": title, "maxLength": max_length, **extra}


def _contact() -> dict[str, Any]:
    return {
        "phone": _text(
            _("Số điện thoại"),
            13,
            pattern=PHONE_PATTERN.pattern,
            description=_("Ví dụ: 0912345678"),
        ),
        "email": _text(_("Thư điện tử"), 254, pattern=EMAIL_PATTERN.pattern),
    }


def person_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "title": _("Người nộp hồ sơ"),
        "additionalProperties": False,
        "required": ["full_name", "id_number"],
        "properties": {
            "full_name": _text(_("Họ và tên người nộp"), PERSON_NAME_MAX, minLength=2),
            "id_number": _text(
                _("Số CCCD/ĐDCN/Hộ chiếu của người nộp"),
                12,
                pattern=ID_NUMBER_PATTERN.pattern,
                description=_("8 đến 12 chữ số hoặc chữ in hoa, ví dụ 001090012345"),
            ),
            **_contact(),
            "address": _text(_("Địa chỉ liên hệ"), 300),
        },
    }


def employer_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "title": _("Đơn vị nộp hồ sơ (đơn vị sử dụng lao động)"),
        "additionalProperties": False,
        "required": ["full_name", "tax_code", "unit_code", "address", "contact_name"],
        "properties": {
            "full_name": _text(_("Tên đơn vị"), 200, minLength=2),
            "tax_code": _text(
                _("Mã số thuế"),
                14,
                pattern=TAX_CODE_PATTERN.pattern,
                description=_("10 chữ số; chi nhánh: 10 chữ số, dấu “-” và 3 chữ số"),
            ),
            "unit_code": _text(
                _("Mã đơn vị BHXH"),
                15,
                pattern=EMPLOYER_UNIT_CODE_PATTERN.pattern,
                description=_("Mã cơ quan BHXH cấp cho đơn vị, 5 đến 15 chữ số hoặc chữ in hoa"),
            ),
            "address": _text(_("Địa chỉ đơn vị"), 300, minLength=5),
            "contact_name": _text(_("Người liên hệ"), 100, minLength=2),
            **_contact(),
        },
    }


def page_schema(
    submission: Mapping[str, Any] | None, applicant_kind: str, units: Sequence[UnitDetail]
) -> dict[str, Any]:
    """The page's schema: unit, applicant, then the procedure's fields (attachments aside)."""
    form = dict(submission or {"type": "object", "properties": {}})
    properties = {k: v for k, v in dict(form.get("properties") or {}).items() if k != ATTACHMENTS}
    required = [r for r in form.get("required") or [] if r != ATTACHMENTS]
    unit_field = {
        "type": "string",
        "title": _("Nơi nộp hồ sơ"),
        "enum": [u.code for u in units],
        "x-enum-titles": {u.code: u.name for u in units},
    }
    applicant = employer_schema() if applicant_kind == APPLICANT_EMPLOYER else person_schema()
    form["properties"] = {UNIT_KEY: unit_field, APPLICANT_KEY: applicant, **properties}
    form["required"] = [UNIT_KEY, APPLICANT_KEY, *required]
    return form


def has_attachment_list(submission: Mapping[str, Any] | None) -> bool:
    properties = (submission or {}).get("properties") or {}
    return isinstance(properties, Mapping) and ATTACHMENTS in properties


@dataclass(frozen=True, slots=True)
class Submission:
    unit: str
    applicant: Applicant
    data: dict[str, Any]


def split(
    values: Mapping[str, Any], applicant_kind: str, files: Sequence[StagedFile], with_list: bool
) -> Submission:
    """The page's typed values as the engine's submission; files become the attachment list."""
    data = {k: v for k, v in values.items() if k not in (UNIT_KEY, APPLICANT_KEY)}
    if with_list and files:
        data[ATTACHMENTS] = [{"name": f.name, "sha256": f.sha256} for f in files]
    given = dict(values.get(APPLICANT_KEY) or {})
    name = str(given.get("full_name") or "")
    contact: dict[str, Any] = {k: given.get(k) for k in ("phone", "email", "address")}
    if applicant_kind == APPLICANT_EMPLOYER:
        applicant = Applicant(
            full_name=name,
            kind=APPLICANT_EMPLOYER,
            tax_code=given.get("tax_code"),
            unit_code=given.get("unit_code"),
            contact_name=given.get("contact_name"),
            **contact,
        )
    else:
        applicant = Applicant(full_name=name, id_number=given.get("id_number"), **contact)
    return Submission(unit=str(values.get(UNIT_KEY) or ""), applicant=applicant, data=data)


def engine_error_paths(fields: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    """The engine's error paths (`unit`, `applicant.x`, `data.x`) as the page's (`data.` + name),
    the form `FormState.add_engine_errors` reads."""
    found = []
    for path, text in fields:
        if path == "unit":
            found.append((f"data.{UNIT_KEY}", text))
        elif path.startswith("applicant"):
            found.append((f"data.{path}", text))
        else:
            found.append((path, text))
    return found
