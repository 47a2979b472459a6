"""Concurrency with separate processes, each with its own engine and connection pool, as under
gunicorn (docs/architecture.md section 3). Runs on the suite's database: SQLite by default, and
PostgreSQL (row locks, READ COMMITTED) when MOTCUA_TEST_POSTGRES_URL is set, as in CI."""

from __future__ import annotations

from collections import Counter
from multiprocessing.synchronize import Barrier
from typing import Any

import pytest

from engine.audit.consistency import check_all, check_dossier
from engine.context import EngineContext
from engine.definitions.bundles import bundle_from_directory
from engine.errors import ConcurrentModificationError
from engine.security.authz import Actor
from engine.services import definitions, users
from engine.services.dossiers import Applicant, SubmitDossier, submit_dossier
from engine.services.users import NewUser
from engine.settings import Settings
from engine.transactions import conflicts_as_errors
from tests.conftest import ADMIN, REPO, START
from tests.processes import run_in_processes, wait, worker
from tests.support import DEMO_PASSWORD, UNIT, HttpApi, applicant, submission

FIXTURES = REPO / "tests" / "fixtures"
PARALLEL = "tham_dinh_song_song"


def _token(ctx: EngineContext, username: str) -> str:
    with ctx.uow(write=False) as uow:
        user = uow.users.by_username(username)
        assert user is not None
        return ctx.tokens.issue(user.id, user.username, list(user.roles), user.unit_code, START)


def _post(client: Any, path: str, token: str, body: Any = None) -> tuple[int, str | None]:
    response = client.post(path, json=body, headers={"Authorization": f"Bearer {token}"})
    return response.status_code, (response.get_json(silent=True) or {}).get("code")


def _events(ctx: EngineContext, code: str, kind: str) -> int:
    with ctx.uow(write=False) as uow:
        return sum(1 for e in uow.events.for_chain(f"dossier:{code}") if e.type == kind)


# -- 50 processes claim one task ------------------------------------------------------------


def _claim(barrier: Barrier, settings: Settings, task_id: str, token: str) -> tuple[int, Any]:
    with worker(settings, START) as (_ctx, client):
        wait(barrier)
        return _post(client, f"/api/v1/tasks/{task_id}/claim", token)


def test_fifty_processes_claiming_one_task_make_exactly_one_winner(
    ctx: EngineContext, settings: Settings, http: HttpApi
) -> None:
    officers = [f"officer{n:02d}" for n in range(50)]
    for name in officers:
        users.create_user(ctx, ADMIN, NewUser(name, DEMO_PASSWORD, name, ("reception",), UNIT))
    code = http.submit()["code"]
    task_id = http.task_for(code, "reception")["id"]

    results = run_in_processes(
        _claim, [(settings, task_id, _token(ctx, name)) for name in officers]
    )

    assert Counter(results) == {(200, None): 1, (409, "task-already-claimed"): 49}
    winner = officers[results.index((200, None))]
    assert http.task_for(code, "reception")["claimed_by"] == winner
    assert _events(ctx, code, "task_claimed") == 1
    assert check_dossier(ctx, code).problems == []


# -- two officers complete two tasks of one dossier at the same moment ----------------------


def _complete_each(
    barrier: Barrier, settings: Settings, task_ids: list[str], token: str, data: dict[str, Any]
) -> list[tuple[int, Any]]:
    with worker(settings, START) as (_ctx, client):
        outcomes = []
        for task_id in task_ids:
            wait(barrier)  # both officers press "complete" on the same dossier together
            outcomes.append(
                _post(client, f"/api/v1/tasks/{task_id}/complete", token, {"data": data})
            )
        return outcomes


def _deploy_parallel_fixture(ctx: EngineContext) -> None:
    bundle = bundle_from_directory(
        FIXTURES / "concurrency" / f"{PARALLEL}.bpmn", FIXTURES / "forms"
    )
    definitions.deploy(ctx, ADMIN, bundle)


def test_two_officers_completing_one_dossiers_parallel_tasks_lose_no_update(
    ctx: EngineContext, settings: Settings, http: HttpApi
) -> None:
    _deploy_parallel_fixture(ctx)
    codes = [
        http.submit(procedure=PARALLEL, data={"full_name": "Nguyễn Văn An"})["code"]
        for _ in range(8)
    ]
    documents, insurance = [], []
    for code in codes:
        steps = {s["bpmn_id"]: s["task_id"] for s in http.dossier(code)["current_steps"]}
        assert set(steps) == {"check_documents", "verify_insurance"}
        documents.append(http.claim(steps["check_documents"], "reception")["id"])
        insurance.append(http.claim(steps["verify_insurance"], "specialist")["id"])

    by_reception, by_specialist = run_in_processes(
        _complete_each,
        [
            (settings, documents, _token(ctx, "reception"), {"documents_ok": True}),
            (settings, insurance, _token(ctx, "specialist"), {"insurance_ok": False}),
        ],
    )

    # The row lock (PostgreSQL) or the write lock (SQLite) queues the second completion behind
    # the first, which then works on the state the first one saved: both succeed.
    assert by_reception == by_specialist == [(200, None)] * len(codes)
    for code in codes:
        dossier = http.dossier(code)
        assert [s["bpmn_id"] for s in dossier["current_steps"]] == ["approve_result"]
        assert dossier["status"]["code"] == 4
        task = http.task_for(code, "leader")
        data = http.call("GET", f"/api/v1/tasks/{task['id']}", "leader")["data"]
        assert (data["documents_ok"], data["insurance_ok"]) == (True, False)
        assert _events(ctx, code, "task_completed") == 2
    assert [r.problems for r in check_all(ctx)] == [[]] * len(codes)


