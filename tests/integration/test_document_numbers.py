"""Document numbers under concurrency (issue 14): processes accepting dossiers of one unit at the
same moment each take the next Mẫu 01 number in their own transaction (an upsert on
`document_sequence`), so the numbers are distinct and gap-free. Runs on the suite's database:
SQLite, and PostgreSQL (row locks) when MOTCUA_TEST_POSTGRES_URL is set."""

from __future__ import annotations

from multiprocessing.synchronize import Barrier

from engine.context import EngineContext
from engine.settings import Settings
from tests.conftest import START
from tests.processes import run_in_processes, wait, worker
from tests.support import ACCEPT, HttpApi

PROCESSES = 4
EACH = 3


def _accept(barrier: Barrier, settings: Settings, task_ids: list[str], token: str) -> list[int]:
    headers = {"Authorization": f"Bearer {token}"}
    with worker(settings, START) as (_ctx, client):
        wait(barrier)
        statuses = []
        for task_id in task_ids:
            claimed = client.post(f"/api/v1/tasks/{task_id}/claim", headers=headers)
            done = client.post(
                f"/api/v1/tasks/{task_id}/complete", json={"data": ACCEPT}, headers=headers
            )
            statuses.append(claimed.status_code * 1000 + done.status_code)
        return statuses


def test_concurrent_acceptances_get_distinct_gap_free_receipt_numbers(
    ctx: EngineContext, settings: Settings, http: HttpApi
) -> None:
    codes = [str(http.submit()["code"]) for _ in range(PROCESSES * EACH)]
    tasks = [http.task_for(code, "reception")["id"] for code in codes]
    with ctx.uow(write=False) as uow:
        user = uow.users.by_username("reception")
        assert user is not None
        token = ctx.tokens.issue(user.id, user.username, list(user.roles), user.unit_code, START)
    batches = [tasks[i::PROCESSES] for i in range(PROCESSES)]
    results = run_in_processes(_accept, [(settings, batch, token) for batch in batches])
    assert all(status == 200_200 for batch in results for status in batch), results
    issued: list[tuple[int | None, str | None, int]] = []
    with ctx.uow(write=False) as uow:
        for code in codes:
            dossier = uow.dossiers.by_code(code)
            assert dossier is not None
            for document in uow.documents.for_dossier(dossier.id):
                stored = uow.documents.with_pdf(document.id)
                assert stored is not None
                issued.append((stored.sequence, stored.number, len(stored.pdf or b"")))
    count = PROCESSES * EACH
    assert sorted(sequence or 0 for sequence, _, _ in issued) == list(range(1, count + 1))
    assert {number for _, number, _ in issued} == {f"{n}/TNHS-BHXHQBĐ" for n in range(1, count + 1)}
    assert all(size > 0 for _, _, size in issued)
