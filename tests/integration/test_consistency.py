"""The consistency check finds each way a dossier could be half changed (what a crash between
two writes of one change would leave), and finds nothing on an intact dossier."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy import Connection, delete, func, select, update

from api.cli import main
from engine.audit.consistency import BATCH, check_all, check_dossier, check_everything, parse_since
from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.services import dossiers
from engine.services.dossiers import Applicant, SubmitDossier
from engine.settings import Settings
from storage.audit_models import Chain, Event
from storage.models import Dossier, WorkItem
from storage.uow import UnitOfWork
from tests.probe import actor
from tests.support import ACCEPT, APPRAISE, PROCEDURE, UNIT, HttpApi, submission
from tests.tampering import tampering


def _dossier(uow: UnitOfWork, code: str) -> Dossier:
    dossier = uow.dossiers.by_code(code)
    assert dossier is not None
    return dossier


def test_dossiers_worked_normally_are_consistent(ctx: EngineContext, http: HttpApi) -> None:
    first = http.submit()["code"]
    http.act(first, "reception", ACCEPT)
    second = http.submit()["code"]
    http.claim(http.task_for(second, "reception")["id"], "reception")
    assert [(r.code, r.problems) for r in check_all(ctx)] == [(first, []), (second, [])]


def _dossier_id(code: str) -> Any:
    return select(Dossier.id).where(Dossier.code == code).scalar_subquery()


def _last_seq(code: str) -> Any:
    return select(func.max(Event.seq)).where(Event.chain == f"dossier:{code}").scalar_subquery()


@pytest.mark.parametrize(
    ("damage", "finding"),
    [
        (  # the completion's projection update was lost
            lambda conn, code: conn.execute(
                update(WorkItem)
                .where(WorkItem.dossier_id == _dossier_id(code), WorkItem.bpmn_id == "appraise")
                .values(status="open", completed_at=None)
            ),
            "open work items",
        ),
        (  # the completion's event was lost
            lambda conn, code: conn.execute(
                delete(Event).where(Event.chain == f"dossier:{code}", Event.seq == _last_seq(code))
            ),
            "chain head",
        ),
        (  # the chain head moved without its event
            lambda conn, code: conn.execute(
                update(Chain).where(Chain.name == f"dossier:{code}").values(head_hash="f" * 64)
            ),
            "chain head",
        ),
        (  # a status written without its event
            lambda conn, code: conn.execute(
                update(Dossier).where(Dossier.code == code).values(status=9)
            ),
            "status is 9",
        ),
        (  # a claim written without its event
            lambda conn, code: conn.execute(
                update(WorkItem)
                .where(WorkItem.dossier_id == _dossier_id(code), WorkItem.status == "open")
                .values(claimed_by_username="specialist")
            ),
            "claimed by specialist",
        ),
        (  # an event rewritten after the fact
            lambda conn, code: conn.execute(
                update(Event)
                .where(Event.chain == f"dossier:{code}", Event.seq == 1)
                .values(payload={"procedure": "forged"})
            ),
            "modified",
        ),
    ],
)
def test_each_kind_of_half_applied_change_is_reported(
    ctx: EngineContext, http: HttpApi, damage: Callable[[Connection, str], object], finding: str
) -> None:
    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    task = http.task_for(code, "specialist")
    http.claim(task["id"], "specialist")
    http.complete(task["id"], "specialist", APPRAISE)
    http.claim(http.task_for(code, "leader")["id"], "leader")
    assert check_dossier(ctx, code).ok

    with tampering(ctx) as conn:
        damage(conn, code)

    report = check_dossier(ctx, code)
    assert not report.ok
    assert any(finding in problem for problem in report.problems), report.problems


def test_workflow_state_saved_from_before_a_completion_is_reported(
    ctx: EngineContext, http: HttpApi
) -> None:
    code = http.submit()["code"]
    with ctx.uow(write=False) as uow:
        before = _dossier(uow, code).state
    http.act(code, "reception", ACCEPT)

    with ctx.uow() as uow:
        uow.session.execute(update(Dossier).where(Dossier.code == code).values(state=before))
        uow.commit()

    problems = check_dossier(ctx, code).problems
    assert any("READY tasks" in p for p in problems), problems
    assert any("COMPLETED tasks" in p for p in problems), problems


def test_the_consistency_command_lists_inconsistent_dossiers_and_fails(
    ctx: EngineContext, http: HttpApi, settings: Settings
) -> None:
    good, bad = http.submit()["code"], http.submit()["code"]
    env = {
        "MOTCUA_DATABASE_URL": settings.database_url,
        "MOTCUA_VAR_DIR": str(settings.var_dir),
        "MOTCUA_SECRET_KEY": settings.secret_key,
    }
    result = CliRunner().invoke(main, ["consistency"], env=env)
    assert (result.exit_code, result.output) == (0, "2 dossiers checked, 0 inconsistent\n")

    with ctx.uow() as uow:
        uow.session.execute(update(Dossier).where(Dossier.code == bad).values(status=4))
        uow.commit()
    result = CliRunner().invoke(main, ["consistency"], env=env)
    assert result.exit_code == 1
    assert result.output.startswith(f"{bad}: status is 4 but the events end at 1")
    assert good not in result.output


def _submit_many(ctx: EngineContext, count: int) -> list[str]:
    """`count` dossiers submitted through the engine (no HTTP): every row a real submission."""
    citizen = actor(ctx, "citizen")
    command = SubmitDossier(
        procedure=PROCEDURE,
        unit=UNIT,
        applicant=Applicant(full_name="Nguyễn Văn An", id_number="001090012345"),
        data=submission(),
    )
    return [dossiers.submit_dossier(ctx, citizen, command).code for _ in range(count)]


def test_the_check_streams_past_a_batch_and_names_the_one_broken_dossier(
    ctx: EngineContext, settings: Settings
) -> None:
    # past two batches (the walk used to die with DetachedInstanceError after 200 dossiers)
    codes = _submit_many(ctx, 250)
    broken = codes[BATCH + 7]  # in the second batch
    with tampering(ctx) as conn:
        conn.execute(update(Dossier).where(Dossier.code == broken).values(status=4))

    reports = list(check_all(ctx))
    assert [r.code for r in reports] == codes  # each once, oldest first
    status_4 = [
        "status is 4 but the events end at 1",
        "replay: dossier.status: replayed 1, stored 4",
    ]
    assert [(r.code, r.problems) for r in reports if not r.ok] == [(broken, status_4)]
    env = {
        "MOTCUA_DATABASE_URL": settings.database_url,
        "MOTCUA_VAR_DIR": str(settings.var_dir),
        "MOTCUA_SECRET_KEY": settings.secret_key,
    }
    result = CliRunner().invoke(main, ["consistency"], env=env)
    assert result.exit_code == 1, result.output
    assert result.output == (
        f"{broken}: {'; '.join(status_4)}\n{len(codes)} dossiers checked, 1 inconsistent\n"
    )


def _cli_env(settings: Settings) -> dict[str, str]:
    return {
        "MOTCUA_DATABASE_URL": settings.database_url,
        "MOTCUA_VAR_DIR": str(settings.var_dir),
        "MOTCUA_SECRET_KEY": settings.secret_key,
    }


STATUS_4 = "status is 4 but the events end at 1; replay: dossier.status: replayed 1, stored 4"


def test_changed_since_checks_only_the_dossiers_written_to_since_then(
    ctx: EngineContext, http: HttpApi, clock: FrozenClock, settings: Settings
) -> None:
    # after a crash only the dossiers written to lately can be half changed: the check after
    # one reads those alone, and still names a damaged one among them
    untouched, worked_on = http.submit()["code"], http.submit()["code"]
    old_damage = http.submit()["code"]
    clock.advance(timedelta(minutes=20))
    cutoff = clock.now() - timedelta(minutes=5)
    http.act(worked_on, "reception", ACCEPT)  # an old dossier written to lately
    claimed = http.submit()["code"]
    http.claim(http.task_for(claimed, "reception")["id"], "reception")
    recent_damage = http.submit()["code"]
    with tampering(ctx) as conn:  # damage that no change of the last day explains
        for code in (old_damage, recent_damage):
            conn.execute(update(Dossier).where(Dossier.code == code).values(status=4))

    since = parse_since("10m", clock.now())
    assert since == clock.now() - timedelta(minutes=10)
    assert parse_since("1d12h", clock.now()) == clock.now() - timedelta(hours=36)
    summary = check_everything(ctx, changed_since=since)
    assert summary.checked == 3  # worked_on, claimed, recent_damage; not untouched, old_damage
    assert [(r.code, "; ".join(r.problems)) for r in summary.inconsistent] == [
        (recent_damage, STATUS_4)
    ]
    assert untouched not in {r.code for r in summary.inconsistent}

    result = CliRunner().invoke(
        main, ["consistency", "--changed-since", cutoff.isoformat()], env=_cli_env(settings)
    )
    assert result.exit_code == 1, result.output
    assert result.output == (
        f"{recent_damage}: {STATUS_4}\n"
        f"3 dossiers checked, 1 inconsistent (changed since {cutoff.isoformat()})\n"
    )
    # the whole database still finds both
    everything = check_everything(ctx)
    assert (everything.checked, [r.code for r in everything.inconsistent]) == (
        5,
        sorted([old_damage, recent_damage]),
    )


@pytest.mark.parametrize("when", ["yesterday", "2026-03-10T08:00:00", "24", "h"])
def test_changed_since_refuses_what_is_not_a_moment(settings: Settings, when: str) -> None:
    result = CliRunner().invoke(
        main, ["consistency", "--changed-since", when], env=_cli_env(settings)
    )
    assert result.exit_code == 2
    assert "--changed-since" in result.output
    assert "24h" in result.output or "UTC offset" in result.output


def test_jobs_give_the_report_of_a_single_walk(ctx: EngineContext, settings: Settings) -> None:
    codes = _submit_many(ctx, 30)
    broken = sorted([codes[25], codes[3]])
    with tampering(ctx) as conn:
        conn.execute(update(Dossier).where(Dossier.code.in_(broken)).values(status=4))

    single = check_everything(ctx, jobs=1)
    # slices of 7 ids: five slices shared by two worker processes, each with its own engine
    split = check_everything(ctx, jobs=2, slice_size=7)
    assert single == split
    assert (split.checked, [r.code for r in split.inconsistent]) == (30, broken)

    outputs = [
        CliRunner().invoke(main, ["consistency", "--jobs", jobs], env=_cli_env(settings))
        for jobs in ("1", "2")
    ]
    assert [r.exit_code for r in outputs] == [1, 1]
    assert (
        outputs[0].output
        == outputs[1].output
        == (
            "".join(f"{code}: {STATUS_4}\n" for code in broken)
            + "30 dossiers checked, 2 inconsistent\n"
        )
    )
