"""Form validation names each offending field, with its Vietnamese title where the form has one."""

from __future__ import annotations

import json
from typing import Any

from forms import schema_problems, validate
from forms.prepared import MAX_CHECKS, last_checks
from tests.conftest import REPO

SUBMISSION = json.loads((REPO / "forms" / "cap_lai_the_bhyt" / "submission.json").read_text())


def test_every_form_in_the_repository_is_a_valid_schema() -> None:
    for path in (REPO / "forms").rglob("*.json"):
        assert schema_problems(json.loads(path.read_text())) == [], path


def test_missing_fields_are_named_with_their_title() -> None:
    errors = validate(SUBMISSION, {"full_name": "Nguyễn Văn An"})
    by_field = {e.field: e.message for e in errors}
    assert (
        by_field["data.social_insurance_code"] == "social_insurance_code (Mã số BHXH) is required"
    )
    assert "data.gender" in by_field and "data.full_name" not in by_field


def test_conditional_requirements_follow_the_request_type() -> None:
    base = {
        "full_name": "An Nguyen",
        "gender": "nam",
        "date_of_birth": "1990-01-01",
        "id_number": "001090012345",
        "social_insurance_code": "0123456789",
        "result_address": "12 Phố Huế",
    }
    assert validate(SUBMISSION, {**base, "request_type": "reissue_lost"}) == []
    errors = validate(SUBMISSION, {**base, "request_type": "change_healthcare_facility"})
    assert [e.field for e in errors] == ["data.change_details"]


def test_formats_and_unknown_fields_are_reported() -> None:
    errors = validate(SUBMISSION, {"date_of_birth": "31/12/1990", "shoe_size": 42}, prefix="")
    fields = {e.field for e in errors}
    assert {"date_of_birth", "shoe_size"} <= fields


def test_schema_problems_explain_a_broken_schema() -> None:
    assert schema_problems({"type": "object", "properties": {"x": {"type": "strnig"}}})
    assert schema_problems([1, 2]) == ["a form must be a JSON object (a JSON Schema)"]
    assert schema_problems({"type": "array"}) == ["a form's top-level type must be 'object'"]


def _alternatives_form(alternatives: int) -> dict[str, Any]:
    """Legal at deploy, costly to check: each row is tried against `alternatives` schemas."""
    return {
        "type": "object",
        "properties": {
            "rows": {
                "type": "array",
                "items": {
                    "anyOf": [
                        {"type": "object", "properties": {"k": {"const": i}}, "required": ["k"]}
                        for i in range(alternatives)
                    ]
                },
            }
        },
    }


def test_a_validation_stops_at_the_budget_and_names_the_form() -> None:
    """bench/form_lock.py's form: 50 valid rows x 2,000 alternatives took 15-23 s of CPU.
    The validation stops at the budget, with one problem on the whole data naming the form."""
    form = _alternatives_form(2000)
    errors = validate(form, {"rows": [{"k": 1999}] * 50}, name="submission")
    assert last_checks.get() == MAX_CHECKS + 1
    assert [(e.field, e.keyword, e.message) for e in errors] == [
        (
            "data",
            "budget",
            f"the form 'submission' costs more than {MAX_CHECKS:,} checks for this data; "
            "the analyst must simplify it",
        )
    ]
    # The same form for little data is within the budget: the data decides, not the form.
    assert validate(form, {"rows": [{"k": 1999}]}, name="submission") == []
    assert last_checks.get() < MAX_CHECKS


def test_every_alternative_tried_counts_even_an_empty_one() -> None:
    """Sub-schemas without keywords cost too: allOf of 5,000 `{}` over 10 rows is 50,000."""
    form = {"type": "object", "properties": {"rows": {"items": {"allOf": [{}] * 5000}}}}
    assert [e.keyword for e in validate(form, {"rows": [1] * 10})] == ["budget"]
    assert validate(form, {"rows": [1, 2]}) == []


def test_the_repository_forms_cost_far_less_than_the_budget() -> None:
    """A full submission and a reception check with 30 documents: under 1/20 of the budget."""
    submission = {
        "full_name": "Nguyễn Văn An",
        "gender": "nam",
        "date_of_birth": "1990-05-17",
        "id_number": "001090012345",
        "social_insurance_code": "0123456789",
        "card_number": "DN4010123456789",
        "request_type": "reissue_lost",
        "result_address": "12 Phố Huế, Hà Nội",
        "phone": "0912345678",
    }
    assert validate(SUBMISSION, submission) == []
    assert 0 < last_checks.get() < MAX_CHECKS // 20
    for procedure in ("cap_lai_the_bhyt", "bhxh_mot_lan"):
        check = json.loads((REPO / "forms" / procedure / "reception_check.json").read_text())
        document = {"name": "Tờ khai TK1-TS", "kind": "original", "quantity": 1}
        data = {"decision": "accept", "documents_received": [document] * 30}
        assert validate(check, data) == [], procedure
        assert 0 < last_checks.get() < MAX_CHECKS // 20, procedure


def test_the_processor_time_guard_stops_a_validation_too() -> None:
    """The second guard, for work the checks do not count: the thread's CPU time, read every
    256 checks (here a budget of no time at all, so the first reading stops it)."""
    form = _alternatives_form(300)
    errors = validate(form, {"rows": [{"k": 299}]}, name="submission", max_cpu_seconds=0.0)
    assert last_checks.get() == 256
    assert [e.message for e in errors] == [
        "the form 'submission' costs more than 0 s of processor time for this data; "
        "the analyst must simplify it"
    ]
