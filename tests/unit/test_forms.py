"""Form validation names each offending field, with its Vietnamese title where the form has one."""

from __future__ import annotations

import json

from forms import schema_problems, validate
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
