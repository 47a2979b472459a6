"""What the analysts' heatmap (issue 16) and GET /api/v1/reports/timeliness (issue 17) cost: a
procedure with `--dossiers` completed dossiers (4 user tasks each, written straight into the
`work_item` projection with random times over the first quarter of 2026) plus 2 % still open,
then the timeliness per step for the quarter and for one month, in the engine and over HTTP.
Not part of the tests; prints a markdown table.

    .venv/bin/python bench/heatmap.py --dossiers 100000
    .venv/bin/python bench/heatmap.py --dossiers 100000 --postgres postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, insert, select, text

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.environment import ADMIN, PASSWORD, bench_settings, migrated_database  # noqa: E402
from engine.clock import FrozenClock  # noqa: E402
from engine.context import EngineContext, build  # noqa: E402
from engine.queries.step_timeliness import TimelinessQuery, step_timeliness  # noqa: E402
from engine.services import definitions, units, users  # noqa: E402
from engine.services.users import NewUser  # noqa: E402
from storage.models import Definition, Dossier, WorkItem  # noqa: E402

VN = ZoneInfo("Asia/Ho_Chi_Minh")
KEY = "cap_lai_the_bhyt"
UNIT = "000.00.01.H29"
STEPS = [
    ("check_dossier", "Kiểm tra, tiếp nhận hồ sơ", "reception", 8),
    ("appraise", "Thẩm định hồ sơ", "specialist", 40),
    ("approve_result", "Phê duyệt kết quả", "leader", 16),
    ("return_result", "Trả kết quả", "reception", 24),
]
START = datetime(2026, 1, 1, 1, 0, tzinfo=UTC)
BATCH = 5000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--postgres", metavar="URL", help="run on a fresh database of this server")
    parser.add_argument("--explain", action="store_true", help="print the plans (PostgreSQL)")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        migrated_database(args.postgres, Path(tmp), "motcua_bench_heatmap") as url,
    ):
        label = "PostgreSQL" if args.postgres else "SQLite"
        run(url, Path(tmp), args.dossiers, label, explain=args.explain)


def run(url: str, tmp: Path, count: int, label: str, *, explain: bool = False) -> None:
    clock = FrozenClock(datetime(2026, 4, 15, 9, 0, tzinfo=VN))
    ctx = build(bench_settings(url, tmp / "var"), clock=clock)
    definitions.deploy_directory(ctx, ADMIN, REPO / "bpmn", REPO / "forms")
    units.create_unit(ctx, ADMIN, UNIT, "Bảo hiểm xã hội bench")
    started = time.perf_counter()
    _write(ctx, count)
    with ctx.db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # What autovacuum does after a load: statistics, and the visibility map without
            # which an index-only scan still visits every row.
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            conn.execute(text("VACUUM ANALYZE work_item"))
        else:
            conn.execute(text("ANALYZE"))
            conn.commit()
        items = conn.execute(text("SELECT count(*) FROM work_item")).scalar_one()
    print(
        f"\n{label}: {count:,} dossiers of {KEY}, {items:,} work items "
        f"(written in {time.perf_counter() - started:.1f} s)\n"
    )
    print("| measure | steps / status | wall ms (best of 3) |")
    print("|---|---|---|")
    quarter = TimelinessQuery(KEY, date(2026, 1, 1), date(2026, 3, 31))
    month = TimelinessQuery(KEY, date(2026, 2, 1), date(2026, 2, 28))
    _measure(
        "timeliness per step, Q1 (engine)", lambda: len(step_timeliness(ctx, ADMIN, quarter).steps)
    )
    _measure(
        "timeliness per step, February (engine)",
        lambda: len(step_timeliness(ctx, ADMIN, month).steps),
    )
    _over_http(ctx)
    if explain:
        _explain(ctx, quarter)
    ctx.close()


def _explain(ctx: EngineContext, query: TimelinessQuery) -> None:
    """The plans of the two statements (PostgreSQL), to see which index each one walks."""
    with ctx.db.engine.connect() as conn:
        for sql in (
            "SELECT bpmn_id, count(*), count(due_at), sum(CASE WHEN timeliness = 'late' THEN 1 "
            "ELSE 0 END) FROM work_item WHERE procedure_key = :p AND status = 'completed' AND "
            "completed_at >= :a AND completed_at < :b GROUP BY bpmn_id",
            "SELECT spent_seconds FROM work_item WHERE procedure_key = :p AND status = "
            "'completed' AND completed_at >= :a AND completed_at < :b AND bpmn_id = 'appraise' "
            "ORDER BY spent_seconds OFFSET 40000 LIMIT 1",
        ):
            params = {
                "p": KEY,
                "a": datetime(2026, 1, 1, tzinfo=UTC),
                "b": datetime(2026, 4, 1, tzinfo=UTC),
            }
            plan = conn.execute(text("EXPLAIN (ANALYZE, BUFFERS) " + sql), params).scalars()
            print("\n".join(plan), end="\n\n")


def _over_http(ctx: EngineContext) -> None:
    """The API as the heatmap's callers use it (a token, JSON, the read logged)."""
    from api import create_app

    users.create_user(ctx, ADMIN, NewUser("analyst", PASSWORD, "Phân tích", ("analyst",), None))
    client = create_app(context=ctx).test_client()
    login = {"username": "analyst", "password": PASSWORD}
    token = client.post("/api/v1/auth/token", json=login).get_json()["access_token"]
    path = f"/api/v1/reports/timeliness?procedure={KEY}&from=2026-01-01&to=2026-03-31"
    headers = {"Authorization": f"Bearer {token}"}
    _measure(
        "GET /api/v1/reports/timeliness, Q1",
        lambda: client.get(path, headers=headers).status_code,
    )


