"""Uploads: an allow-list judged by content, a size limit, SHA-256 recorded, stored read-only and
never overwritten or executed (SEC-2, SEC-7)."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import stat
from pathlib import Path
from typing import Any

from engine.context import EngineContext
from engine.security.signing import KEY_FILE_NAME
from tests.support import REFUSE, HttpApi

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
EXE = b"MZ\x90\x00" + b"\x00" * 60 + b"PE\x00\x00"


def _upload(
    http: HttpApi, code: str, content: bytes, name: str, user: str = "citizen", **kwargs: Any
) -> Any:
    return http.client.post(
        f"/api/v1/dossiers/{code}/files",
        data={"file": (io.BytesIO(content), name, kwargs.get("content_type", "image/png"))},
        headers={"Authorization": f"Bearer {http.token(user)}"},
    )


def _file_events(ctx: EngineContext, code: str) -> list[dict[str, Any]]:
    with ctx.uow(write=False) as uow:
        return [
            dict(e.payload)
            for e in uow.events.for_chain(f"dossier:{code}")
            if e.type == "file_uploaded"
        ]


def test_an_upload_is_stored_under_its_sha256_read_only_and_recorded(
    http: HttpApi, ctx: EngineContext
) -> None:
    code = http.submit()["code"]
    response = _upload(http, code, PNG, "the card.png")
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    sha = hashlib.sha256(PNG).hexdigest()
    assert {k: body[k] for k in ("sha256", "name", "size", "content_type")} == {
        "sha256": sha,
        "name": "the card.png",
        "size": len(PNG),
        "content_type": "image/png",
    }
    stored = ctx.settings.files_dir / sha[:2] / sha
    assert stored.read_bytes() == PNG
    mode = stat.S_IMODE(stored.stat().st_mode)
    assert mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH) == 0, oct(mode)
    assert mode & (stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH) == 0, oct(mode)
    assert _file_events(ctx, code) == [
        {"sha256": sha, "name": "the card.png", "size": len(PNG), "content_type": "image/png"}
    ]
    listed = http.call("GET", f"/api/v1/dossiers/{code}/files", "reception")
    assert [f["sha256"] for f in listed["items"]] == [sha] and listed["total"] == 1


def test_the_same_content_again_changes_nothing_and_is_never_rewritten(
    http: HttpApi, ctx: EngineContext
) -> None:
    first, second = http.submit()["code"], http.submit()["code"]
    sha = _upload(http, first, PNG, "a.png").get_json()["sha256"]
    stored = ctx.settings.files_dir / sha[:2] / sha
    before = stored.stat()
    again = _upload(http, first, PNG, "renamed.png")
    assert again.status_code == 200 and again.get_json()["name"] == "a.png"
    assert len(_file_events(ctx, first)) == 1
    assert _upload(http, second, PNG, "b.png", user="citizen").status_code == 201
    after = stored.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)


def test_the_type_is_judged_by_content_not_by_the_client(http: HttpApi, ctx: EngineContext) -> None:
    code = http.submit()["code"]
    for content, name in ((EXE, "photo.png"), (b"<script>alert(1)</script>", "page.pdf")):
        response = _upload(http, code, content, name, content_type="image/png")
        assert response.status_code == 415, response.get_json()
        assert "application/pdf, image/jpeg, image/png" in response.get_json()["detail"]
    mismatch = _upload(http, code, PDF, "scan.png", content_type="image/png")
    assert mismatch.status_code == 415
    assert "application/pdf but its name ends in .png" in mismatch.get_json()["detail"]
    pdf = _upload(http, code, PDF, "scan", content_type="image/png").get_json()
    assert (pdf["name"], pdf["content_type"]) == ("scan.pdf", "application/pdf")
    assert [e["name"] for e in _file_events(ctx, code)] == ["scan.pdf"]
    assert sorted(p.name for p in ctx.settings.files_dir.rglob("*") if p.is_file()) == [
        hashlib.sha256(PDF).hexdigest()
    ]


def test_a_path_in_the_name_is_dropped(http: HttpApi, ctx: EngineContext) -> None:
    code = http.submit()["code"]
    for name in ("../../../etc/cron.d/x.png", "..\\..\\windows\\x.png", "x\x00\n\t.png"):
        stored_name = _upload(http, code, PNG + name.encode(), name).get_json()["name"]
        assert stored_name.endswith(".png") and "x" in stored_name, stored_name
        assert not {"/", "\\", "\x00", "\n"} & set(stored_name) and ".." not in stored_name
    files = [p for p in Path(ctx.settings.var_dir).rglob("*") if p.is_file()]
    kept = {"secret_key", KEY_FILE_NAME}  # the token secret and the audit signing key
    assert all(ctx.settings.files_dir in p.parents or p.name in kept for p in files)


def test_size_limits_give_413_and_the_rules_are_published(
    http: HttpApi, ctx: EngineContext
) -> None:
    ctx.settings = dataclasses.replace(ctx.settings, upload_max_bytes=2048)
    rules = http.call("GET", "/api/v1/public/upload-rules", None)
    assert rules["max_bytes"] == 2048
    assert [t["content_type"] for t in rules["types"]] == [
        "application/pdf",
        "image/jpeg",
        "image/png",
    ]
    code = http.submit()["code"]
    assert _upload(http, code, PNG + b"\x00" * 1900, "ok.png").status_code == 201
    over = _upload(http, code, PNG + b"\x01" * 2048, "big.png")
    assert over.status_code == 413 and over.content_type == "application/problem+json"
    assert "at most 2048 bytes" in over.get_json()["detail"]
    way_over = _upload(http, code, PNG + b"\x02" * 200_000, "huge.png")
    assert way_over.status_code == 413 and way_over.content_type == "application/problem+json"
    assert len(_file_events(ctx, code)) == 1


def test_missing_or_empty_files_are_422_and_closed_dossiers_409(http: HttpApi) -> None:
    code = http.submit()["code"]
    headers = {"Authorization": f"Bearer {http.token('citizen')}"}
    missing = http.client.post(f"/api/v1/dossiers/{code}/files", data={}, headers=headers)
    assert missing.status_code == 422 and missing.get_json()["errors"][0]["field"] == "file"
    assert _upload(http, code, b"", "empty.png").status_code == 422
    http.act(code, "reception", REFUSE)
    closed = _upload(http, code, PNG, "late.png")
    assert closed.status_code == 409 and closed.get_json()["code"] == "invalid-state"


def test_a_download_is_an_attachment_that_browsers_will_not_sniff_or_run(http: HttpApi) -> None:
    code = http.submit()["code"]
    sha = _upload(http, code, PDF, "Tờ khai.pdf").get_json()["sha256"]
    response = http.client.get(
        f"/api/v1/dossiers/{code}/files/{sha}",
        headers={"Authorization": f"Bearer {http.token('specialist')}"},
    )
    assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "filename*=UTF-8''T%E1%BB%9D%20khai.pdf" in response.headers["Content-Disposition"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    http.call("GET", f"/api/v1/dossiers/{code}/files/{'0' * 64}", "specialist", expect=404)
    http.call("GET", f"/api/v1/dossiers/{code}/files/not-a-hash", "specialist", expect=404)
