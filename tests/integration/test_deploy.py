"""Deploying diagrams: immutable versions by content hash, dossiers pinned to their version."""

from __future__ import annotations

from pathlib import Path

import pytest

from engine.context import EngineContext
from engine.definitions.bundles import bundle_from_directory
from engine.errors import InvalidDefinitionError, PermissionDeniedError
from engine.services import definitions
from tests.conftest import ADMIN, REPO
from tests.support import ACCEPT, HttpApi

DIAGRAM = REPO / "bpmn" / "cap_lai_the_bhyt.bpmn"


def _bundle() -> dict[str, bytes]:
    return bundle_from_directory(DIAGRAM, REPO / "forms")


def test_identical_content_is_not_a_new_version(ctx: EngineContext) -> None:
    again = definitions.deploy(ctx, ADMIN, _bundle())
    assert (again.key, again.version, again.created) == ("cap_lai_the_bhyt", 1, False)


def test_a_changed_diagram_is_version_2_and_running_dossiers_stay_on_version_1(
    ctx: EngineContext, http: HttpApi
) -> None:
    code = http.submit()["code"]
    bundle = _bundle()
    bundle["cap_lai_the_bhyt.bpmn"] = bundle["cap_lai_the_bhyt.bpmn"].replace(
        'name="Thẩm định hồ sơ"'.encode(), 'name="Thẩm định hồ sơ (v2)"'.encode()
    )
    v2 = definitions.deploy(ctx, ADMIN, bundle)
    assert (v2.version, v2.created) == (2, True)

    http.act(code, "reception", ACCEPT)
    old = http.dossier(code)
    assert old["definition_version"] == 1
    assert old["current_steps"][0]["name"] == "Thẩm định hồ sơ"
    new = http.submit()["code"]
    http.act(new, "reception", ACCEPT)
    assert http.dossier(new)["current_steps"][0]["name"] == "Thẩm định hồ sơ (v2)"
    listed = http.call("GET", "/api/v1/procedures", None)["items"]
    assert [i["version"] for i in listed if i["key"] == "cap_lai_the_bhyt"] == [2]


def test_a_changed_form_alone_is_a_new_version(ctx: EngineContext) -> None:
    bundle = _bundle()
    bundle["approval.json"] = bundle["approval.json"].replace("Phê duyệt kết quả".encode(), b"OK")
    assert definitions.deploy(ctx, ADMIN, bundle).version == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda b: b.pop("appraisal.json"), "form 'appraisal' is not in the bundle"),
        (
            lambda b: b.update(
                {
                    "cap_lai_the_bhyt.bpmn": b["cap_lai_the_bhyt.bpmn"].replace(
                        b'<camunda:property name="sla" value="7 working_days" />', b""
                    )
                }
            ),
            "declares no 'sla'",
        ),
        (
            lambda b: b.update(
                {
                    "cap_lai_the_bhyt.bpmn": b["cap_lai_the_bhyt.bpmn"].replace(
                        'name="Chuyên viên"'.encode(), 'name="Thủ kho"'.encode()
                    )
                }
            ),
            "has no role",
        ),
        (
            lambda b: b.update(
                {
                    "cap_lai_the_bhyt.bpmn": b["cap_lai_the_bhyt.bpmn"].replace(
                        b"supplement_rounds = 0", b"__import__('os').system('id')"
                    )
                }
            ),
            "not allowed",
        ),
        (lambda b: b.update({"cap_lai_the_bhyt.bpmn": b"<bpmn"}), "not well-formed"),
    ],
)
def test_broken_bundles_are_refused_naming_the_problem(
    ctx: EngineContext, change: object, message: str
) -> None:
    bundle = _bundle()
    change(bundle)  # type: ignore[operator]
    with pytest.raises(InvalidDefinitionError) as caught:
        definitions.deploy(ctx, ADMIN, bundle)
    assert any(message in p.message for p in caught.value.problems), caught.value.problems


def test_only_analysts_and_admins_deploy(ctx: EngineContext) -> None:
    from engine.security.authz import Actor

    reception = Actor(user_id=1, username="r", roles=frozenset({"reception"}), unit_code="x")
    with pytest.raises(PermissionDeniedError):
        definitions.deploy(ctx, reception, _bundle())


def test_deploying_a_directory_deploys_every_diagram(
    bare_ctx: EngineContext, tmp_path: Path
) -> None:
    results = definitions.deploy_directory(bare_ctx, ADMIN, REPO / "bpmn", REPO / "forms")
    assert {r.key for r in results} == {p.stem for p in (REPO / "bpmn").glob("*.bpmn")}
    assert all(r.created for r in results)
