"""Documents of record issued as signed PDFs (issue 14): numbered per unit, form and year in the
step's transaction, their SHA-256 in the dossier's audit chain, served as PDF or HTML with the
dossier's authorization; a stored PDF changed by one byte is found by `audit verify`."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result
from openpyxl import load_workbook
from sqlalchemy import text

from api.cli import main
from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.documents import verify
from engine.events import dossier_chain
from engine.scheduler import TimerScheduler
from engine.security.authz import Actor
from engine.services.audit import verify_audit_log
from engine.services.audit_dossiers import replay_dossier
from engine.services.documents import verify_stored
from engine.services.users import UserChanges, update_user
from tests.conftest import ADMIN, START
from tests.documents_support import flat, page_image, squeeze, texts
from tests.e2e.test_bhxh_mot_lan import APPROVE, REQUEST_14_HSB, SIGN
from tests.support import (
    ACCEPT,
    APPRAISE,
    LEADER_APPROVE,
    REFUSE,
    RETURN,
    SUPPLEMENT,
    UNIT,
    HttpApi,
    applicant,
    at,
)
from tests.tampering import tampering

SUPPLEMENT_IN_PROCESSING = {
    "decision": "supplement",
    "opinion": "Thiếu giấy tờ chứng minh",
    "missing_documents": ["Bản sao giấy khai sinh", "Bản chụp thẻ BHYT cũ"],
    "reasons": "Cần đối chiếu ngày sinh với giấy khai sinh",
}
AUDITOR = Actor(user_id=None, username="auditor", roles=frozenset({"auditor"}), unit_code=None)
REAPPOINT = {
    "decision": "reappoint",
    "reason": "Chờ xác minh thông tin của BHXH tỉnh",
    "apology": "Xin lỗi ông/bà",
    "new_due_date": "2026-03-27",
}


def move(http: HttpApi, clock: FrozenClock, when: datetime) -> None:
    clock.set(when)
    http.forget_tokens()


def act_on(http: HttpApi, code: str, user: str, bpmn_id: str, data: dict[str, Any]) -> Any:
    [task] = [t for t in http.tasks(user, dossier=code)["items"] if t["bpmn_id"] == bpmn_id]
    http.claim(task["id"], user)
    return http.complete(task["id"], user, data)


def raw(http: HttpApi, path: str, user: str, accept: str = "application/pdf") -> Any:
    headers = {"Authorization": f"Bearer {http.token(user)}", "Accept": accept}
    return http.client.get(path, headers=headers)


def drive(http: HttpApi, ctx: EngineContext, clock: FrozenClock) -> str:
    """accept (10 March) → supplement in processing (12) → supplement (16) → warning (24) →
    re-appointment to 27 March → appraisal, approval (26) → returned."""
    move(http, clock, at(10))
    code = str(http.submit()["code"])
    http.act(code, "reception", ACCEPT)
    move(http, clock, at(12, 10))
    act_on(http, code, "specialist", "appraise", SUPPLEMENT_IN_PROCESSING)
    move(http, clock, at(16, 10))
    http.call("POST", f"/api/v1/dossiers/{code}/supplements", "citizen", json={"data": {}})
    move(http, clock, at(24, 8))
    assert TimerScheduler(ctx).run_once() == 1
    act_on(http, code, "leader", "reappoint", REAPPOINT)
    move(http, clock, at(26, 10))
    act_on(http, code, "specialist", "appraise", APPRAISE)
    act_on(http, code, "leader", "approve_result", LEADER_APPROVE)
    act_on(http, code, "reception", "return_result", RETURN)
    return code


def documents_of(http: HttpApi, code: str, user: str = "citizen") -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = http.call("GET", f"/api/v1/dossiers/{code}/documents", user)[
        "items"
    ]
    return items


def pdf_of(http: HttpApi, code: str, document_id: int, user: str = "citizen") -> bytes:
    response = raw(http, f"/api/v1/dossiers/{code}/documents/{document_id}", user)
    assert response.status_code == 200, response.get_json()
    assert response.mimetype == "application/pdf"
    return bytes(response.data)


def test_a_dossier_driven_to_the_end_has_its_documents_numbered_signed_and_exact(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    code = drive(http, ctx, clock)
    items = documents_of(http, code)
    assert [(d["template"], d["number"], d["issued_by"]) for d in items] == [
        ("mau_01", "1/TNHS-BHXHQBĐ", "reception"),
        ("mau_02", "1/PBS-BHXHQBĐ", "specialist"),
        ("mau_04", "1/XL-BHXHQBĐ", "leader"),
        ("thong_bao", "1/TB-BHXHQBĐ", "leader"),
    ]
    assert [d["issued_at"] for d in items] == [
        "2026-03-10T09:00:00+07:00",
        "2026-03-12T10:00:00+07:00",
        "2026-03-24T08:00:00+07:00",
        "2026-03-26T10:00:00+07:00",
    ]
    expected = {
        "mau_01": [
            "Số: 1/TNHS-BHXHQBĐ",
            "Hà Nội, ngày 10 tháng 3 năm 2026",
            "GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ",
            f"Mã hồ sơ: {code}",
            "Tiếp nhận hồ sơ của: Nguyễn Văn An",
            "Tờ khai TK1-TS",
            "Bản chính",
            "Thời gian giải quyết hồ sơ theo quy định là: 07 ngày làm việc.",
            "Thời gian nhận hồ sơ: 09 giờ 00 phút, ngày 10 tháng 3 năm 2026.",
            "Thời gian trả kết quả giải quyết hồ sơ: 16 giờ 30 phút, ngày 19 tháng 3 năm 2026.",
        ],
        "mau_02": [
            "Số: 1/PBS-BHXHQBĐ",
            "Hà Nội, ngày 12 tháng 3 năm 2026",
            "PHIẾU YÊU CẦU BỔ SUNG, HOÀN THIỆN HỒ SƠ",
            "1. Bản sao giấy khai sinh 2. Bản chụp thẻ BHYT cũ",
            "Lý do: Cần đối chiếu ngày sinh với giấy khai sinh",
        ],
        "mau_04": [
            "Số: 1/XL-BHXHQBĐ",
            "Hà Nội, ngày 24 tháng 3 năm 2026",
            "Kính gửi: Ông/Bà Nguyễn Văn An",
            "Thời hạn trả kết quả giải quyết hồ sơ: 16 giờ 30 phút, ngày 25 tháng 3 năm 2026",
            "Lý do: Chờ xác minh thông tin của BHXH tỉnh",
            "vào 16 giờ 30 phút, ngày 27 tháng 3 năm 2026.",
        ],
        "thong_bao": [
            "Số: 1/TB-BHXHQBĐ",
            "Hà Nội, ngày 26 tháng 3 năm 2026",
            "Số thẻ bảo hiểm y tế mới: DN4010123456790.",
            "Ý kiến thẩm định: Đủ điều kiện cấp lại thẻ.",
        ],
    }
    roots = ctx.signers.trust_roots()
    for item in items:
        pdf = pdf_of(http, code, item["id"])
        assert hashlib.sha256(pdf).hexdigest() == item["sha256"]
        assert len(pdf) <= 40_000  # measured 34–37 KB (docs/documents.md, "Storage")
        by_pypdf, by_pdfminer = texts(pdf)
        for phrase in expected[item["template"]]:
            assert phrase in flat(by_pypdf), (item["template"], phrase)
            assert phrase in flat(by_pdfminer), (item["template"], phrase)
        result = verify(pdf, roots)
        assert result.valid, result.problems
        width, height, ink = page_image(pdf, f"issued-{item['template']}")
        assert ink > 0.01, item["template"]  # page 1 is not blank
    # The chain records each document's number and SHA-256; replay re-derives them unsigned.
    with ctx.uow(write=False) as uow:
        recorded = [
            (e.payload["number"], e.payload["sha256"])
            for e in uow.events.for_chain(dossier_chain(code))
            if e.type == "document_issued"
        ]
    assert recorded == [(d["number"], d["sha256"]) for d in items]
    with ctx.db.engine.connect() as conn:
        stored = conn.execute(text("SELECT length(pdf) FROM document ORDER BY id")).scalars().all()
    assert all(size <= 30 * 1024 for size in stored), stored  # compressed (CompressedBytes)
    replayed = replay_dossier(ctx, ADMIN, code)
    assert replayed.problems == [] and replayed.mismatches == []


OFFICERS = {"reception": "Phạm Thị Lan", "specialist": "Lê Văn Minh", "leader": "Trần Quốc Bảo"}


def rename(ctx: EngineContext, names: dict[str, str]) -> None:
    for username, full_name in names.items():
        update_user(ctx, ADMIN, username, UserChanges(full_name=full_name))


def test_forms_print_officers_full_names_as_at_issue_and_a_rename_changes_none(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    rename(ctx, OFFICERS)
    code = drive(http, ctx, clock)
    items = documents_of(http, code)
    named = {  # the officer each form names: receiver, officer, signer
        "mau_01": OFFICERS["reception"],
        "mau_02": OFFICERS["specialist"],
        "mau_04": OFFICERS["leader"],
        "thong_bao": OFFICERS["leader"],
    }
    assert [d["template"] for d in items] == list(named)
    before = {d["id"]: pdf_of(http, code, d["id"]) for d in items}
    for item in items:
        page = flat(texts(before[item["id"]])[0])
        assert named[item["template"]] in page, item["template"]
        assert "Leader" not in page and "Specialist" not in page and "Reception" not in page
    # The leader and the receiver are renamed after the fact: nothing issued changes.
    rename(ctx, {"leader": "Trần Quốc Khánh", "reception": "Phạm Thị Lan Anh"})
    assert {d["id"]: pdf_of(http, code, d["id"]) for d in documents_of(http, code)} == before
    html = raw(http, f"/api/v1/dossiers/{code}/documents/{items[-1]['id']}", "citizen", "text/html")
    assert OFFICERS["leader"] in html.get_data(as_text=True)
    assert "Trần Quốc Khánh" not in html.get_data(as_text=True)
    replayed = replay_dossier(ctx, ADMIN, code)
    assert replayed.problems == [] and replayed.mismatches == []
    assert verify_audit_log(ctx, ADMIN, dossier=code).ok
    assert all(check.problems == [] for check in verify_stored(ctx, code))


def test_mau_05_names_the_leader_who_stopped_the_handling_by_full_name(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    rename(ctx, {"leader": OFFICERS["leader"]})
    move(http, clock, at(10))
    code = str(http.submit()["code"])
    http.act(code, "reception", ACCEPT)
    stop = {"reason": "Đã được cấp thẻ tại đơn vị khác", "legal_basis": ["Điều 18 Luật BHYT"]}
    http.call("POST", f"/api/v1/dossiers/{code}/stop", "leader", json=stop)
    [notice] = [d for d in documents_of(http, code) if d["template"] == "mau_05"]
    pdf = pdf_of(http, code, notice["id"])
    assert OFFICERS["leader"] in flat(texts(pdf)[0])
    rename(ctx, {"leader": "Trần Quốc Khánh"})
    assert pdf_of(http, code, notice["id"]) == pdf
    replayed = replay_dossier(ctx, ADMIN, code)
    assert replayed.problems == [] and replayed.mismatches == []


def test_a_decision_cites_the_procedure_s_legal_basis_and_prints_its_result_fields(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    """bhxh_mot_lan: the labels are the diagram's `result_fields` on `mark_payment`, the bases
    its `legal_basis`, the sentences quyet_dinh.typ's; the signer is the leader by name."""
    rename(ctx, {"leader": OFFICERS["leader"]})
    move(http, clock, at(10))
    applicant = {"full_name": "Trần Thị Bình", "id_number": "001168004321"}
    code = str(
        http.submit(procedure="bhxh_mot_lan", data=REQUEST_14_HSB, applicant=applicant)["code"]
    )
    http.act(code, "reception", ACCEPT)
    act_on(http, code, "specialist", "appraise", APPROVE)
    act_on(http, code, "leader", "approve_payment", SIGN)
    [decision] = [d for d in documents_of(http, code) if d["template"] == "quyet_dinh"]
    assert decision["number"] == "1/QĐ-BHXHQBĐ"
    page = flat(texts(pdf_of(http, code, decision["id"]))[0])
    for phrase in (
        "QUYẾT ĐỊNH Về việc giải quyết hồ sơ " + code,
        "GIÁM ĐỐC BHXH QUẬN BA ĐÌNH",
        "Căn cứ Luật BHXH 2024 (41/2024/QH15) điều 70, 78, 79;",
        "Điều 1. Ông/Bà Trần Thị Bình (hồ sơ số " + code + ") được giải quyết thủ tục "
        "Giải quyết hưởng bảo hiểm xã hội một lần với kết quả như sau:",
        "Tổng số tháng đóng bảo hiểm xã hội: 138.",
        "Mức hưởng (đồng): 152.000.000.",
        "Ý kiến thẩm định: Đủ tuổi nghỉ hưu, đóng 138 tháng, chưa đủ 15 năm.",
        "Điều 2. Quyết định này có hiệu lực kể từ ngày ký.",
        OFFICERS["leader"],
    ):
        assert phrase in page, phrase
    assert "decision_number" not in page and "1234/QĐ-BHXH" not in page  # not in result_fields
    replayed = replay_dossier(ctx, ADMIN, code)
    assert replayed.problems == [] and replayed.mismatches == []


