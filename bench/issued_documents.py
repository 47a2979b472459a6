"""What issuing one document of record costs in the database: number, snapshot, render, sign,
store, commit. Not part of the tests; prints a markdown table.

    .venv/bin/python bench/issued_documents.py                        # SQLite, 200 rounds
    .venv/bin/python bench/issued_documents.py --postgres postgresql://postgres@127.0.0.1:5432/postgres

Each round is one transaction, as in a workflow step: `engine.records.issue` of Mẫu 01 for an
accepted dossier (the upsert on `document_sequence`, the snapshot, Typst, PAdES with the unit's
development key, the compressed PDF and the `document_issued` event), then commit. The bench
also reports the stored size of each document (the compressed column) and its signed size.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import text  # noqa: E402

from bench.environment import ADMIN, bench_settings, migrated_database, submit_sample_dossier  # noqa: E402
from bench.load import percentile  # noqa: E402
from engine import records  # noqa: E402
from engine.clock import FrozenClock  # noqa: E402
from engine.context import EngineContext, build  # noqa: E402
from engine.security.authz import Actor  # noqa: E402
from engine.services import definitions, tasks, units, users  # noqa: E402
from engine.services.users import NewUser  # noqa: E402

VN = ZoneInfo("Asia/Ho_Chi_Minh")
UNIT = "000.00.07.H29"
ACCEPT = {
    "decision": "accept",
    "documents_received": [{"name": "Tờ khai TK1-TS", "kind": "original", "quantity": 1}],
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=200)
    parser.add_argument("--postgres", metavar="URL", help="run on a fresh database of this server")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        migrated_database(args.postgres, Path(tmp), "motcua_bench_documents") as url,
    ):
        run(url, Path(tmp), args.rounds, "PostgreSQL" if args.postgres else "SQLite")


def run(url: str, tmp: Path, rounds: int, label: str) -> None:
    clock = FrozenClock(datetime(2026, 3, 10, 9, 0, tzinfo=VN))
    ctx = build(bench_settings(url, tmp / "var"), clock=clock)
    code, reception = _accepted_dossier(ctx)  # its acceptance issued Mẫu 01 (number 1)
    with ctx.uow(write=False) as uow:
        dossier = uow.dossiers.by_code(code)
        assert dossier is not None
        [receipt] = uow.documents.for_dossier(dossier.id)
        content = dict(receipt.data)
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(rounds):
        w, c = time.perf_counter(), time.process_time()
        with ctx.uow() as uow:
            dossier = uow.dossiers.by_code(code)
            assert dossier is not None
            records.issue(
                uow, dossier, "01", content, actor=reception, now=clock.now(), bpmn_id="received"
            )
            uow.commit()
        cpu.append((time.process_time() - c) * 1000)
        wall.append((time.perf_counter() - w) * 1000)
    with ctx.db.engine.connect() as conn:
        sizes = conn.execute(text("SELECT length(pdf) FROM document")).scalars().all()
    with ctx.uow(write=False) as uow:
        last = list(uow.documents.with_pdfs())[-1]
        signed = len(last.pdf or b"")
    print(
        f"| {label} | {rounds} | {percentile(wall, 50):.1f} | {percentile(wall, 95):.1f} | "
        f"{percentile(cpu, 50):.1f} | {percentile(cpu, 95):.1f} | {max(sizes):,} | {signed:,} |"
    )
    ctx.close()


def _actor(ctx: EngineContext, username: str, role: str, unit: str | None) -> Actor:
    view = users.create_user(
        ctx, ADMIN, NewUser(username, "bench-password-1", username, (role,), unit)
    )
    return Actor(view.id, view.username, frozenset(view.roles), view.unit_code)


def _accepted_dossier(ctx: EngineContext) -> tuple[str, Actor]:
    definitions.deploy_directory(ctx, ADMIN, REPO / "bpmn", REPO / "forms")
    units.create_unit(ctx, ADMIN, UNIT, "Bảo hiểm xã hội quận Ba Đình")
    citizen = _actor(ctx, "citizen", "citizen", None)
    reception = _actor(ctx, "reception", "reception", UNIT)
    code = submit_sample_dossier(ctx, citizen, UNIT)
    with ctx.uow(write=False) as uow:
        dossier = uow.dossiers.by_code(code)
        assert dossier is not None
        [item] = uow.work_items.open_for_dossier(dossier.id)
        task_id = item.id
    tasks.claim_task(ctx, reception, task_id)
    tasks.complete_task(ctx, reception, task_id, ACCEPT)
    return code, reception


if __name__ == "__main__":
    print(
        "| database | rounds | wall p50 ms | wall p95 ms | CPU p50 ms | CPU p95 ms "
        "| stored bytes (max) | signed PDF bytes |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    main()
