"""Which forms a diagram node may issue (`issues: mau_02`), checked when a diagram is deployed.

Kept apart from `engine.issuing` so that deploying a diagram does not load the renderer. A form
needs a data builder in `engine.issuing.data` before a node can issue it. Mẫu 05 is issued when a
leader stops the handling (`engine.step.causes.stop`); Mẫu 06 and 07 are made on demand from
the handovers; none of them is issued by a node.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from engine.procedures.model import TRUE_VALUES
from engine.statuses import DossierStatus

#: Issued by the node that declares them, when the dossier enters it.
DECLARED_FORMS = frozenset({"mau_02", "mau_03", "quyet_dinh", "thong_bao"})
#: Issued by the engine's legal rules (R-2.3, R-2.5) at the node that declares them.
RECEIPT_FORM = "mau_01"  # the node that sets status 2 (received)
APOLOGY_FORM = "mau_04"  # the user task with reappointment=true
ISSUABLE_FORMS = DECLARED_FORMS | {RECEIPT_FORM, APOLOGY_FORM}
#: A procedure's result documents; the node issuing one lists what it prints in `result_fields`.
RESULT_FORMS = frozenset({"quyet_dinh", "thong_bao"})
RESULT_FIELDS_PROPERTY = "result_fields"
#: Legal bases a decision cites: the process property `legal_basis`, items split like this.
LEGAL_BASIS_PROPERTY = "legal_basis"
_ITEM_SEPARATOR = re.compile(r"[;\n]")
_FIELD_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
MAX_RESULT_FIELDS = 30
MAX_LABEL_LENGTH = 200
_NOT_FROM_A_NODE = {
    "mau_05": "Mẫu 05 is issued when a leader stops the handling (POST /dossiers/{code}/stop), "
    "not by a node",
    "mau_06": "Mẫu 06 is made on demand from the handovers, not issued by a node",
    "mau_07": "Mẫu 07 is made on demand for a period, not issued by a node",
}


def issues_problems(
    properties: Mapping[str, str], *, is_user_task: bool, status: int | None
) -> list[str]:
    """What is wrong with a node's `issues` property (empty: nothing, or no property)."""
    form = properties.get("issues")
    if RESULT_FIELDS_PROPERTY in properties and (form or "").strip() not in RESULT_FORMS:
        return [
            f"property {RESULT_FIELDS_PROPERTY} belongs on a node that issues "
            f"{' or '.join(sorted(RESULT_FORMS))}"
        ]
    if form is None:
        return []
    form = form.strip()
    if form in _NOT_FROM_A_NODE:
        return [f"property issues='{form}': {_NOT_FROM_A_NODE[form]}"]
    if form not in ISSUABLE_FORMS:
        known = ", ".join(sorted(ISSUABLE_FORMS))
        return [f"property issues='{form}' is not a form a node can issue ({known})"]
    if form == RECEIPT_FORM and status != DossierStatus.ACCEPTED:
        return [f"property issues='{form}' belongs on the node that sets status 2 (received)"]
    reappoints = properties.get("reappointment", "").strip().lower() in TRUE_VALUES
    if form == APOLOGY_FORM and not (is_user_task and reappoints):
        return [f"property issues='{form}' belongs on the user task with reappointment=true"]
    if form in RESULT_FORMS:
        return result_fields_problems(properties)
    return []


def result_fields(properties: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """The fields a result document prints, with the label it prints before each value, from
    the issuing node's `result_fields` property: `new_card_number: Số thẻ bảo hiểm y tế mới;
    opinion: Ý kiến thẩm định` (entries split by `;` or new lines; the wording is the
    procedure's, so that it changes with the diagram, not the code). Malformed entries are
    left out (the deploy refuses them, `result_fields_problems`)."""
    found: list[tuple[str, str]] = []
    for entry in _ITEM_SEPARATOR.split(properties.get(RESULT_FIELDS_PROPERTY, "")):
        name, colon, label = entry.partition(":")
        if colon and _FIELD_NAME.match(name.strip()) and label.strip():
            found.append((name.strip(), " ".join(label.split())))
    return tuple(found)


def result_fields_problems(properties: Mapping[str, str]) -> list[str]:
    """What is wrong with the `result_fields` of a node that issues a result."""
    raw = properties.get(RESULT_FIELDS_PROPERTY)
    if raw is None or not raw.strip():
        return [
            f"property issues='{properties.get('issues', '').strip()}' needs the property "
            f"{RESULT_FIELDS_PROPERTY} (e.g. 'new_card_number: Số thẻ bảo hiểm y tế mới; "
            "opinion: Ý kiến thẩm định'): the result fields the document prints and their labels"
        ]
    problems = []
    entries = [e.strip() for e in _ITEM_SEPARATOR.split(raw) if e.strip()]
    for entry in entries:
        name, colon, label = entry.partition(":")
        if not (colon and _FIELD_NAME.match(name.strip()) and label.strip()):
            problems.append(
                f"property {RESULT_FIELDS_PROPERTY}: '{entry[:60]}' is not 'field: label'"
            )
        elif len(label.strip()) > MAX_LABEL_LENGTH:
            problems.append(
                f"property {RESULT_FIELDS_PROPERTY}: the label of '{name.strip()}' is longer "
                f"than {MAX_LABEL_LENGTH} characters"
            )
    names = [name for name, _ in result_fields(properties)]
    if len(set(names)) != len(names):
        problems.append(f"property {RESULT_FIELDS_PROPERTY} names a field twice")
    if len(entries) > MAX_RESULT_FIELDS:
        problems.append(f"property {RESULT_FIELDS_PROPERTY}: at most {MAX_RESULT_FIELDS} fields")
    return problems


def legal_bases(properties: Mapping[str, str]) -> list[str]:
    """The legal bases of the process property `legal_basis` (items split by `;` or lines)."""
    raw = properties.get(LEGAL_BASIS_PROPERTY, "")
    return [" ".join(item.split()) for item in _ITEM_SEPARATOR.split(raw) if item.strip()]
