"""R-0.1 for the calendar: a dossier counts its dates on the calendar data version in force when
it was accepted; a new version (an edited year file, a package upgrade) registered later changes
only dossiers accepted after it, and replay counts on the pinned version. Overrides apply to
every computation made after they are set, never to a date already computed."""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import engine.calendar.data
from api.cli import main
from engine.calendar import versions as calendar_versions
from engine.calendar.data import DATA_DIR, repository_data_set
from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.events import SYSTEM_CHAIN
from engine.services import calendar
from engine.services.audit_dossiers import replay_dossier
from tests.conftest import ADMIN, VN
from tests.support import ACCEPT, HttpApi

SUPPLEMENT_IN_PROCESSING = {
    "decision": "supplement",
    "opinion": "Thiếu giấy tờ chứng minh",
    "missing_documents": ["Bản sao giấy khai sinh"],
    "reasons": "Cần đối chiếu ngày sinh",
}


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 3, day, hour, 0, tzinfo=VN)


def local(day: int) -> str:
    return datetime(2026, 3, day, 16, 30, tzinfo=VN).isoformat()


def move(http: HttpApi, clock: FrozenClock, when: datetime) -> None:
    clock.set(when)
    http.forget_tokens()


def supplement_and_resume(http: HttpApi, clock: FrozenClock, code: str, day: int) -> Any:
    """The specialist asks for a document the day before `day`; it comes back on `day`."""
    move(http, clock, at(day - 1))
    http.act(code, "specialist", SUPPLEMENT_IN_PROCESSING)
    move(http, clock, at(day))
    return http.call("POST", f"/api/v1/dossiers/{code}/supplements", "citizen", json={"data": {}})


def assert_replays(ctx: EngineContext, code: str) -> None:
    result = replay_dossier(ctx, ADMIN, code)
    assert result.problems == [] and result.mismatches == [], (result.problems, result.mismatches)
    assert result.matches_stored is True


def register_edited_year_file(ctx: EngineContext, tmp_path: Path, day_off: date) -> int:
    """A new release whose 2026 file adds `day_off` (a corrected or newly announced day)."""
    folder = tmp_path / f"vn-{day_off}"
    shutil.copytree(DATA_DIR, folder)
    year = json.loads((folder / "2026.json").read_text(encoding="utf-8"))
    year["days"].append(
        {"date": day_off.isoformat(), "kind": "day_off", "name": "Nghỉ (đính chính)", "basis": "x"}
    )
    (folder / "2026.json").write_text(json.dumps(year, ensure_ascii=False), encoding="utf-8")
    with ctx.uow() as uow:
        number = calendar_versions.register(
            uow, ADMIN, ctx.clock.now(), repository_data_set(ctx.settings.office_hours, folder)
        )
        uow.commit()
    return number


def test_a_new_calendar_version_never_changes_an_accepted_dossiers_dates(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock, tmp_path: Path
) -> None:
    move(http, clock, at(10))
    before = http.submit()["code"]
    http.act(before, "reception", ACCEPT)
    assert http.dossier(before)["due_at"] == local(19)
    assert http.dossier(before)["calendar_version"] == 1

    # A release after acceptance: Tuesday 17 March 2026 becomes a day off in the data.
    move(http, clock, at(10, 11))
    assert register_edited_year_file(ctx, tmp_path, date(2026, 3, 17)) == 2

    # The accepted dossier's later computations still count on version 1: the clock restarts
    # from Thursday 12 March to Monday 23 March (version 2 would give Tuesday 24) and the new
    # appraisal step is due Wednesday 18 (version 2: Thursday 19).
    resumed = supplement_and_resume(http, clock, before, 12)
    assert resumed["due_at"] == local(23)
    assert http.task_for(before, "specialist")["due_at"] == local(18)
    assert http.dossier(before)["calendar_version"] == 1

    after = http.submit()["code"]
    http.act(after, "reception", ACCEPT)
    assert http.dossier(after)["due_at"] == local(24)
    assert http.dossier(after)["calendar_version"] == 2
    # Replay counts each dossier on its own pinned version (version 2 is the latest now).
    assert_replays(ctx, before)
    assert_replays(ctx, after)