def test_the_receipt_is_byte_identical_after_a_re_appointment(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    move(http, clock, at(10))
    code = str(http.submit()["code"])
    http.act(code, "reception", ACCEPT)
    [receipt] = documents_of(http, code)
    before = pdf_of(http, code, receipt["id"])
    move(http, clock, at(18, 8))
    assert TimerScheduler(ctx).run_once() == 1
    act_on(http, code, "leader", "reappoint", {**REAPPOINT, "new_due_date": "2026-03-24"})
    after = documents_of(http, code)
    assert [d["template"] for d in after] == ["mau_01", "mau_04"]
    assert pdf_of(http, code, receipt["id"]) == before


def test_a_refusal_issues_mau_03_and_numbers_count_per_form(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    move(http, clock, at(10))
    first, second = str(http.submit()["code"]), str(http.submit()["code"])
    http.act(first, "reception", REFUSE)
    http.act(second, "reception", ACCEPT)
    third = str(http.submit()["code"])
    http.act(third, "reception", ACCEPT)
    assert [d["number"] for d in documents_of(http, first)] == ["1/PTC-BHXHQBĐ"]
    assert [d["number"] for d in documents_of(http, third)] == ["2/TNHS-BHXHQBĐ"]
    [refusal] = documents_of(http, first)
    by_pypdf, _ = texts(pdf_of(http, first, refusal["id"]))
    assert REFUSE["reasons"] in flat(by_pypdf)


def test_a_flipped_byte_in_a_stored_pdf_is_found_by_audit_verify(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    move(http, clock, at(10))
    code = str(http.submit()["code"])
    http.act(code, "reception", ACCEPT)
    assert verify_audit_log(ctx, ADMIN, dossier=code).ok
    with ctx.db.engine.connect() as conn:
        pdf = bytearray(conn.execute(text("SELECT pdf FROM document")).scalar_one())
    pdf[len(pdf) // 2] ^= 0x01  # one byte of the stored (compressed) PDF
    with tampering(ctx) as conn:
        conn.execute(text("UPDATE document SET pdf = :pdf"), {"pdf": bytes(pdf)})
    report = verify_audit_log(ctx, ADMIN, dossier=code)
    assert not report.ok
    assert [p.describe() for p in report.problems] == [
        f"dossier {code}: modified: document 1/TNHS-BHXHQBĐ: the stored PDF (SHA-256 "
        f"{hashlib.sha256(pdf).hexdigest()[:12]}…) is not the one the chain recorded as issued"
    ]
    [check] = verify_stored(ctx, code)
    assert "the stored PDF differs from the one issued (SHA-256)" in check.problems


def test_documents_follow_the_dossier_s_authorization_and_reads_are_logged(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    move(http, clock, at(10))
    code = str(http.submit()["code"])
    http.act(code, "reception", ACCEPT)
    [receipt] = documents_of(http, code, "reception")
    path = f"/api/v1/dossiers/{code}/documents"
    http.call("GET", path, "reception_other", expect=403)
    http.call("GET", path, "citizen2", expect=403)
    assert raw(http, f"{path}/{receipt['id']}", "reception_other").status_code == 403
    assert raw(http, f"{path}/999999", "citizen").status_code == 404
    assert raw(http, f"{path}/2147483648", "citizen").status_code == 404  # past INTEGER
    assert raw(http, f"{path}/abc", "citizen").status_code == 404
    assert raw(http, "/api/v1/dossiers/nope/documents/1", "citizen").status_code == 404
    html = raw(http, f"{path}/{receipt['id']}", "citizen", accept="text/html")
    assert html.status_code == 200 and html.mimetype == "text/html"
    assert "Nguyễn Văn An" in html.get_data(as_text=True)
    public = http.call(
        "GET", f"/api/v1/public/dossiers/{code}", None, query={"id_number": "001090012345"}
    )
    assert "documents" not in public
    pdf_of(http, code, receipt["id"], "auditor")
    with ctx.uow(write=False) as uow:
        reads = [
            (e.actor_username, e.payload.get("what"))
            for e in uow.events.for_chain(dossier_chain(code))
            if e.type == "dossier_read"
        ]
    assert ("reception", "documents") in reads and ("auditor", "document") in reads


def test_the_tracking_book_and_the_control_slip(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    move(http, clock, at(10))
    code = str(http.submit()["code"])
    http.act(code, "reception", ACCEPT)
    book = f"/api/v1/units/{UNIT}/tracking-book"
    query = "?from=2026-03-01&to=2026-03-31"
    pdf = raw(http, book + query, "reception")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert code in squeeze(texts(pdf.data)[0])
    assert verify(pdf.data, ctx.signers.trust_roots()).valid
    xlsx = raw(http, book + query + "&format=xlsx", "auditor")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(min_row=4, values_only=True)]
    assert rows[0][:3] == [1, code, "Cấp lại, đổi thẻ bảo hiểm y tế"]
    assert rows[0][7] == "09:00 10/03/2026"
    assert raw(http, book + query, "reception_other").status_code == 403
    assert raw(http, book + query, "citizen").status_code == 403
    for bad in (
        "?from=2026-03-31&to=2026-03-01",
        "?from=x&to=2026-03-01",
        "?from=2026-03-01",
        "?from=2025-01-01&to=2026-03-01",
        "?from=0001-01-01&to=0001-01-02",  # overflows as a UTC instant: refused, not a 500
        "?from=9999-12-30&to=9999-12-31",
        query + "&format=doc",
    ):
        assert raw(http, book + bad, "reception").status_code == 422, bad
    assert raw(http, "/api/v1/units/nope/tracking-book" + query, "auditor").status_code == 404
    slip = raw(http, f"/api/v1/dossiers/{code}/control-slip", "reception")
    assert slip.status_code == 200
    assert "PHIẾU KIỂM SOÁT QUÁ TRÌNH GIẢI QUYẾT HỒ SƠ" in flat(texts(slip.data)[0])
    with ctx.uow(write=False) as uow:
        logged = [e.type for e in uow.audit.stream_events("system")]
    assert logged.count("tracking_book_read") == 2


def test_the_documents_commands_list_verify_and_check_against_the_audit_chain(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock, cli_env: dict[str, str], tmp_path: Path
) -> None:
    move(http, clock, at(10))
    code = str(http.submit()["code"])
    http.act(code, "reception", ACCEPT)
    [receipt] = documents_of(http, code)

    def motcua(*args: str) -> Result:
        return CliRunner().invoke(main, ["documents", *args], env=cli_env, catch_exceptions=False)

    listed = motcua("list", code)
    assert listed.exit_code == 0, listed.output
    assert f"mau_01\t1/TNHS-BHXHQBĐ\t2026-03-10 09:00\treception\t{receipt['sha256']}" in (
        listed.output
    )
    assert motcua("list", "nope").exit_code == 1
    issued = tmp_path / "m01.pdf"
    issued.write_bytes(pdf_of(http, code, receipt["id"]))
    checked = motcua("verify", str(issued), "--chain")
    assert checked.exit_code == 0, checked.output
    assert f"recorded    dossier {code}, document 1/TNHS-BHXHQBĐ" in checked.output
    # A copy signed by the same unit but never issued is valid, yet not a document of record.
    from engine.documents import render, sign
    from engine.services.documents import read_document

    snapshot = read_document(ctx, AUDITOR, code, receipt["id"], html=False)
    assert snapshot.content == issued.read_bytes()
    with ctx.uow(write=False) as uow:
        stored = uow.documents.with_pdf(receipt["id"])
        assert stored is not None and stored.snapshot is not None
        again = sign(render("mau_01", stored.snapshot).pdf, ctx.signers.signer_for(UNIT, "", START))
    copy = tmp_path / "copy.pdf"
    copy.write_bytes(again)
    refused = motcua("verify", str(copy), "--chain")
    assert refused.exit_code == 1
    assert "no dossier's audit chain records this file as issued" in refused.output
    assert motcua("check").exit_code == 0
    pdf = bytearray(issued.read_bytes())
    pdf[100] ^= 0x01
    with tampering(ctx) as conn:
        conn.execute(text("UPDATE document SET pdf = :pdf"), {"pdf": bytes(pdf)})
    damaged = motcua("check", "--dossier", code)
    assert damaged.exit_code == 1
    assert f"{code} 1/TNHS-BHXHQBĐ: the stored PDF differs from the one issued" in damaged.output


def test_what_the_font_cannot_print_never_blocks_a_step(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    move(http, clock, at(10))
    code = str(http.submit()["code"])
    reasons = "Thiếu bản sao 📄 căn cước\u202e công dân " + "x" * 100
    http.act(code, "reception", {**SUPPLEMENT, "reasons": reasons})
    [request] = documents_of(http, code)
    assert request["template"] == "mau_02"
    printed = flat(texts(pdf_of(http, code, request["id"]))[0])
    assert f"Lý do: Thiếu bản sao ? căn cước? công dân {'x' * 80} {'x' * 20}" in printed


def test_what_an_applicant_typed_never_blocks_the_slip_or_the_tracking_book(
    http: HttpApi, clock: FrozenClock
) -> None:
    move(http, clock, at(10))
    name = "Nguyễn Văn 😀 " + "A" * 85  # an emoji and a word longer than a line
    code = str(http.submit(applicant={**applicant(), "full_name": name})["code"])
    http.act(code, "reception", ACCEPT)
    slip = raw(http, f"/api/v1/dossiers/{code}/control-slip", "reception")
    assert slip.status_code == 200
    assert "Nguyễn Văn ?" in flat(texts(slip.data)[0])
    book = raw(http, f"/api/v1/units/{UNIT}/tracking-book?from=2026-03-01&to=2026-03-31", "auditor")
    assert book.status_code == 200 and code in squeeze(texts(book.data)[0])
