"""What the applicant can find out: what reception asked for, the result once resolved (the
fields forms mark `x-applicant-visible`), which procedures exist (each once) and which units
receive them. The public lookup stays as narrow as before."""

from __future__ import annotations

import json
from typing import Any

from engine.context import EngineContext
from engine.services import definitions
from tests.bundles import procedure_bundle, upload
from tests.conftest import ADMIN, REPO
from tests.support import (
    ACCEPT,
    APPRAISE,
    LEADER_APPROVE,
    OTHER_UNIT,
    RETURN,
    SUPPLEMENT,
    UNIT,
    HttpApi,
    applicant,
)

PUBLIC_FIELDS = {
    "code",
    "procedure",
    "procedure_name",
    "unit_code",
    "unit_name",
    "status",
    "applicant_name",
    "submitted_at",
    "received_at",
    "due_at",
}


def _told(dossier: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(step, {field: value}) for each notice the applicant sees."""
    return [
        (notice["step"], {f["field"]: f["value"] for f in notice["fields"]})
        for notice in dossier["notices"]
    ]


def test_the_applicant_sees_what_reception_asked_for(http: HttpApi) -> None:
    code = http.submit()["code"]
    assert http.dossier(code, "citizen")["notices"] == []
    http.act(code, "reception", {**SUPPLEMENT, "note": "Người nộp hay quên giấy tờ"})

    seen = http.dossier(code, "citizen")
    assert seen["status"]["code"] == 5
    [notice] = seen["notices"]
    assert notice["step"] == "check_dossier" and notice["name"] == "Kiểm tra, tiếp nhận hồ sơ"
    assert notice["at"] == "2026-03-10T09:00:00+07:00"
    assert notice["fields"] == [
        {
            "field": "missing_documents",
            "title": "Giấy tờ cần bổ sung, hoàn thiện (Mẫu 02)",
            "value": SUPPLEMENT["missing_documents"],
        },
        {"field": "reasons", "title": "Lý do (Mẫu 02 / Mẫu 03)", "value": SUPPLEMENT["reasons"]},
    ]
    assert "Người nộp hay quên" not in json.dumps(seen, ensure_ascii=False)  # internal note

    public = http.call(
        "GET",
        f"/api/v1/public/dossiers/{code}",
        None,
        query={"id_number": applicant()["id_number"]},
    )
    assert set(public) == PUBLIC_FIELDS  # the lookup by code shows no notice
    assert str(SUPPLEMENT["reasons"]) not in json.dumps(public, ensure_ascii=False)


def test_the_result_appears_once_resolved_and_only_as_signed(http: HttpApi) -> None:
    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    http.act(code, "specialist", {**APPRAISE, "new_card_number": "DN4010000000001"})
    assert _told(http.dossier(code, "citizen")) == []  # a proposal is not a result
    http.act(code, "leader", {"decision": "return", "comment": "Kiểm tra lại số thẻ"})
    http.act(code, "specialist", APPRAISE)
    assert _told(http.dossier(code, "citizen")) == []
    http.act(code, "leader", LEADER_APPROVE)

    resolved = http.dossier(code, "citizen")
    assert resolved["status"]["code"] == 9
    result = {"decision": "approve", "new_card_number": APPRAISE["new_card_number"]}
    assert _told(resolved) == [("appraise", result)]  # the signed one, not the one sent back
    assert APPRAISE["opinion"] not in json.dumps(resolved, ensure_ascii=False)

    returned = http.act(code, "reception", RETURN)
    assert returned["status"]["code"] == 10
    assert _told(http.dossier(code, "citizen")) == [
        ("appraise", result),
        ("return_result", {"returned_via": "direct"}),
    ]


def test_deploy_refuses_a_visibility_annotation_that_names_nothing(http: HttpApi) -> None:
    files = procedure_bundle()
    form = json.loads(files["reception_check.json"])
    form["x-applicant-visible"] = {"reason": "completed", "missing_documents": "always"}
    files["reception_check.json"] = json.dumps(form).encode()
    problem = upload(http, files, expect=422).get_json()
    messages = [(e["file"], e["message"]) for e in problem["errors"]]
    assert (
        "reception_check.json",
        "x-applicant-visible: 'reason' is not a field of this form's properties",
    ) in messages
    assert (
        "reception_check.json",
        "x-applicant-visible: 'missing_documents' must be 'completed' or 'resolved', "
        'not "always"',
    ) in messages


def test_the_catalogue_lists_each_procedure_once(http: HttpApi, ctx: EngineContext) -> None:
    # Each test's context deploys only the procedures the tests drive (conftest.seed): deploy
    # the whole of bpmn/ here, as `make run` does.
    definitions.deploy_directory(ctx, ADMIN, REPO / "bpmn", REPO / "forms")
    listed = http.call("GET", "/api/v1/procedures", None)["items"]
    assert sorted(p["key"] for p in listed) == sorted(
        p.stem for p in (REPO / "bpmn").glob("*.bpmn")
    )
    codes = [p["code"] for p in listed if p["code"] is not None]  # the national procedure code
    assert len(codes) == len(set(codes)), codes


def test_anyone_can_find_the_units_that_receive_a_procedure(http: HttpApi) -> None:
    units = http.call("GET", "/api/v1/units", None)
    expected = [
        {"code": UNIT, "name": "BHXH quận Ba Đình"},
        {"code": OTHER_UNIT, "name": "BHXH quận Hoàn Kiếm"},
    ]
    assert units == {"items": expected, "total": 2}
    for key in ("cap_lai_the_bhyt", "bhxh_mot_lan"):
        assert http.call("GET", f"/api/v1/procedures/{key}", None)["units"] == expected
