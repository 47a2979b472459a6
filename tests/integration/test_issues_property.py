"""The `issues` property of a diagram node (issue 14): which form the node issues, checked at
deploy: an unknown form, or a form a node cannot issue, is refused naming the element."""

from __future__ import annotations

import pytest

from engine.context import EngineContext
from engine.definitions.bundles import bundle_from_directory, validate_bundle
from engine.errors import InvalidDefinitionError
from engine.services import definitions
from tests.conftest import ADMIN, REPO

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
