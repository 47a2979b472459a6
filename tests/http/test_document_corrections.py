"""Correcting a document of record (issue 14): an issued document never changes; a leader of the
dossier's unit issues a correction, a new document of the same form and sequence that says which
document it replaces and why, recorded on the dossier's chain and rebuilt by replay."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner

from api.cli import main
from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.documents import verify
from engine.events import dossier_chain
from engine.services.audit import verify_audit_log
from engine.services.audit_dossiers import replay_dossier
from tests.conftest import ADMIN
from tests.documents_support import flat, texts
from tests.http.test_issued_documents import documents_of, move, pdf_of
from tests.support import ACCEPT, HttpApi, applicant, at

CORRECTED_NAME = {**applicant(), "full_name": "Nguyễn Văn Ân"}


def corrections_path(code: str, document_id: int) -> str:
    return f"/api/v1/dossiers/{code}/documents/{document_id}/corrections"


def correct(
    http: HttpApi, code: str, document_id: int, body: dict[str, Any], expect: int = 201
) -> Any:
    return http.call(
        "POST", corrections_path(code, document_id), "leader", json=body, expect=expect
    )


def accepted(http: HttpApi, clock: FrozenClock) -> tuple[str, dict[str, Any]]:
    move(http, clock, at(10))
    code = str(http.submit()["code"])
    http.act(code, "reception", ACCEPT)
    [receipt] = documents_of(http, code)
    return code, receipt


def test_a_correction_is_a_new_document_that_names_the_one_it_replaces_and_why(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock, cli_env: dict[str, str]
) -> None:
    code, receipt = accepted(http, clock)
    before = pdf_of(http, code, receipt["id"])
    move(http, clock, at(11, 14))
    applicant_fields = {k: v for k, v in CORRECTED_NAME.items() if k != "id_number"}
    reason = "Ghi sai họ tên người nộp hồ sơ"
    first = correct(
        http, code, receipt["id"], {"reason": reason, "fields": {"applicant": applicant_fields}}
    )
    assert first["number"] == "2/TNHS-BHXHQBĐ"  # the unit's Mẫu 01 sequence for the year
    assert first["corrects"] == receipt["id"] and first["issued_by"] == "leader"
    # The corrected document is byte-identical; the listing links the two both ways.
    assert pdf_of(http, code, receipt["id"]) == before
    listed = {d["id"]: d for d in documents_of(http, code)}
    assert listed[receipt["id"]]["corrected_by"] == first["id"]
    assert listed[first["id"]]["corrects"] == receipt["id"]
    printed = pdf_of(http, code, first["id"])
    assert verify(printed, ctx.signers.trust_roots()).valid
    by_pypdf, by_pdfminer = texts(printed)
    for text in (flat(by_pypdf), flat(by_pdfminer)):
        assert "Số: 2/TNHS-BHXHQBĐ" in text
        assert "Hà Nội, ngày 11 tháng 3 năm 2026" in text
        assert "(Thay thế văn bản số 1/TNHS-BHXHQBĐ ngày 10/03/2026)" in text
        assert f"Lý do thay thế: {reason}" in text
        assert "Tiếp nhận hồ sơ của: Nguyễn Văn Ân" in text
        assert "Thời gian trả kết quả giải quyết hồ sơ: 16 giờ 30 phút" in text  # kept
    html = http.client.get(
        f"/api/v1/dossiers/{code}/documents/{first['id']}",
        headers={"Authorization": f"Bearer {http.token('citizen')}", "Accept": "text/html"},
    )
    assert "Thay thế văn bản số 1/TNHS-BHXHQBĐ" in html.get_data(as_text=True)

    # A corrected document is corrected through its correction; a correction of it works.
    refused = correct(http, code, receipt["id"], {"reason": "x", "fields": {"sets": 2}}, expect=409)
    assert f"corrected already by 2/TNHS-BHXHQBĐ (id {first['id']})" in refused["detail"]
    second = correct(http, code, first["id"], {"reason": "Số bộ hồ sơ là 2", "fields": {"sets": 2}})
    assert (second["number"], second["corrects"]) == ("3/TNHS-BHXHQBĐ", first["id"])
    again = flat(texts(pdf_of(http, code, second["id"]))[0])
    assert "(Thay thế văn bản số 2/TNHS-BHXHQBĐ ngày 11/03/2026)" in again
    assert "Tiếp nhận hồ sơ của: Nguyễn Văn Ân" in again  # the first correction is kept

    # The chain records each correction (cause, then the document naming what it corrects);
    # replay redoes them and finds the stored documents; audit verify is clean.
    with ctx.uow(write=False) as uow:
        logged = [
            (e.type, e.payload.get("number"), e.payload.get("corrects"))
            for e in uow.events.for_chain(dossier_chain(code))
            if e.type in ("document_issued", "document_corrected")
        ]
    assert logged == [
        ("document_issued", "1/TNHS-BHXHQBĐ", None),
        ("document_corrected", "1/TNHS-BHXHQBĐ", None),
        ("document_issued", "2/TNHS-BHXHQBĐ", "1/TNHS-BHXHQBĐ"),
        ("document_corrected", "2/TNHS-BHXHQBĐ", None),
        ("document_issued", "3/TNHS-BHXHQBĐ", "2/TNHS-BHXHQBĐ"),
    ]
    replayed = replay_dossier(ctx, ADMIN, code)
    assert replayed.problems == [] and replayed.mismatches == []
    assert verify_audit_log(ctx, ADMIN, dossier=code).ok
    listed_by_cli = CliRunner().invoke(
        main, ["documents", "list", code], env=cli_env, catch_exceptions=False
    )
    lines = listed_by_cli.output.splitlines()
    assert lines[0].endswith("\tcorrected by 2/TNHS-BHXHQBĐ")
    assert lines[1].endswith("\tcorrects 1/TNHS-BHXHQBĐ\tcorrected by 3/TNHS-BHXHQBĐ")
    assert lines[2].endswith("\tcorrects 2/TNHS-BHXHQBĐ")


def test_a_bad_correction_is_refused_naming_the_field(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    code, receipt = accepted(http, clock)
    other = str(http.submit()["code"])
    http.act(other, "reception", ACCEPT)
    [theirs] = documents_of(http, other)
    body = {"reason": "Sai số bộ", "fields": {"sets": 2}}
    http.call("POST", corrections_path(code, receipt["id"]), "reception", json=body, expect=403)
    http.call("POST", corrections_path(code, receipt["id"]), "leader_other", json=body, expect=403)
    http.call("POST", corrections_path(code, receipt["id"]), "citizen", json=body, expect=403)
    correct(http, code, theirs["id"], body, expect=404)  # another dossier's document
    correct(http, code, 999999, body, expect=404)
    correct(http, "nope", receipt["id"], body, expect=404)

    def fields_named(fields: dict[str, Any], reason: str = "Sai") -> list[str]:
        problem = correct(http, code, receipt["id"], {"reason": reason, "fields": fields}, 422)
        return sorted(e["field"] for e in problem["errors"])

    assert fields_named({"sets": "hai"}) == ["fields.sets"]
    assert fields_named({"sets": 0}) == ["fields.sets"]
    assert fields_named({"nope": 1}) == ["fields.nope"]
    assert fields_named({"number": "9/TNHS"}) == ["fields.number"]
    assert fields_named({"applicant": {"full_name": "An 😀"}}) == ["fields.applicant.full_name"]
    assert fields_named({"sets": 1}) == ["fields"]  # nothing changes
    assert fields_named({"sets": 2}, reason="   ") == ["reason"]
    missing = correct(http, code, receipt["id"], {"fields": {"sets": 2}}, 422)
    assert "reason" in str(missing)
    assert [d["number"] for d in documents_of(http, code)] == ["1/TNHS-BHXHQBĐ"]
    assert replay_dossier(ctx, ADMIN, code).mismatches == []
