"""Validation messages name the field, even a field called like a request location."""

from __future__ import annotations

from api.base import flatten_messages


def test_fields_are_dotted_paths_under_their_location() -> None:
    messages = {"json": {"applicant": {"id_number": ["Missing data for required field."]}}}
    assert list(flatten_messages(messages)) == [
        ("applicant.id_number", "Missing data for required field.")
    ]


def test_a_field_named_like_a_location_keeps_its_name() -> None:
    messages = {"json": {"files": ["Not a valid list."], "query": {"0": ["Not a string."]}}}
    assert list(flatten_messages(messages)) == [
        ("files", "Not a valid list."),
        ("query.0", "Not a string."),
    ]


def test_schema_level_messages_name_the_parent() -> None:
    assert list(flatten_messages({"query": {"_schema": ["Unknown field."]}})) == [
        ("(body)", "Unknown field.")
    ]
