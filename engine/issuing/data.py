"""The data a document of record is rendered from (its snapshot), built from the dossier.

Two steps, both pure: `content` is what the dossier says when the form is issued (the document's
`data`, also in its `document_issued` event; Mẫu 01 and 04 get theirs from `engine.records`),
and `snapshot` turns a content and the number into the fields of the form's template in
engine/documents/templates/forms.json. Replay rebuilds the snapshot from the logged content and
number and compares it with the stored one; it never renders or signs again.

No sentence is composed here: a snapshot holds values (names, codes, dates, a result's
label/value pairs, the legal bases), and the form's template words them, so that a change of
wording is an edit of the template (the authority over the forms moves between ministries).
A result's labels and legal bases come from the procedure's diagram (`result_fields` on the
issuing node, `legal_basis` on the process), not from here.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from engine.procedures.issues import legal_bases
from engine.procedures.model import ProcedureModel
from storage.models import Dossier, Unit

PLACE = "Hà Nội"  # printed before the date; one value while every unit is in Hà Nội
DEFAULT_SIGNER_TITLE = "Giám đốc"
KIND_TITLES = {
    "original": "Bản chính",
    "certified_copy": "Bản sao có chứng thực",
    "copy": "Bản sao",
    "electronic": "Bản điện tử",
}
RETURN_CHANNELS = {
    "direct": "Trực tiếp tại Bộ phận Một cửa",
    "online": "Trực tuyến, qua Cổng dịch vụ công",
    "postal": "Qua dịch vụ bưu chính công ích",
}
SLA_UNITS = {
    "working_days": "ngày làm việc",
    "calendar_days_excl_holidays": "ngày (không kể ngày nghỉ lễ, Tết)",
    "working_hours": "giờ làm việc",
    "days": "ngày",
}
APPLICANT_PRINTED = ("full_name", "address", "phone", "email")
#: Kept in a document's content for an employer (engine.applicants): its tax code is printed.
EMPLOYER_KEPT = ("kind", "tax_code")


def header(
    dossier: Dossier, model: ProcedureModel, unit: Unit | None, *, no_unit: str | None = None
) -> dict[str, Any]:
    """What every document says about its dossier; a unit that is gone prints as `no_unit`
    (the printed forms: its code; the receipt's stored data has always said None)."""
    return {
        "code": dossier.code,
        "procedure": dossier.procedure_key,
        "procedure_code": model.code,
        "procedure_name": model.name,
        "unit_code": dossier.unit_code,
        "unit_name": unit.name if unit is not None else no_unit,
    }


def content(
    template: str,
    dossier: Dossier,
    model: ProcedureModel,
    unit: Unit | None,
    data: Mapping[str, Any],
    officer: str,
    result_fields: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """What a form issued by a diagram node (`issues: …`) says, from the dossier and the step's
    data (JSON values). `officer` is who took the step; a result prints the `result_fields`
    (field, label) of its node that the data holds."""
    found: dict[str, Any] = {
        **header(dossier, model, unit, no_unit=dossier.unit_code),
        "applicant": {
            key: dossier.applicant.get(key)
            for key in APPLICANT_PRINTED + EMPLOYER_KEPT
            if key in APPLICANT_PRINTED or dossier.applicant.get(key) is not None
        },
        "officer": officer,
    }
    if template == "mau_02":
        missing = data.get("missing_documents")
        found["items"] = [str(item) for item in missing] if isinstance(missing, list) else []
        found["reason"] = str(data.get("reasons") or "")
    elif template == "mau_03":
        found["reasons"] = [str(data.get("reasons") or "")]
    else:  # a result: quyet_dinh, thong_bao
        found["results"] = [
            {"label": label, "value": data[key] if isinstance(data[key], int) else str(data[key])}
            for key, label in result_fields
            if isinstance(data.get(key), str | int)
            and not isinstance(data[key], bool)
            and str(data[key]).strip()
        ]
        if template == "quyet_dinh":
            found["legal_bases"] = legal_bases(model.properties)
    return found


def snapshot(
    template: str, content: Mapping[str, Any], *, number: str, issued_on: date
) -> dict[str, Any]:
    """The template's data for a document numbered `number`, issued on `issued_on`."""
    common = {
        "unit_name": content.get("unit_name") or content["unit_code"],
        "unit_code": content["unit_code"],
        "place": PLACE,
        "issued_at": issued_on.isoformat(),
        "number": number,
    }
    fitted: dict[str, Any] = fit({**common, **_BUILDERS[template](content)})
    return fitted


def fit(value: Any) -> Any:
    """Text as the document can print it, so that what an applicant or officer typed never
    blocks a step: NFC, a character the font lacks (an emoji, a control character) becomes "?",
    a word too long for a line is broken. The snapshot keeps what was printed."""
    if isinstance(value, str):
        return _fit_text(value)
    if isinstance(value, list):
        return [fit(item) for item in value]
    if isinstance(value, Mapping):
        return {key: fit(item) for key, item in value.items()}
    return value


def _fit_text(text: str) -> str:
    from engine.documents.values import LONGEST_WORD, printable

    allowed = printable()
    normal = unicodedata.normalize("NFC", text.replace("\r\n", "\n"))
    kept = "".join(c if ord(c) in allowed or c == "\n" else "?" for c in normal)
    words = [
        " ".join(word[i : i + LONGEST_WORD] for i in range(0, len(word), LONGEST_WORD))
        if len(word) > LONGEST_WORD
        else word
        for word in kept.split(" ")
    ]
    return " ".join(words)


def _receipt(c: Mapping[str, Any]) -> dict[str, Any]:
    received = c.get("documents_received") or []
    return {
        "dossier_code": c["code"],
        "applicant": _applicant(c["applicant"]),
        "procedure": c["procedure_name"],
        "documents": [
            {
                "name": str(item.get("name", "")),
                "form": KIND_TITLES.get(str(item.get("kind")), str(item.get("kind", ""))),
                "count": int(item.get("quantity", 1)),
            }
            for item in received
            if isinstance(item, Mapping)
        ],
        "sets": 1,
        "time_limit": time_limit(c.get("sla")),
        "received_at": c["received_at"],
        "appointment_at": c.get("appointment_at") or c["received_at"],
        "return_place": f"Bộ phận Một cửa, {c.get('unit_name') or c['unit_code']}",
        "channel": RETURN_CHANNELS.get(str(c.get("return_channel")), "Trực tiếp"),
        "receiver_name": c.get("officer_name") or c["received_by"],
    }


def _supplement(c: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "dossier_code": c["code"],
        "applicant": _applicant(c["applicant"]),
        "procedure": c["procedure_name"],
        "items": list(c["items"]),
        "reason": c["reason"],
        "officer_name": c.get("officer_name") or c["officer"],
    }


def _refusal(c: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "dossier_code": c["code"],
        "applicant": _applicant(c["applicant"]),
        "procedure": c["procedure_name"],
        "reasons": list(c["reasons"]),
        "officer_name": c.get("officer_name") or c["officer"],
    }


def _apology(c: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "addressee": _addressee(c.get("applicant_name"), c.get("applicant_kind")),
        "dossier_code": c["code"],
        "procedure": c["procedure_name"],
        "received_at": c["received_at"],
        "appointment_at": c["previous_due_at"],
        "reason": c["reason"],
        "new_appointment_at": c["new_due_at"],
        "signer_title": DEFAULT_SIGNER_TITLE,
        "signer_name": c.get("officer_name") or c["signed_by"],
    }


def _stopping(c: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "addressee": _addressee(c.get("applicant_name"), c.get("applicant_kind")),
        "dossier_code": c["code"],
        "procedure": c["procedure_name"],
        "received_at": c["received_at"],
        "legal_basis": list(c["legal_basis"]),
        "reason": c["reason"],
        "signer_title": DEFAULT_SIGNER_TITLE,
        "signer_name": c.get("officer_name") or c["signed_by"],
    }


def _result(c: Mapping[str, Any]) -> dict[str, Any]:
    """A result's values; its template words them (thong_bao.typ, quyet_dinh.typ)."""
    return {
        "dossier_code": c["code"],
        "applicant_name": _applicant(c["applicant"])["full_name"],
        "procedure": c["procedure_name"],
        "results": [
            {"label": str(item.get("label", "")), "value": _printed(item.get("value", ""))}
            for item in c.get("results", [])
            if isinstance(item, Mapping)
        ],
        "signer_title": DEFAULT_SIGNER_TITLE,
        "signer_name": c.get("officer_name") or c["officer"],
    }


def _printed(value: Any) -> str:
    """A result's value as printed: a whole number grouped by thousands with dots, as Vietnamese
    writes amounts (152.000.000)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}".replace(",", ".")
    return str(value)


def _notice(c: Mapping[str, Any]) -> dict[str, Any]:
    found = _result(c)
    if isinstance(c["applicant"], Mapping) and c["applicant"].get("kind") == "employer":
        found["addressee"] = found["applicant_name"]  # addressed by name, not as Ông/Bà
    return found


def _decision(c: Mapping[str, Any]) -> dict[str, Any]:
    return {**_result(c), "legal_bases": [str(basis) for basis in c.get("legal_bases", [])]}


_BUILDERS = {
    "mau_01": _receipt,
    "mau_02": _supplement,
    "mau_03": _refusal,
    "mau_04": _apology,
    "mau_05": _stopping,
    "thong_bao": _notice,
    "quyet_dinh": _decision,
}


def _applicant(raw: Any) -> dict[str, Any]:
    applicant = raw if isinstance(raw, Mapping) else {}
    printed = {k: str(applicant[k]) for k in APPLICANT_PRINTED if applicant.get(k)}
    printed.setdefault("full_name", "(không rõ)")
    if applicant.get("kind") == "employer" and applicant.get("tax_code"):
        printed["full_name"] += f" (mã số thuế {applicant['tax_code']})"
    return printed


def _addressee(name: Any, kind: Any = None) -> str:
    if name and kind == "employer":  # an employer is addressed by its name alone
        return str(name)
    return f"Ông/Bà {name}" if name else "Người nộp hồ sơ"


def time_limit(sla: Any) -> str:
    """`2 working_days` → `02 ngày làm việc` (Decree 30/2020: numbers below 10 take a zero)."""
    parts = str(sla or "").split()
    if len(parts) == 2 and parts[0].isdigit() and parts[1] in SLA_UNITS:
        return f"{int(parts[0]):02d} {SLA_UNITS[parts[1]]}"
    return str(sla) if sla else "theo quy định"
