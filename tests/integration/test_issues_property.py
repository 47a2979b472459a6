"""The `issues` property of a diagram node (issue 14): which form the node issues, checked at
deploy: an unknown form, or a form a node cannot issue, is refused naming the element."""

from __future__ import annotations

from datetime import date

import pytest

from engine.context import EngineContext
from engine.definitions.bundles import bundle_from_directory, validate_bundle
from engine.documents import render_pdf
from engine.errors import InvalidDefinitionError
from engine.issuing import data as document_data
from engine.procedures.issues import result_fields
from engine.services import definitions
from storage.models import Dossier
from tests.conftest import ADMIN, REPO
from tests.documents_support import flat, texts

DIAGRAM = REPO / "bpmn" / "cap_lai_the_bhyt.bpmn"
SUPPLEMENT_FORM = b'<camunda:property name="issues" value="mau_02" />'


def _with(old: bytes, new: bytes) -> dict[str, bytes]:
    bundle = bundle_from_directory(DIAGRAM, REPO / "forms")
    diagram = bundle["cap_lai_the_bhyt.bpmn"]
    assert old in diagram
    bundle["cap_lai_the_bhyt.bpmn"] = diagram.replace(old, new, 1)
    return bundle


@pytest.mark.parametrize(
    ("value", "element", "message"),
    [
        (b"mau_99", "wait_supplement", "property issues='mau_99' is not a form a node can issue"),
        (b"", "wait_supplement", "property issues='' is not a form a node can issue"),
        (b"mau_05", "wait_supplement", "Mẫu 05 is issued when a leader stops the handling"),
        (b"mau_07", "wait_supplement", "Mẫu 07 is made on demand"),
        (b"mau_01", "wait_supplement", "belongs on the node that sets status 2"),
        (b"mau_04", "wait_supplement", "belongs on the user task with reappointment=true"),
    ],
)
def test_a_node_issuing_a_form_it_cannot_is_refused_at_deploy(
    ctx: EngineContext, value: bytes, element: str, message: str
) -> None:
    bundle = _with(SUPPLEMENT_FORM, b'<camunda:property name="issues" value="' + value + b'" />')
    with pytest.raises(InvalidDefinitionError) as caught:
        definitions.deploy(ctx, ADMIN, bundle)
    found = [(p.element_id, p.message) for p in caught.value.problems]
    assert any(e == element and message in m for e, m in found), found


@pytest.mark.parametrize(
    ("procedure", "declared"),
    [
        (
            "cap_lai_the_bhyt",
            {
                "received": "mau_01",
                "wait_supplement": "mau_02",
                "wait_processing_supplement": "mau_02",
                "end_refused": "mau_03",
                "reappoint": "mau_04",
                "end_processing_done": "thong_bao",
            },
        ),
        (
            "bhxh_mot_lan",
            {
                "received": "mau_01",
                "wait_supplement": "mau_02",
                "wait_processing_supplement": "mau_02",
                "end_refused": "mau_03",
                "reappoint": "mau_04",
                "mark_payment": "quyet_dinh",
                "mark_refusal": "thong_bao",
            },
        ),
    ],
)
def test_the_shipped_diagrams_declare_what_they_issue(
    procedure: str, declared: dict[str, str]
) -> None:
    files = bundle_from_directory(REPO / "bpmn" / f"{procedure}.bpmn", REPO / "forms")
    model = validate_bundle(files).parsed.model
    issues = {
        n.bpmn_id: n.properties["issues"] for n in model.nodes.values() if "issues" in n.properties
    }
    assert issues == declared


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (b"7", "a withdrawal (7) is the applicant's act (POST /dossiers/{code}/withdraw)"),
        (b"8", "stopping the handling (8) is a leader's act that issues Mẫu 05"),
    ],
)
def test_a_node_setting_a_status_only_a_person_s_act_sets_is_refused_at_deploy(
    ctx: EngineContext, status: bytes, message: str
) -> None:
    bundle = _with(
        b'<camunda:property name="status" value="3" />',
        b'<camunda:property name="status" value="' + status + b'" />',
    )
    with pytest.raises(InvalidDefinitionError) as caught:
        definitions.deploy(ctx, ADMIN, bundle)
    found = [(p.element_id, p.message) for p in caught.value.problems]
    assert any(e == "end_refused" and message in m for e, m in found), found