def _write(ctx: EngineContext, count: int) -> None:
    rng = random.Random(16)
    with ctx.db.engine.begin() as conn:
        definition_id = conn.scalar(select(Definition.id).where(Definition.key == KEY))
        first_id = (conn.scalar(select(func.max(Dossier.id))) or 0) + 1
    dossiers: list[dict[str, Any]] = []
    items: list[dict[str, Any]] = []
    for n in range(count):
        dossier_id = first_id + n
        submitted = START + timedelta(minutes=rng.randint(0, 85 * 24 * 60))
        still_open = rng.random() < 0.02
        at = submitted
        steps = STEPS[: rng.randint(1, 3)] if still_open else STEPS
        for index, (bpmn_id, name, role, typical_hours) in enumerate(steps):
            opened = at
            spent = timedelta(hours=rng.expovariate(1 / typical_hours))
            due = opened + timedelta(hours=typical_hours * 2)
            last_open = still_open and index == len(steps) - 1
            at = opened + spent
            items.append(
                {
                    "id": f"b{n:07d}-{index}",
                    "dossier_id": dossier_id,
                    "unit_code": UNIT,
                    "procedure_key": KEY,
                    "bpmn_id": bpmn_id,
                    "name": name,
                    "role": role,
                    "status": "open" if last_open else "completed",
                    "created_at": opened,
                    "due_at": due,
                    "completed_at": None if last_open else at,
                    "spent_seconds": None if last_open else spent.total_seconds(),
                    "timeliness": None if last_open else ("late" if at > due else "on_time"),
                }
            )
        dossiers.append(
            {
                "id": dossier_id,
                "code": f"H{n:08d}",
                "procedure_key": KEY,
                "definition_id": definition_id,
                "unit_code": UNIT,
                "applicant": {},
                "channel": 2,
                "return_channel": 2,
                "submission": {},
                "data": {},
                "status": 4 if still_open else 10,
                "status_changed_at": at,
                "submitted_at": submitted,
                "finished_at": None if still_open else at,
                "state": "{}",
                "version": 1,
                "updated_at": at,
            }
        )
        if len(dossiers) == BATCH or n == count - 1:
            with ctx.db.engine.begin() as conn:
                conn.execute(insert(Dossier), dossiers)
                conn.execute(insert(WorkItem), items)
            dossiers, items = [], []


def _measure(name: str, call: Callable[[], int]) -> None:
    times: list[float] = []
    result = 0
    for _ in range(3):
        started = time.perf_counter()
        result = call()
        times.append((time.perf_counter() - started) * 1000)
    print(f"| {name} | {result:,} | {min(times):,.0f} |")


if __name__ == "__main__":
    main()