def test_completing_one_task_twice_at_once_applies_it_once_and_the_loser_gets_409(
    ctx: EngineContext, settings: Settings, http: HttpApi
) -> None:
    _deploy_parallel_fixture(ctx)
    codes = [
        http.submit(procedure=PARALLEL, data={"full_name": "Nguyễn Văn An"})["code"]
        for _ in range(6)
    ]
    task_ids = [http.claim(http.task_for(c, "reception")["id"], "reception")["id"] for c in codes]
    token = _token(ctx, "reception")
    body = {"documents_ok": True}

    first, second = run_in_processes(
        _complete_each, [(settings, task_ids, token, body), (settings, task_ids, token, body)]
    )

    for mine, theirs in zip(first, second, strict=True):
        assert sorted([mine, theirs]) == [(200, None), (409, "task-not-ready")]
    for code in codes:
        assert _events(ctx, code, "task_completed") == 1
        assert check_dossier(ctx, code).problems == []


def _complete_one(barrier: Barrier, settings: Settings, task_id: str, token: str) -> int:
    with worker(settings, START) as (_ctx, client):
        wait(barrier)
        body = {"data": {"insurance_ok": True}}
        return _post(client, f"/api/v1/tasks/{task_id}/complete", token, body)[0]


def test_a_write_based_on_a_stale_read_is_refused_not_applied(
    ctx: EngineContext, settings: Settings, http: HttpApi
) -> None:
    """The optimistic `version` check, the safety net under the row lock: a writer that read
    the dossier before someone else changed it gets a conflict (HTTP 409), not a lost update."""
    _deploy_parallel_fixture(ctx)
    code = http.submit(procedure=PARALLEL, data={"full_name": "Nguyễn Văn An"})["code"]
    task_id = http.claim(http.task_for(code, "specialist")["id"], "specialist")["id"]
    before = http.dossier(code)["version"]

    token = _token(ctx, "specialist")
    with (
        pytest.raises(ConcurrentModificationError),
        conflicts_as_errors(),
        ctx.uow(write=False) as uow,  # no row lock, and no SQLite write lock either
    ):
        stale = uow.dossiers.by_code(code)
        assert stale is not None
        assert run_in_processes(_complete_one, [(settings, task_id, token)]) == [200]
        stale.state = "{}"
        uow.commit()

    after = http.dossier(code)
    assert after["version"] == before + 1
    assert [s["bpmn_id"] for s in after["current_steps"]] == ["check_documents"]
    assert check_dossier(ctx, code).problems == []


# -- 8 processes x 500 submissions: distinct, gap-free codes --------------------------------


def _submit_many(barrier: Barrier, settings: Settings, actor: Actor, count: int) -> list[str]:
    command = SubmitDossier(
        procedure="cap_lai_the_bhyt",
        unit=UNIT,
        applicant=Applicant(**applicant()),
        data=submission(),
    )
    with worker(settings, START) as (ctx, _client):
        wait(barrier)
        return [submit_dossier(ctx, actor, command).code for _ in range(count)]


@pytest.mark.slow
def test_eight_processes_submitting_500_each_get_4000_distinct_gap_free_codes(
    ctx: EngineContext, settings: Settings
) -> None:
    with ctx.uow(write=False) as uow:
        user = uow.users.by_username("citizen")
        assert user is not None
        citizen = Actor(user.id, user.username, frozenset(user.roles), user.unit_code)

    batches = run_in_processes(_submit_many, [(settings, citizen, 500)] * 8, timeout=540)

    codes = [code for batch in batches for code in batch]
    assert len(set(codes)) == 4000
    assert {code.rsplit("-", 1)[0] for code in codes} == {f"{UNIT}-260310"}
    assert sorted(int(code.rsplit("-", 1)[1]) for code in codes) == list(range(1, 4001))
    for batch in batches:  # each process saw its own codes rise
        assert batch == sorted(batch)
    with ctx.uow(write=False) as uow:
        assert uow.dossiers.for_unit(UNIT, 0, 1)[1] == 4000
