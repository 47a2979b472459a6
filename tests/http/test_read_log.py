"""Every read of a dossier's personal data by an officer, auditor or administrator is an event
on the dossier's chain saying who read what (SEC-1); the applicant's own reads are not."""

from __future__ import annotations

import io
from typing import Any

from engine.context import EngineContext
from engine.events import dossier_chain
from tests.support import HttpApi


def reads(ctx: EngineContext, code: str) -> list[tuple[str, str, str | None, dict[str, Any]]]:
    with ctx.uow(write=False) as uow:
        return [
            (e.actor_username, e.actor_role, e.actor_unit, e.payload)
            for e in uow.audit.stream_events(dossier_chain(code))
            if e.type == "dossier_read"
        ]


def test_officers_reading_a_dossier_leave_a_trace(http: HttpApi, ctx: EngineContext) -> None:
    code = http.submit()["code"]
    http.dossier(code, "citizen")
    assert reads(ctx, code) == []
    http.dossier(code, "leader")
    http.dossier(code, "auditor")
    assert reads(ctx, code) == [
        ("leader", "leader", "000.00.07.H29", {"what": "dossier"}),
        ("auditor", "auditor", None, {"what": "dossier"}),
    ]


def test_refused_reads_leave_no_trace(http: HttpApi, ctx: EngineContext) -> None:
    code = http.submit()["code"]
    http.dossier(code, "reception_other", expect=403)
    http.dossier(code, "citizen2", expect=403)
    task = http.task_for(code, "reception")
    http.call("GET", f"/api/v1/tasks/{task['id']}", "specialist", expect=403)
    assert reads(ctx, code) == []


def test_reading_a_task_names_the_task(http: HttpApi, ctx: EngineContext) -> None:
    code = http.submit()["code"]
    task = http.task_for(code, "reception")
    http.call("GET", f"/api/v1/tasks/{task['id']}", "reception")
    assert reads(ctx, code) == [
        ("reception", "reception", "000.00.07.H29", {"what": "task", "task_id": task["id"]})
    ]


def test_auditors_timeline_replay_and_export_are_logged(http: HttpApi, ctx: EngineContext) -> None:
    code = http.submit()["code"]
    base = f"/api/v1/audit/dossiers/{code}"
    http.call("GET", f"{base}/events", "auditor", query={"page": 1})
    http.call("GET", f"{base}/replay", "auditor", query={"until": 1})
    http.client.get(f"{base}/bundle", headers={"Authorization": f"Bearer {http.token('admin')}"})
    assert [(user, payload) for user, _, _, payload in reads(ctx, code)] == [
        ("auditor", {"what": "timeline", "page": 1}),
        ("auditor", {"what": "replay", "until": 1}),
        ("admin", {"what": "export"}),
    ]
    timeline = http.call("GET", f"{base}/events", "auditor")["items"]
    assert [item["action"] for item in timeline[-3:]] == [
        "Xem nhật ký hồ sơ",
        "Xem bản dựng lại hồ sơ",
        "Xem gói xuất kiểm tra",
    ]


def test_reading_a_dossiers_files_is_logged(http: HttpApi, ctx: EngineContext) -> None:
    code = http.submit()["code"]
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    sha256 = http.client.post(
        f"/api/v1/dossiers/{code}/files",
        data={"file": (io.BytesIO(png), "cccd.png")},
        headers={"Authorization": f"Bearer {http.token('citizen')}"},
    ).get_json()["sha256"]
    http.call("GET", f"/api/v1/dossiers/{code}/files", "citizen")
    http.call("GET", f"/api/v1/dossiers/{code}/files", "specialist")
    response = http.client.get(
        f"/api/v1/dossiers/{code}/files/{sha256}",
        headers={"Authorization": f"Bearer {http.token('auditor')}"},
    )
    assert response.status_code == 200
    assert [(user, payload) for user, _, _, payload in reads(ctx, code)] == [
        ("specialist", {"what": "files"}),
        ("auditor", {"what": "file", "sha256": sha256}),
    ]