RESULT_FIELDS = b'<camunda:property name="result_fields" value="'


@pytest.mark.parametrize(
    ("old", "new", "element", "message"),
    [
        (  # a result that says nothing of what it prints
            RESULT_FIELDS,
            b'<camunda:property name="other" value="',
            "end_processing_done",
            "needs the property result_fields",
        ),
        (  # a field no form of the procedure has
            b"new_card_number:",
            b"card_nunber:",
            "end_processing_done",
            "'card_nunber' is a field of none of the forms",
        ),
        (  # an entry that is not "field: label"
            b"new_card_number:",
            b"new_card_number -",
            "end_processing_done",
            "is not 'field: label'",
        ),
        (  # the labels of a Mẫu 02 come from the form itself, not from result_fields
            SUPPLEMENT_FORM,
            SUPPLEMENT_FORM + b'<camunda:property name="result_fields" value="opinion: Y kien" />',
            "wait_supplement",
            "belongs on a node that issues quyet_dinh or thong_bao",
        ),
    ],
)
def test_what_a_result_prints_is_checked_at_deploy(
    ctx: EngineContext, old: bytes, new: bytes, element: str, message: str
) -> None:
    bundle = _with(old, new)
    with pytest.raises(InvalidDefinitionError) as caught:
        definitions.deploy(ctx, ADMIN, bundle)
    found = [(p.element_id, p.message) for p in caught.value.problems]
    assert any(e == element and message in m for e, m in found), found


def test_a_result_prints_the_labels_and_legal_bases_of_its_diagram() -> None:
    """The wording of a result is the diagram's and the template's: a label changed in the
    diagram is printed as changed, and a decision cites the process's `legal_basis`."""
    files = bundle_from_directory(REPO / "bpmn" / "bhxh_mot_lan.bpmn", REPO / "forms")
    diagram = files["bhxh_mot_lan.bpmn"]
    files["bhxh_mot_lan.bpmn"] = diagram.replace(
        "benefit_amount: Mức hưởng (đồng)".encode(), "benefit_amount: Số tiền hưởng".encode()
    )
    model = validate_bundle(files).parsed.model
    node = model.node("mark_payment")
    assert node is not None
    dossier = Dossier(
        code="000.00.07.H29-260310-0001",
        procedure_key=model.key,
        unit_code="000.00.07.H29",
        applicant={"full_name": "Nguyễn Thị Hường"},
    )
    data = {"benefit_amount": 86400000, "opinion": "Đủ điều kiện", "decision": "approve"}
    content = document_data.content(
        "quyet_dinh", dossier, model, None, data, "leader", result_fields(node.properties)
    )
    assert content["results"] == [
        {"label": "Số tiền hưởng", "value": 86400000},
        {"label": "Ý kiến thẩm định", "value": "Đủ điều kiện"},
    ]
    assert content["legal_bases"] == ["Luật BHXH 2024 (41/2024/QH15) điều 70, 78, 79"]
    snapshot = document_data.snapshot(
        "quyet_dinh", content, number="1/QĐ-BHXHQBĐ", issued_on=date(2026, 3, 20)
    )
    page = flat(texts(render_pdf("quyet_dinh", snapshot))[0])
    assert "Căn cứ Luật BHXH 2024 (41/2024/QH15) điều 70, 78, 79;" in page
    assert "Số tiền hưởng: 86.400.000." in page
    assert "Ý kiến thẩm định: Đủ điều kiện." in page
    assert "Mức hưởng" not in page and "decision" not in page
