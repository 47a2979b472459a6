"""The definitions API: deploy and validate bundles over HTTP, read versions, sources, diffs."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.bundles import KEY, multipart, upload, with_archive_step
from tests.bundles import procedure_bundle as bundle
from tests.support import HttpApi


def renamed(files: dict[str, bytes], old: str, new: str) -> dict[str, bytes]:
    changed = dict(files)
    changed[f"{KEY}.bpmn"] = files[f"{KEY}.bpmn"].replace(old.encode(), new.encode())
    return changed


def test_deploying_identical_content_answers_200_with_the_existing_version(
    http: HttpApi,
) -> None:
    body = upload(http, bundle(), expect=200).get_json()
    assert (body["key"], body["version"], body["created"]) == (KEY, 1, False)
    assert len(body["hash"]) == 64


def test_a_changed_diagram_is_deployed_as_version_2_with_its_location(http: HttpApi) -> None:
    response = upload(http, renamed(bundle(), "Trả kết quả", "Trả kết quả cho người nộp"))
    body = response.get_json()
    assert (body["version"], body["created"]) == (2, True)
    assert response.headers["Location"] == f"/api/v1/definitions/{KEY}/versions/2"
    assert upload(http, renamed(bundle(), "Trả kết quả", "Trả kết quả cho người nộp"), expect=200)

    versions = http.call("GET", f"/api/v1/definitions/{KEY}/versions", "auditor")
    assert [v["version"] for v in versions["items"]] == [1, 2]
    assert versions["items"][1]["deployed_by"] == "analyst"
    listed = http.call("GET", "/api/v1/definitions", "admin")["items"]
    assert [d["latest_version"] for d in listed if d["key"] == KEY] == [2]
    assert {d["key"] for d in listed} == {"bhxh_mot_lan", KEY}

    diff = http.call(
        "GET", f"/api/v1/definitions/{KEY}/diff", "analyst", query={"from": 1, "to": 2}
    )
    assert diff["changed"] == [
        {
            "bpmn_id": "return_result",
            "name": "Trả kết quả cho người nộp",
            "kind": "UserTask",
            "attributes": ["bpmn_name"],
        }
    ]
    assert diff["added"] == diff["removed"] == []


def test_the_diff_names_steps_added_and_removed_and_forms_changed(http: HttpApi) -> None:
    files = with_archive_step(bundle())
    files["approval.json"] = files["approval.json"].replace("Phê duyệt".encode(), b"Duyet", 1)
    upload(http, files)
    forward = http.call(
        "GET", f"/api/v1/definitions/{KEY}/diff", "analyst", query={"from": 1, "to": 2}
    )
    assert [(c["bpmn_id"], c["name"], c["kind"]) for c in forward["added"]] == [
        ("archive", "Lưu trữ hồ sơ", "ManualTask")
    ]
    assert {c["bpmn_id"] for c in forward["changed"]} == {"return_result", "end_returned"}
    assert forward["forms_changed"] == ["approval"]
    backward = http.call(
        "GET", f"/api/v1/definitions/{KEY}/diff", "analyst", query={"from": 2, "to": 1}
    )
    assert [c["bpmn_id"] for c in backward["removed"]] == ["archive"]
    http.call("GET", f"/api/v1/definitions/{KEY}/diff", "analyst", query={"from": 1}, expect=422)


def test_a_version_has_its_sources_and_forms(http: HttpApi) -> None:
    version = http.call("GET", f"/api/v1/definitions/{KEY}/versions/1", "analyst")
    assert version["files"][f"{KEY}.bpmn"] == bundle()[f"{KEY}.bpmn"].decode()
    assert "reception_check" in version["forms"]
    assert {n["bpmn_id"] for n in version["model"]["nodes"]} >= {"check_dossier", "appraise"}
    http.call("GET", f"/api/v1/definitions/{KEY}/versions/9", "analyst", expect=404)
    http.call("GET", "/api/v1/definitions/unknown/versions", "analyst", expect=404)


def test_validate_checks_without_deploying(http: HttpApi) -> None:
    files = renamed(bundle(), "Trả kết quả", "Trả kết quả (mới)")
    body = upload(http, files, path="/api/v1/definitions/validate", expect=200).get_json()
    assert (body["valid"], body["key"]) == (True, KEY)
    versions = http.call("GET", f"/api/v1/definitions/{KEY}/versions", "analyst")
    assert versions["total"] == 1


def test_an_invalid_bundle_is_422_naming_file_line_and_element(http: HttpApi) -> None:
    files = renamed(bundle(), 'name="Chuyên viên"', 'name="Thủ kho"')
    for path in ("/api/v1/definitions", "/api/v1/definitions/validate"):
        problem = upload(http, files, path=path, expect=422).get_json()
        assert problem["code"] == "invalid-definition"
        [error] = [e for e in problem["errors"] if e["element_id"] == "appraise"]
        assert error["severity"] == "error"
        assert error["file"] == f"{KEY}.bpmn"
        assert isinstance(error["line"], int) and error["line"] > 1
        assert "role" in error["message"]


def test_only_analysts_and_admins_deploy_and_officers_do_not_read(http: HttpApi) -> None:
    upload(http, bundle(), "reception", expect=403)
    upload(http, bundle(), "citizen", path="/api/v1/definitions/validate", expect=403)
    upload(http, bundle(), "admin", expect=200)
    http.call("GET", "/api/v1/definitions", "specialist", expect=403)
    http.call("GET", "/api/v1/definitions", None, expect=401)


def test_uploads_without_files_or_with_clashing_names_are_refused(
    http: HttpApi, client: FlaskClient
) -> None:
    headers = {"Authorization": f"Bearer {http.token('analyst')}"}
    response = client.post("/api/v1/definitions", data={}, headers=headers)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["field"] == "file"
    body, content_type = multipart({"a/same.bpmn": b"<x/>", "same.bpmn": b"<y/>"})
    response = client.post(
        "/api/v1/definitions", data=body, headers=headers, content_type=content_type
    )
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["message"] == "two files have this name"


def test_bundles_bigger_than_the_json_limit_are_accepted_up_to_the_upload_limit(
    http: HttpApi,
) -> None:
    files = bundle()
    padding = b"<!-- " + b"x" * (1_500_000) + b" -->\n"
    files[f"{KEY}.bpmn"] = files[f"{KEY}.bpmn"].replace(
        b"<bpmn:message ", padding + b"<bpmn:message ", 1
    )
    assert upload(http, files).get_json()["version"] == 2
    files["huge.json"] = b"{" + b" " * (11 * 1024 * 1024) + b"}"
    problem = upload(http, files, expect=413).get_json()
    assert problem["code"] == "too-large"


def test_the_version_diagram_is_an_svg_of_every_step(http: HttpApi, client: FlaskClient) -> None:
    response = client.get(
        f"/api/v1/definitions/{KEY}/versions/1/diagram.svg",
        headers={"Authorization": f"Bearer {http.token('analyst')}"},
    )
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    svg = response.get_data(as_text=True)
    for step in ("check_dossier", "appraise", "approve_result", "return_result", "lane_leader"):
        assert f'data-element-id="{step}"' in svg
    assert "Thẩm định" in svg and "<title>Cấp lại, đổi thẻ bảo hiểm y tế (v1)</title>" in svg
