"""The documents a step issues because its diagram declares them (`issues: mau_02` on a node).

Called once per applied step (`engine.step.apply.apply_step`), live and in replay: each node the
step entered that declares a form of `DECLARED_FORMS` (mau_02, mau_03, quyet_dinh, thong_bao)
issues it through `engine.records.issue`, which numbers, renders and signs it through the
store's sealer (`engine.issuing.sealers`). Mẫu 01 and 04 are issued by the legal rules
(acceptance, re-appointment) through the same function.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from engine import records
from engine.issuing import data as document_data
from engine.procedures.issues import DECLARED_FORMS, result_fields
from engine.procedures.model import ProcedureModel
from engine.records import DocumentSink
from engine.security.authz import Actor
from storage.models import Dossier
from storage.record_models import Document


class EnteredNodes(Protocol):
    @property
    def entered(self) -> tuple[str, ...]: ...
    @property
    def data(self) -> dict[str, Any]: ...


def issue_declared(
    store: DocumentSink,
    dossier: Dossier,
    model: ProcedureModel,
    outcome: EnteredNodes,
    *,
    actor: Actor,
    now: datetime,
) -> list[Document]:
    """Issue the form each entered node declares (`issues: mau_02`); return the documents."""
    issued: list[Document] = []
    for bpmn_id in outcome.entered:
        node = model.node(bpmn_id)
        template = node.properties.get("issues", "").strip() if node is not None else ""
        if template not in DECLARED_FORMS:
            continue  # none, or Mẫu 01/04, which the legal rules issue
        unit = store.units.get(dossier.unit_code)
        printed = result_fields(node.properties) if node is not None else ()
        content = document_data.content(
            template, dossier, model, unit, outcome.data, actor.username, printed
        )
        form = template.removeprefix("mau_")
        issued.append(
            records.issue(store, dossier, form, content, actor=actor, now=now, bpmn_id=bpmn_id)
        )
    return issued
