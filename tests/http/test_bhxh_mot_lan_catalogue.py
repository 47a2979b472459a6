"""bhxh_mot_lan's catalogue entry and form, alike whichever modeler drew the diagram."""

from __future__ import annotations

import pytest

from tests.e2e.test_bhxh_mot_lan import DIALECTS, REQUEST_14_HSB
from tests.support import HttpApi

pytestmark = pytest.mark.usefixtures("dialect_copies")


@pytest.mark.parametrize("key", DIALECTS)
def test_the_request_form_is_enforced_whatever_the_modeler(http: HttpApi, key: str) -> None:
    problem = http.submit(
        procedure=key,
        data={**REQUEST_14_HSB, "payment_method": "bank", "bank_account": "x"},
        expect=422,
    )
    fields = {e["field"] for e in problem["errors"]}
    assert "data.bank_account" in fields


def test_the_three_dialects_give_the_same_procedure(http: HttpApi) -> None:
    details = [http.call("GET", f"/api/v1/procedures/{key}", None) for key in DIALECTS]
    assert {d["sla"]["text"] for d in details} == {"7 working_days"}
    assert {d["code"] for d in details} == {"BHXH.ML.2025"}
    step_lists = [[(s["bpmn_id"], s["role"], s["form_key"]) for s in d["steps"]] for d in details]
    assert step_lists[0] == step_lists[1] == step_lists[2]
    assert len(step_lists[0]) == 7
