"""A corpus of hostile or careless form JSON Schemas, deployed over HTTP with the procedure and
then submitted to as a citizen (issue 12, A3, A4, A6): each one is refused at deploy with a 422
naming the file and the JSON pointer, or deploys and answers submissions with 201 or a 422 naming
the field (or the form, when it costs more than the validation budget for the data). None
answers 5xx (the `app` fixture fails any test that saw one), none hangs (each test has a time
limit), none fetches anything (a real local socket counts connections)."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from engine.context import EngineContext
from forms.prepared import MAX_CHECKS
from tests.bundles import procedure_bundle, upload
from tests.support import SUPPLEMENT, HttpApi, submission

FORM = "submission.json"
Schema = dict[str, Any]


def _with(**properties: Any) -> Callable[[Schema], None]:
    """A change of the submission form: these extra (optional) fields."""

    def change(schema: Schema) -> None:
        schema["properties"].update(properties)

    return change


def _root(**keywords: Any) -> Callable[[Schema], None]:
    def change(schema: Schema) -> None:
        schema.update(keywords)

    return change


def _doubling(levels: int) -> Schema:
    """`$defs` where each level applies the one below twice: 2**levels schemas on one value."""
    defs: Schema = {"d0": {"type": "string"}}
    for i in range(1, levels + 1):
        below = {"$ref": f"#/$defs/d{i - 1}"}
        defs[f"d{i}"] = {"allOf": [below, dict(below)]}
    return defs


def _bundle(
    change: Callable[[Schema], None] | None = None, extra: dict[str, Schema] | None = None
) -> dict[str, bytes]:
    files = procedure_bundle()
    schema = json.loads(files[FORM])
    if change is not None:
        change(schema)
    files[FORM] = json.dumps(schema, ensure_ascii=False).encode()
    for name, form in (extra or {}).items():
        files[name] = json.dumps(form, separators=(",", ":")).encode()
    return files


#: case -> (the change to the submission form, the file named, words of the message)
REFUSED: dict[str, tuple[Callable[[Schema], None], str, str]] = {
    "ref_http": (
        _with(x={"$ref": "http://127.0.0.1:9/x"}),
        FORM,
        "reference 'http://127.0.0.1:9/x' at #/properties/x/$ref points outside the bundle",
    ),
    "ref_file": (
        _with(x={"$ref": "file:///etc/passwd"}),
        FORM,
        "reference 'file:///etc/passwd' at #/properties/x/$ref points outside the bundle",
    ),
    "ref_relative_path": (
        _with(x={"$ref": "../../etc/passwd"}),
        FORM,
        "at #/properties/x/$ref points outside the bundle",
    ),
    "ref_unknown_form": (
        _with(x={"$ref": "khong_co.json"}),
        FORM,
        "names 'khong_co.json', which is not a form of the bundle",
    ),
    "ref_dangling_pointer": (
        _with(x={"$ref": "#/$defs/missing"}),
        FORM,
        "reference '#/$defs/missing' at #/properties/x/$ref points to nothing",
    ),
    "dynamic_ref_outside": (
        _with(x={"$dynamicRef": "https://example.com/s#meta"}),
        FORM,
        "at #/properties/x/$dynamicRef points outside the bundle",
    ),
    "id_rebases_to_http": (
        _root(**{"$id": "http://127.0.0.1:9/"}),
        FORM,
        "$id at #/$id must be a plain name",
    ),
    "nested_id": (
        _with(x={"$id": "file:///etc/", "$ref": "passwd"}),
        FORM,
        "$id at #/properties/x/$id: a form may declare $id only at its top level",
    ),
    "schema_of_another_draft": (
        _root(**{"$schema": "http://json-schema.org/draft-04/schema#"}),
        FORM,
        "$schema at #/$schema must be 'https://json-schema.org/draft/2020-12/schema'",
    ),
    "vocabulary": (
        _root(**{"$vocabulary": {"https://example.com/vocab": True}}),
        FORM,
        "$vocabulary at #/$vocabulary is not allowed",
    ),
    "backreference": (
        _with(x={"type": "string", "pattern": "^(a)\\1$"}),
        FORM,
        "pattern at #/properties/x/pattern: the pattern is not RE2 syntax",
    ),
    "lookahead": (
        _with(x={"type": "string", "pattern": "^(?=.*[0-9])\\w+$"}),
        FORM,
        "pattern at #/properties/x/pattern: the pattern is not RE2 syntax",
    ),
    "pattern_property_lookbehind": (
        _with(x={"type": "object", "patternProperties": {"(?<!a)b": {}}}),
        FORM,
        "patternProperties key at #/properties/x/patternProperties/(?<!a)b",
    ),
    "600_nested_groups": (
        _with(x={"type": "string", "pattern": "(" * 600 + "a" + ")" * 600}),
        FORM,
        "pattern at #/properties/x/pattern: the pattern nests 600 groups; at most 32",
    ),
    "self_referencing_defs": (
        _root(**{"$defs": {"a": {"$ref": "#/$defs/a"}}}),
        FORM,
        "reference cycle that never descends into the value: $ref at #/$defs/a/$ref",
    ),
    "root_applied_to_itself": (
        _root(allOf=[{"$ref": "#"}]),
        FORM,
        "reference cycle that never descends into the value: allOf at #/allOf/0 -> $ref at "
        "#/allOf/0/$ref leads back to #",
    ),
    "mutual_cycle_through_not": (
        _root(
            **{
                "$defs": {
                    "a": {"not": {"$ref": "#/$defs/b"}},
                    "b": {"anyOf": [{"$ref": "#/$defs/a"}]},
                }
            }
        ),
        FORM,
        "reference cycle that never descends into the value",
    ),
    "doubling_references": (
        _root(**{"$defs": _doubling(40)}),
        FORM,
        "applies more than 10000 schemas to one value",
    ),
    "unevaluated_with_pattern_properties": (
        _with(
            x={"type": "object", "patternProperties": {"^a": {}}, "unevaluatedProperties": False}
        ),
        FORM,
        "unevaluatedProperties cannot be combined with patternProperties",
    ),
    "deeply_nested": (
        _with(x=json.loads('{"not":' * 100 + "{}" + "}" * 100)),
        FORM,
        "nested more than 64 levels deep at #/properties/x/not/not",
    ),
}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("case", sorted(REFUSED))
def test_hostile_forms_are_refused_at_deploy_naming_file_and_pointer(
    http: HttpApi, case: str
) -> None:
    change, file, words = REFUSED[case]
    body = upload(http, _bundle(change), expect=422).get_json()
    errors = [e for e in body["errors"] if e["severity"] == "error"]
    assert any(e["file"] == file and words in e["message"] for e in errors), errors


@pytest.mark.timeout(30)
def test_forms_nested_beyond_what_json_can_parse_are_refused(http: HttpApi) -> None:
    files = procedure_bundle()
    files[FORM] = (
        '{"type":"object","properties":{"x":' + '{"not":' * 2000 + "{}" + "}" * 2002
    ).encode()
    body = upload(http, files, expect=422).get_json()
    assert any(e["file"] == FORM and "nested too deeply" in e["message"] for e in body["errors"]), (
        body
    )


@pytest.mark.timeout(60)
def test_a_bundle_over_the_cost_budget_is_refused(http: HttpApi) -> None:
    # 3 forms of 120,000 values each (every one under the 256 KiB file limit): 360,000 > 300,000.
    big = {"type": "object", "properties": {"x": {"enum": [0] * 120_000}}}
    files = _bundle(extra={f"big{i}.json": big for i in range(3)})
    body = upload(http, files, expect=422).get_json()
    assert any("at most 300000" in e["message"] for e in body["errors"]), body["errors"]


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A real socket on a free local port: anything fetching from it would connect."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        sock.setblocking(False)
        yield sock


def _connections(sock: socket.socket) -> int:
    count = 0
    while True:
        try:
            accepted, _ = sock.accept()
        except BlockingIOError:
            return count
        accepted.close()
        count += 1


@pytest.mark.timeout(30)
def test_references_to_the_network_or_files_are_refused_and_never_fetched(
    http: HttpApi, listener: socket.socket
) -> None:
    port = listener.getsockname()[1]
    url = f"http://127.0.0.1:{port}/x"
    for reference in (url, "file:///etc/passwd", f"{url}#/$defs/a"):
        body = upload(http, _bundle(_with(x={"$ref": reference})), expect=422).get_json()
        text = json.dumps(body)
        assert f"reference '{reference}' at #/properties/x/$ref points outside" in text
        assert "root:" not in text
    # Even through a base the form declares for itself.
    upload(http, _bundle(_root(**{"$id": url})), expect=422)
    upload(http, _bundle(_with(x={"$id": url, "$ref": "y"})), expect=422)
    assert _connections(listener) == 0


@pytest.mark.timeout(30)
def test_forms_of_the_bundle_refer_to_each_other(http: HttpApi) -> None:
    address = {
        "$id": "dia_chi.json",
        "$defs": {
            "street": {"type": "string", "minLength": 5, "pattern": "^[\\p{L}0-9 ,./-]+$"},
        },
    }
    files = _bundle(
        _with(
            home={"$ref": "dia_chi.json#/$defs/street"},
            work={"$ref": "address.json#/$defs/street"},
        ),
        extra={"address.json": address},
    )
    upload(http, files)
    problem = http.submit(data=submission(home="ab", work="Số 1 Tràng Tiền"), expect=422)
    assert [e["field"] for e in problem["errors"]] == ["data.home"]
    http.submit(data=submission(home="12 Phố Huế, Hà Nội", work="Số 1 Tràng Tiền"))


#: forms that deploy, and submissions that would take seconds to minutes with a backtracking
#: regex engine; with RE2 each one answers at once.
REDOS: dict[str, tuple[Schema, Any]] = {
    "nested_quantifier": ({"type": "string", "pattern": "^(a+)+$"}, "a" * 64 + "!"),
    "alternation": ({"type": "string", "pattern": "^(a|aa)+$"}, "a" * 64 + "!"),
    "pattern_properties": (
        {
            "type": "object",
            "patternProperties": {"^(a|a?)+$": {"type": "integer"}},
            "additionalProperties": False,
        },
        {"a" * 64 + "!": "x"},
    ),
    "property_names": (
        {"type": "object", "propertyNames": {"pattern": "^(a+)+$"}},
        {"a" * 64 + "!": 1},
    ),
}


@pytest.mark.timeout(20)
@pytest.mark.parametrize("case", sorted(REDOS))
def test_catastrophic_patterns_answer_at_once(http: HttpApi, case: str) -> None:
    schema, value = REDOS[case]
    upload(http, _bundle(_with(x=schema)))
    problem = http.submit(data=submission(x=value), expect=422)
    assert [e["field"] for e in problem["errors"]] == ["data.x"] or all(
        e["field"].startswith("data.x") for e in problem["errors"]
    ), problem


@pytest.mark.timeout(20)
@pytest.mark.parametrize(
    ("value", "accepted"),
    [("^[0-9]{3}$", True), ("(a)\\1", False), ("(?=a)", False), ("(" * 600 + ")" * 600, False)],
)
def test_format_regex_values_are_re2_patterns(http: HttpApi, value: str, accepted: bool) -> None:
    upload(http, _bundle(_with(x={"type": "string", "format": "regex"})))
    if accepted:
        http.submit(data=submission(x=value))
    else:
        problem = http.submit(data=submission(x=value), expect=422)
        assert [e["field"] for e in problem["errors"]] == ["data.x"]


def _nested(depth: int) -> Schema:
    value: Schema = {"n": 1}
    for _ in range(depth):
        value = {"child": value}
    return value


@pytest.mark.timeout(30)
def test_recursive_forms_that_descend_work_to_the_data_depth_bound(http: HttpApi) -> None:
    node = {
        "type": "object",
        "properties": {"child": {"$ref": "#/$defs/node"}, "n": {"type": "integer"}},
    }

    def change(schema: Schema) -> None:
        schema["$defs"] = {"node": node}
        schema["properties"]["x"] = {"$ref": "#/$defs/node"}

    upload(http, _bundle(change))
    http.submit(data=submission(x=_nested(25)))
    bad = _nested(25)
    bad["child"]["child"]["n"] = "x"
    problem = http.submit(data=submission(x=bad), expect=422)
    assert [e["field"] for e in problem["errors"]] == ["data.x.child.child.n"]


@pytest.mark.timeout(20)
def test_invalid_data_is_refused_while_another_writer_holds_the_lock(
    http: HttpApi, ctx: EngineContext
) -> None:
    """The form is checked before the write transaction opens: a submission whose data fails
    the form is answered at once even while another transaction holds the write lock (SQLite)
    or the dossier's row (PostgreSQL). Before, it waited for the lock (30 s busy timeout on
    SQLite, for ever on PostgreSQL) like every other writer behind a slow validation."""
    code = http.submit()["code"]
    http.act(code, "reception", SUPPLEMENT)
    other = http.submit()["code"]
    task = http.task_for(other, "reception")
    http.claim(task["id"], "reception")
    with ctx.uow() as uow:
        assert uow.dossiers.by_code(code, for_update=True) is not None  # holds the lock
        problem = http.call(
            "POST",
            f"/api/v1/dossiers/{code}/supplements",
            "citizen",
            json={"data": {"gender": "x"}},
            expect=422,
        )
        assert [e["field"] for e in problem["errors"]] == ["data.gender"]
        problem = http.submit(data=submission(gender="x"), expect=422)
        assert [e["field"] for e in problem["errors"]] == ["data.gender"]
        problem = http.complete(task["id"], "reception", {"decision": "x"}, expect=422)
        assert "data.decision" in [e["field"] for e in problem["errors"]]
    http.call("POST", f"/api/v1/dossiers/{code}/supplements", "citizen", json={"data": {}})


@pytest.mark.timeout(30)
def test_a_form_costlier_than_the_budget_answers_422_naming_it(http: HttpApi) -> None:
    """bench/form_lock.py's form deploys (within every deploy bound), and a valid submission of
    50 rows, each tried against 2,000 alternatives, took 15-23 s of a worker's CPU and then
    answered 201. Now the validation stops at the budget of checks: 422 naming the form, for
    the submission, for a supplement and for the completion of a task with that form."""
    alternatives = [
        {"type": "object", "properties": {"k": {"const": i}}, "required": ["k"]}
        for i in range(2000)
    ]
    costly = {"type": "array", "items": {"anyOf": alternatives}}
    upload(http, _bundle(_with(rows=costly)))
    message = (
        f"the form 'submission' costs more than {MAX_CHECKS:,} checks for this data; "
        "the analyst must simplify it"
    )
    problem = http.submit(data=submission(rows=[{"k": 1999}] * 50), expect=422)
    assert problem["detail"] == message
    assert [(e["field"], e["message"]) for e in problem["errors"]] == [("data", message)]
    # Within the budget the same form works: the data, not the form, is what costs.
    code = http.submit(data=submission(rows=[{"k": 1999}] * 2))["code"]
    http.act(code, "reception", SUPPLEMENT)
    problem = http.call(
        "POST",
        f"/api/v1/dossiers/{code}/supplements",
        "citizen",
        json={"data": {"rows": [{"k": 1999}] * 50}},
        expect=422,
    )
    assert problem["detail"] == message
    http.call("POST", f"/api/v1/dossiers/{code}/supplements", "citizen", json={"data": {}})
