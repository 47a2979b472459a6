"""What the handling report (issue 17, docs/reports.md) costs: a random history of `--dossiers`
dossiers (tests/report_history.py: every path, January–March 2026, ~8 events each) over
`--units` units, then the report for the first quarter as of 15 April, one unit and all units,
a drill-down, the 06a workbook and the public statistics. Not part of the tests; prints a
markdown table.

    .venv/bin/python bench/reports.py --dossiers 10000
    .venv/bin/python bench/reports.py --dossiers 10000 --postgres postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/reports.py --dossiers 1000000 --bulk --filler 0 --postgres postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import text

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.environment import ADMIN, bench_settings, migrated_database  # noqa: E402
from bench.report_seed import seed_year  # noqa: E402
from engine.clock import FrozenClock  # noqa: E402
from engine.context import build  # noqa: E402
from engine.queries.handling_report import (  # noqa: E402
    HandlingQuery,
    handling_dossiers,
    handling_report,
)
from engine.queries.report_files import report_xlsx  # noqa: E402
from engine.queries.statistics import service_statistics  # noqa: E402
from engine.services import definitions, units  # noqa: E402
from engine.services.reports import rebuild_report_projection  # noqa: E402
from tests.report_history import random_history  # noqa: E402

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=10_000)
    parser.add_argument("--units", type=int, default=10)
    parser.add_argument(
        "--filler", type=int, default=15, help="events per dossier the report does not read"
    )
    parser.add_argument("--postgres", metavar="URL", help="run on a fresh database of this server")
    parser.add_argument(
        "--bulk",
        action="store_true",
        help="PostgreSQL writes a year of history itself (bench/report_seed.py): for 1,000,000",
    )
    parser.add_argument(
        "--rebuild",
        action="store_true",
        help="with --bulk: time the engine's rebuild of the projection from the events",
    )
    args = parser.parse_args()
    if args.bulk and not args.postgres:
        parser.error("--bulk needs --postgres")
    with (
        tempfile.TemporaryDirectory() as tmp,
        migrated_database(args.postgres, Path(tmp), "motcua_bench_reports") as url,
    ):
        run(url, Path(tmp), args, "PostgreSQL" if args.postgres else "SQLite")


def run(url: str, tmp: Path, args: argparse.Namespace, label: str) -> None:
    clock = FrozenClock(datetime(2027, 1, 15, 9, 0, tzinfo=VN))
    ctx = build(bench_settings(url, tmp / "var"), clock=clock)
    definitions.deploy_directory(ctx, ADMIN, REPO / "bpmn", REPO / "forms")
    codes = tuple(f"000.00.{n:02d}.H{29 + n % 3}" for n in range(1, args.units + 1))
    for code in codes:
        units.create_unit(ctx, ADMIN, code, f"Bảo hiểm xã hội {code}")
    started = time.perf_counter()
    if args.bulk:
        with ctx.db.engine.connect() as conn:
            deployed = conn.execute(text("SELECT id, key FROM definition ORDER BY key")).all()
            seed_year(conn, args.dossiers, codes, [(r[0], r[1]) for r in deployed], args.filler)
            conn.commit()
    else:
        for _ in random_history(
            ctx.db.engine, args.dossiers, seed=17, units=codes, filler=args.filler
        ):
            pass
    written = time.perf_counter() - started
    _analyze(ctx)
    year: dict[str, Any] = {"start": date(2026, 1, 1), "end": date(2026, 12, 31)}
    everyone = HandlingQuery(**year)
    rebuilt, seeded = "", handling_report(ctx, ADMIN, everyone).total
    if args.rebuild or not args.bulk:
        started = time.perf_counter()
        held = rebuild_report_projection(ctx)
        rebuilt = (
            f"; projection of {held:,} rebuilt from the events in "
            f"{time.perf_counter() - started:.1f} s"
        )
        _analyze(ctx)
        if args.bulk:
            same = handling_report(ctx, ADMIN, everyone).total == seeded
            rebuilt += f", figures {'the same' if same else 'DIFFERENT'} as the seeded projection's"
    with ctx.db.engine.connect() as conn:
        events = conn.execute(text("SELECT count(*) FROM event")).scalar_one()
    print(
        f"\n{label}: {args.dossiers:,} dossiers, {events:,} events over {args.units} units "
        f"(written in {written:.1f} s{rebuilt})\n"
    )
    print("| measure | rows / dossiers | wall ms (best of 3) |")
    print("|---|---|---|")
    one_unit = HandlingQuery(**year, unit=codes[0])
    quarter = HandlingQuery(start=date(2026, 1, 1), end=date(2026, 3, 31), as_of=date(2026, 4, 15))
    procedure = handling_report(ctx, ADMIN, everyone).rows[0].procedure
    _measure(
        "report, one unit, 2026",
        lambda: handling_report(ctx, ADMIN, one_unit).total["to_handle"],
    )
    _measure(
        "report, all units, 2026",
        lambda: handling_report(ctx, ADMIN, everyone).total["to_handle"],
    )
    _measure(
        "report, all units, Q1 as of 15 April",
        lambda: handling_report(ctx, ADMIN, quarter).total["to_handle"],
    )
    _measure(
        "drill-down, all units, 2026, resolved_late",
        lambda: len(handling_dossiers(ctx, ADMIN, everyone, "resolved_late")),
    )
    _measure(
        "06a workbook, all units, 2026",
        lambda: len(report_xlsx(handling_report(ctx, ADMIN, everyone))),
    )
    _measure(
        f"public statistics, {procedure}, 2026 (uncached)",
        lambda: service_statistics(ctx, procedure, 2026).total_received,
    )
    _public_p95(ctx, procedure)
    ctx.close()


def _analyze(ctx: Any) -> None:
    """Statistics and visibility maps of the freshly loaded tables, as autovacuum keeps them in
    production (a unit's report reads its covering index alone only on pages marked visible)."""
    with ctx.db.engine.execution_options(isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(
            text("VACUUM ANALYZE" if ctx.db.engine.dialect.name == "postgresql" else "ANALYZE")
        )


def _public_p95(ctx: Any, procedure: str) -> None:
    """The portal's page: 200 requests to the public endpoint (kept five minutes per process)."""
    from api import create_app

    client = create_app(context=ctx).test_client()
    path = f"/api/v1/public/statistics?procedure={procedure}&year=2026"
    times: list[float] = []
    for _ in range(200):
        started = time.perf_counter()
        assert client.get(path).status_code == 200
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(
        f"| public statistics over HTTP, 200 requests | first {times[-1]:,.0f} ms | "
        f"p50 {times[100]:.1f}, p95 {times[190]:.1f} |"
    )


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