def test_a_package_upgrade_registered_by_migrate_changes_nothing_accepted(
    http: HttpApi,
    ctx: EngineContext,
    clock: FrozenClock,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = {"MOTCUA_DATABASE_URL": database_url, "MOTCUA_VAR_DIR": str(tmp_path)}
    result = CliRunner().invoke(main, ["migrate"], env=env)
    assert result.exit_code == 0, result.output
    assert "calendar data: registered as new version 1" in result.stdout
    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    again = CliRunner().invoke(main, ["migrate"], env=env)
    assert "calendar data: unchanged, version 1" in again.stdout

    # `holidays` upgraded: the years without a data file come out differently.
    monkeypatch.setattr(engine.calendar.data, "package_version", lambda _name: "9.999")
    repository_data_set.cache_clear()
    try:
        upgraded = CliRunner().invoke(main, ["migrate"], env=env)
    finally:
        monkeypatch.undo()
        repository_data_set.cache_clear()
    assert "calendar data: registered as new version 2" in upgraded.stdout, upgraded.output
    assert http.dossier(code)["due_at"] == local(19)
    assert http.dossier(code)["calendar_version"] == 1
    assert supplement_and_resume(http, clock, code, 12)["due_at"] == local(23)
    assert_replays(ctx, code)
    with ctx.uow(write=False) as uow:
        registered = [
            (e.actor_username.startswith("cli:"), e.payload["version"], e.payload["fallback"])
            for e in uow.events.for_chain(SYSTEM_CHAIN)
            if e.type == "calendar_version_registered"
        ]
    assert [r[:2] for r in registered] == [(True, 1), (True, 2)]
    assert registered[1][2] == "holidays 9.999"


def test_an_override_counts_for_later_computations_never_for_dates_already_set(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    move(http, clock, at(10))
    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    move(http, clock, at(10, 11))
    calendar.set_override(ctx, ADMIN, date(2026, 3, 18), "day_off", "Nghỉ đột xuất")
    assert http.dossier(code)["due_at"] == local(19)  # stored: not recomputed
    # Restarting from Thursday 12 March skips the day off: 13, 16, 17, 19, 20, 23, 24.
    assert supplement_and_resume(http, clock, code, 12)["due_at"] == local(24)
    move(http, clock, at(12, 11))
    calendar.remove_override(ctx, ADMIN, date(2026, 3, 18))
    assert http.dossier(code)["due_at"] == local(24)
    assert_replays(ctx, code)  # the override as it stood at each step


def test_the_calendar_shows_each_days_source_and_older_versions(
    http: HttpApi, ctx: EngineContext, tmp_path: Path
) -> None:
    http.submit()  # the first step registers the repository's calendar data as version 1
    shown = http.call("GET", "/api/v1/calendar", None, query={"year": 2026})
    assert (shown["status"], shown["origin"]) == ("announced", "vn/2026.json")
    assert shown["notices"] == [
        {
            "number": "12729/VPCP-KGVX",
            "date": "2025-12-25",
            "issuer": "Văn phòng Chính phủ",
            "subject": "Hoán đổi ngày làm việc dịp Tết Dương lịch 2026: nghỉ thứ Sáu 02/01/2026, "
            "làm bù thứ Bảy 10/01/2026",
        }
    ]
    assert shown["calendar_version"]["version"] == 1
    days = {d["day"]: d for d in shown["days"]}
    assert days["2026-01-02"]["source"] == "announced"
    assert days["2026-01-02"]["notice"]["number"] == "12729/VPCP-KGVX"
    assert days["2026-11-24"]["basis"].startswith("Nghị quyết 28/2026/QH16")
    estimated = http.call("GET", "/api/v1/calendar", None, query={"year": 2028})
    assert estimated["status"] == "estimated" and estimated["origin"].startswith("holidays ")
    assert {d["source"] for d in estimated["days"]} == {"estimated"}

    calendar.set_override(ctx, ADMIN, date(2026, 11, 23), "day_off", "Nghỉ hoán đổi")
    register_edited_year_file(ctx, tmp_path, date(2026, 3, 17))
    latest = {
        d["day"]: d
        for d in http.call("GET", "/api/v1/calendar", None, query={"year": 2026})["days"]
    }
    assert latest["2026-11-23"]["source"] == "override"
    assert latest["2026-11-23"]["origin"] == "test-admin"
    assert "2026-03-17" in latest
    first = http.call("GET", "/api/v1/calendar", None, query={"year": 2026, "version": 1})
    assert "2026-03-17" not in {d["day"] for d in first["days"]}
    versions = http.call("GET", "/api/v1/calendar/versions", None)["items"]
    assert [v["version"] for v in versions] == [1, 2]
    problem = http.call(
        "GET", "/api/v1/calendar", None, query={"year": 2026, "version": 9}, expect=404
    )
    assert problem["code"] == "not-found"
