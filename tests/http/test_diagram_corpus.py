"""A corpus of diagrams from real modelers and of broken or hostile files, deployed over HTTP:
each one deploys, or gets a 422 naming the file, line and element; none answers 5xx (the `app`
fixture fails any test that saw one) and none hangs (each test has a time limit)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bundles import multipart
from tests.support import HttpApi

CORPUS = Path(__file__).resolve().parent.parent / "fixtures" / "bpmn"
FORMS = {path.name: path.read_bytes() for path in sorted((CORPUS / "forms").glob("*.json"))}
#: file -> (element id the first matching error names, or None for file-level ones, words in it)
BROKEN: dict[str, tuple[str | None, str]] = {
    "broken_xxe.bpmn": (None, "DOCTYPE and ENTITY declarations are not allowed"),
    "broken_billion_laughs.bpmn": (None, "DOCTYPE and ENTITY declarations are not allowed"),
    "broken_external_dtd.bpmn": (None, "DOCTYPE and ENTITY declarations are not allowed"),
    "broken_not_well_formed.bpmn": (None, "not well-formed XML"),
    "broken_not_xml.bpmn": (None, "not well-formed XML"),
    "broken_empty.bpmn": (None, "not well-formed XML"),
    "broken_not_bpmn.bpmn": (None, "not a BPMN 2.0 document"),
    "broken_dmn_named_bpmn.bpmn": (None, "not a BPMN 2.0 document"),
    "broken_xsd_unknown_element.bpmn": ("review", "not valid BPMN 2.0"),
    "broken_duplicate_ids.bpmn": ("review", "xs:ID"),
    "broken_dangling_target.bpmn": ("f_review_gw", "targetRef='gw_nowhere' points to no element"),
    "broken_dangling_default.bpmn": ("gw_review", "default='f_missing' points to no element"),
    "broken_dangling_message.bpmn": ("med_docs", "messageRef='msg_not_declared'"),
    "broken_unresolved_call.bpmn": ("call_missing", "'quy_trinh_khong_ton_tai', which is not"),
    "broken_self_recursive_call.bpmn": ("call_self", "recurses without bound"),
    "broken_mutual_recursion.bpmn": ("call_helper", "recurses without bound"),
    "broken_missing_start_event.bpmn": ("fx_missing_start", "No start event found"),
    "broken_no_executable_process.bpmn": ("fx_not_executable", "not executable"),
    "broken_no_metadata.bpmn": ("fx_no_metadata", "declares no 'sla' property"),
    "broken_bad_sla.bpmn": ("fx_bad_sla", "is not a time limit"),
    "broken_bad_status.bpmn": ("end_approved", "not a DVCQG status code"),
    "broken_unknown_role.bpmn": ("review", "unknown role 'thu_kho'"),
    "broken_no_role.bpmn": ("review", "user task has no role"),
    "broken_missing_form.bpmn": ("review", "form 'phieu_khong_co' is not in the bundle"),
    "broken_gateway_uncovered.bpmn": ("gw_review", "no flow for decision = 'reject'"),
    "broken_flow_without_condition.bpmn": ("f_rejected", "without a condition"),
    "broken_invalid_timer.bpmn": ("remind", "'P5X' is not an ISO 8601 duration"),
    "broken_timer_not_text.bpmn": ("remind", "gives int, not an ISO 8601 text"),
    "broken_timer_bad_date.bpmn": ("remind", "is not an ISO 8601 date-time"),
    "broken_timer_unknown_function.bpmn": ("remind", "function 'business_hours' is not allowed"),
    "broken_timer_no_time.bpmn": ("remind", "exactly one of timeDate, timeDuration"),
    "broken_script_subclasses.bpmn": ("compute", "'__subclasses__' is not allowed"),
    "broken_script_import.bpmn": ("compute", "not allowed"),
    "broken_script_open.bpmn": ("compute", "not allowed"),
    "broken_script_format_escape.bpmn": ("compute", "'.format' is not allowed"),
    "broken_script_while.bpmn": ("compute", "'While' is not allowed"),
    "broken_script_lambda.bpmn": ("compute", "'Lambda' is not allowed"),
    "broken_condition_escape.bpmn": ("f_approved", "'__name__' is not allowed"),
    "broken_javascript_script.bpmn": ("compute", "scripts in 'javascript' are not supported"),
    "broken_juel_method_call.bpmn": ("f_approved", "'execution' object is not supported"),
    "broken_juel_ternary.bpmn": ("f_approved", "'?' (conditional"),
    "broken_java_service_task.bpmn": ("send_sms", "a Java class (camunda:class) cannot run"),
    "broken_execution_listener.bpmn": ("review", "execution listeners"),
    "broken_dmn_escape.bpmn": ("rule_other_in", "'__subclasses__' is not allowed"),
}
VALID = sorted(path.name for path in CORPUS.glob("valid_*.bpmn"))


def bundle(name: str) -> dict[str, bytes]:
    """The diagram, its decision tables (same stem, .dmn) and the corpus forms."""
    stem = Path(name).stem
    tables = {p.name: p.read_bytes() for p in CORPUS.glob(f"{stem}.dmn")}
    return {name: (CORPUS / name).read_bytes(), **tables, **FORMS}


def deploy(http: HttpApi, name: str) -> tuple[int, dict[str, object]]:
    body, content_type = multipart(bundle(name))
    response = http.client.post(
        "/api/v1/definitions",
        data=body,
        content_type=content_type,
        headers={"Authorization": f"Bearer {http.token('analyst')}"},
    )
    return response.status_code, response.get_json()


def test_the_corpus_covers_every_file_and_is_large_enough() -> None:
    files = {path.name for path in CORPUS.glob("*.bpmn")}
    assert files == set(BROKEN) | set(VALID)
    assert len(files) >= 30
    prefixes = {"valid_camunda", "valid_spiff", "valid_bpmnio"}
    assert all(any(name.startswith(p) for name in VALID) for p in prefixes)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("name", VALID)
def test_valid_diagrams_from_each_modeler_deploy_and_draw(http: HttpApi, name: str) -> None:
    status, body = deploy(http, name)
    assert status == 201, body
    assert all(w["severity"] == "warning" for w in body["warnings"])  # type: ignore[attr-defined]
    key, version = body["key"], body["version"]
    response = http.client.get(
        f"/api/v1/definitions/{key}/versions/{version}/diagram.svg",
        headers={"Authorization": f"Bearer {http.token('analyst')}"},
    )
    assert response.status_code == 200
    assert b'data-element-id="review"' in response.data


@pytest.mark.timeout(30)
@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_diagrams_get_a_422_naming_the_problem(http: HttpApi, name: str) -> None:
    status, body = deploy(http, name)
    assert status == 422, body
    element_id, words = BROKEN[name]
    errors = [e for e in body["errors"] if e["severity"] == "error"]  # type: ignore[attr-defined]
    matching = [e for e in errors if words in e["message"]]
    assert matching, f"no error says {words!r}: {errors}"
    error = matching[0]
    assert error["file"] in bundle(name)
    assert error["element_id"] == element_id
    assert isinstance(error["line"], int) and error["line"] >= 1
