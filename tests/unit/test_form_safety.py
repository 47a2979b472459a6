"""Validation never reaches outside the bundle and never raises on hostile content, even for a
form stored before the deploy checks refused it (issue 12, A3, A4, A6)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from forms import bundle_problems, validate
from tests.conftest import REPO


def test_every_procedure_bundle_in_the_repository_passes_the_form_checks() -> None:
    for directory in (REPO / "forms").iterdir():
        if directory.is_dir():
            schemas = {p.name: json.loads(p.read_text()) for p in directory.glob("*.json")}
            assert schemas and bundle_problems(schemas) == [], directory


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        sock.setblocking(False)
        yield sock


def _unusable(schema: dict[str, Any], data: Any) -> str:
    [problem] = validate(schema, data)
    assert problem.field == "data" and problem.keyword == "form", problem
    return problem.message


@pytest.mark.timeout(10)
def test_a_stored_form_referring_to_the_network_fetches_nothing(listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    schema = {"type": "object", "properties": {"x": {"$ref": f"http://127.0.0.1:{port}/x"}}}
    assert "outside its procedure's forms" in _unusable(schema, {"x": 1})
    with pytest.raises(BlockingIOError):
        listener.accept()  # nobody connected


@pytest.mark.timeout(10)
def test_a_stored_form_referring_to_a_file_reads_nothing() -> None:
    schema = {"type": "object", "properties": {"x": {"$ref": "file:///etc/passwd"}}}
    message = _unusable(schema, {"x": 1})
    assert "file:///etc/passwd" in message and "root:" not in message


@pytest.mark.timeout(10)
def test_a_stored_self_referencing_form_gives_a_problem_not_a_crash() -> None:
    schema = {
        "type": "object",
        "$defs": {"a": {"$ref": "#/$defs/a"}},
        "properties": {"x": {"$ref": "#/$defs/a"}},
    }
    assert "too deeply" in _unusable(schema, {"x": 1})


@pytest.mark.timeout(10)
def test_a_stored_pattern_that_is_not_re2_gives_a_problem_not_a_crash() -> None:
    schema = {"type": "object", "properties": {"x": {"type": "string", "pattern": "^(a)\\1$"}}}
    assert "not RE2 syntax" in _unusable(schema, {"x": "aa"})


@pytest.mark.timeout(10)
def test_catastrophic_backtracking_patterns_run_in_linear_time() -> None:
    schema = {"type": "object", "properties": {"x": {"type": "string", "pattern": "^(a+)+$"}}}
    [problem] = validate(schema, {"x": "a" * 100_000 + "!"})
    assert problem.field == "data.x" and problem.keyword == "pattern"
    assert validate(schema, {"x": "a" * 100_000}) == []


def test_data_nested_beyond_the_bound_is_refused_before_validation() -> None:
    value: Any = 1
    for _ in range(40):
        value = [value]
    [problem] = validate({"type": "object"}, {"x": value})
    assert problem.field == "data" and "nested more than 32 levels" in problem.message


def test_patterns_are_re2_syntax_with_unicode_classes() -> None:
    schema = {"type": "object", "properties": {"name": {"pattern": "^[\\p{L} ]+$"}}}
    assert validate(schema, {"name": "Nguyễn Văn An"}) == []
    assert [p.field for p in validate(schema, {"name": "An 2"})] == ["data.name"]


def test_a_form_refers_to_another_form_of_its_bundle() -> None:
    bundle = {"address": {"$defs": {"street": {"type": "string", "minLength": 5}}}}
    schema = {"type": "object", "properties": {"home": {"$ref": "address.json#/$defs/street"}}}
    assert validate(schema, {"home": "12 Phố Huế"}, bundle=bundle) == []
    [problem] = validate(schema, {"home": "ab"}, bundle=bundle)
    assert problem.field == "data.home" and problem.keyword == "minLength"
