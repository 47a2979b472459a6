"""Which forms a diagram node may issue (`issues: mau_02`), checked when a diagram is deployed.

Kept apart from `engine.issuing` so that deploying a diagram does not load the renderer. A form
needs a data builder in `engine.issuing.data` before a node can issue it. Mẫu 05 is issued when a
leader stops the handling (`engine.step.causes.stop`); Mẫu 06 and 07 are made on demand from
the handovers; none of them is issued by a node.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.procedures.model import TRUE_VALUES
from engine.statuses import DossierStatus

#: Issued by the node that declares them, when the dossier enters it.
DECLARED_FORMS = frozenset({"mau_02", "mau_03", "quyet_dinh", "thong_bao"})
#: Issued by the engine's legal rules (R-2.3, R-2.5) at the node that declares them.
RECEIPT_FORM = "mau_01"  # the node that sets status 2 (received)
APOLOGY_FORM = "mau_04"  # the user task with reappointment=true
ISSUABLE_FORMS = DECLARED_FORMS | {RECEIPT_FORM, APOLOGY_FORM}
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
    return []
