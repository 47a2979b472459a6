"""The benchmark, one command: `.venv/bin/python bench/run.py` (`--help` for the knobs).

1. raw SpiffWorkflow throughput for `cap_lai_the_bhyt`, in process (before and after the HTTP
   runs; the mean is the reference);
2. the full dossier path over real HTTP against `motcua serve --workers 2`, on SQLite and on
   PostgreSQL, each on a fresh database: dossiers/s, tasks/s, p50/p95/p99 per endpoint, and
   storage bytes per completed dossier;
3. the ratio full path / raw, the figure we track (target >= 0.33);
4. the floor: the same load against a Flask app under the same gunicorn shape that does no work
   at all (`bench/floor.py`), the ceiling of any service with 9 HTTP requests per dossier here;
5. task-inbox latency on PostgreSQL with 1k, 100k and 1M dossiers (bulk-seeded; target: p95 at
   1M within 2x of 1k).

Not part of the tests. Results go to stdout and bench/results/<time>.json. Numbers from one
run only compare with each other: the machine is shared and noisy.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import text

from bench import inbox
from bench.cpu import cpu_seconds, process_group
from bench.environment import (
    Backend,
    login,
    postgres_backend,
    seed,
    sqlite_backend,
    unit_code,
)
from bench.floor import floor_server
from bench.footprint import bytes_per_dossier
from bench.load import CLAIM, COMPLETE, SUBMIT, LoadResult, percentile, run_load
from bench.raw import raw_dossiers_per_second
from storage.db import make_engine
from tests.live_server import REPO, LiveServer

RESULTS = REPO / "bench" / "results"


def main() -> None:
    args = _arguments()
    results: dict[str, Any] = {"args": vars(args), "started": time.strftime("%Y-%m-%d %H:%M:%S")}
    raw_before = raw_dossiers_per_second(REPO / "bpmn", args.raw_dossiers)
    _say(f"raw SpiffWorkflow: {raw_before[0]:.1f} dossiers/s")
    paths: dict[str, dict[str, Any]] = {}
    if not args.skip_sqlite:
        with sqlite_backend() as backend:
            paths["SQLite"] = _full_path(backend, args)
    if not args.skip_postgres:
        with postgres_backend(args.postgres_url) as backend:
            paths["PostgreSQL"] = _full_path(backend, args)
    floor = None if args.skip_floor else _floor(args)
    raw_after = raw_dossiers_per_second(REPO / "bpmn", args.raw_dossiers)
    reloading = raw_dossiers_per_second(REPO / "bpmn", args.raw_dossiers, reload=True)
    _say(f"raw SpiffWorkflow again: {raw_after[0]:.1f} dossiers/s")
    raw = {
        "before": raw_before[0],
        "after": raw_after[0],
        "mean": (raw_before[0] + raw_after[0]) / 2,
        "cpu_ms_per_dossier": (raw_before[1] + raw_after[1]) / 2,
        "state_bytes": raw_before[2],
        "with_reload": reloading[0],
        "with_reload_cpu_ms_per_dossier": reloading[1],
    }
    cores = os.cpu_count() or 1
    for path in paths.values():
        path["ratio"] = path["dossiers_per_s"] / raw["mean"]
        # The same figure from CPU time, which a busy shared machine disturbs far less: the
        # server and database on all cores of an idle machine against the raw engine on one.
        spent = path["cpu_ms"]["server"] + path["cpu_ms"]["database"]
        path["projected_dossiers_per_s"] = cores * 1000 / spent
        path["cpu_ratio"] = cores * raw["cpu_ms_per_dossier"] / spent
    if floor is not None:
        floor["ratio"] = floor["dossiers_per_s"] / raw["mean"]
    results.update(raw=raw, paths=paths, floor=floor)
    results["inbox"] = {} if args.skip_inbox else _inbox(args)
    _print_table(results)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    _say(f"saved {out}")


def _full_path(backend: Backend, args: argparse.Namespace) -> dict[str, Any]:
    seed(backend, args.units)
    with backend.server(args.workers, args.server_code, with_scheduler=True) as server:
        tokens_by_unit = []
        citizen = login(server, "citizen")
        for n in range(args.units):
            tokens = {
                role: login(server, f"{role}{n}") for role in ("reception", "specialist", "leader")
            }
            tokens_by_unit.append((unit_code(n), {**tokens, "citizen": citizen}))
        shape = {"processes": args.processes, "threads": args.threads}
        run_load(server.port, tokens_by_unit, dossiers=args.processes * args.threads, **shape)
        _drain_outbox(backend)
        delivered_before = _outbox_delivered(backend)
        before = _cpu_snapshot(backend, server)
        load = run_load(server.port, tokens_by_unit, dossiers=args.dossiers, **shape)
        # The consequences are part of a dossier's cost: the scheduler delivers its outbox
        # messages (mails with their forms attached) after the requests have answered.
        drain_seconds = _drain_outbox(backend)
        after = _cpu_snapshot(backend, server)
        delivered = _outbox_delivered(backend) - delivered_before
    cpu_ms = {
        kind: (sum(after[kind].values()) - sum(before[kind].get(p, 0.0) for p in after[kind]))
        * 1000
        / load.dossiers
        for kind in ("server", "database")
    }
    cpu_ms["load_generator"] = load.client_cpu_s * 1000 / load.dossiers
    _say(
        f"{backend.name}: {load.dossiers_per_s:.1f} dossiers/s, {load.tasks_per_s:.1f} tasks/s, "
        f"server CPU {cpu_ms['server']:.1f} ms + database CPU {cpu_ms['database']:.1f} ms "
        f"per dossier, {delivered / load.dossiers:.1f} outbox messages delivered per dossier "
        f"(drained {drain_seconds:.1f} s after the load), {len(load.errors)} errors"
    )
    return {
        "dossiers_per_s": load.dossiers_per_s,
        "tasks_per_s": load.tasks_per_s,
        "latency_ms": _percentiles(load),
        "cpu_ms": cpu_ms,
        "errors": load.errors[:20],
        "outbox_delivered_per_dossier": delivered / load.dossiers,
        "outbox_drain_seconds": drain_seconds,
        "storage_bytes_per_dossier": bytes_per_dossier(backend),
        "dossiers": load.dossiers,
        "seconds": load.seconds,
    }


def _floor(args: argparse.Namespace) -> dict[str, Any]:
    """The same closed-loop load against a server that does nothing (bench/floor.py)."""
    roles = ("citizen", "reception", "specialist", "leader")
    tokens = [("floor", dict.fromkeys(roles, "floor"))]
    shape = {"processes": args.processes, "threads": args.threads}
    with (
        tempfile.TemporaryDirectory(prefix="motcua-floor-") as tmp,
        floor_server(args.workers, Path(tmp) / "floor.log") as server,
    ):
        run_load(server.port, tokens, dossiers=args.processes * args.threads, **shape)
        pids = process_group(server.process.pid)
        cpu_before = cpu_seconds(pids)
        load = run_load(server.port, tokens, dossiers=args.dossiers, **shape)
        server_cpu = cpu_seconds(pids) - cpu_before
    _say(f"floor (no work behind HTTP): {load.dossiers_per_s:.1f} dossiers/s")
    return {
        "dossiers_per_s": load.dossiers_per_s,
        "cpu_ms": {
            "server": server_cpu * 1000 / load.dossiers,
            "load_generator": load.client_cpu_s * 1000 / load.dossiers,
        },
        "errors": load.errors[:20],
    }


def _outbox_delivered(backend: Backend) -> int:
    return int(_scalar(backend, "SELECT count(*) FROM outbox_message WHERE state = 'delivered'"))


def _drain_outbox(backend: Backend, timeout_s: float = 600.0) -> float:
    """Seconds until no outbox message is pending (the scheduler delivers them)."""
    started = time.monotonic()
    while _scalar(backend, "SELECT count(*) FROM outbox_message WHERE state = 'pending'"):
        if time.monotonic() - started > timeout_s:
            raise SystemExit("the outbox did not drain: is the scheduler running?")
        time.sleep(0.2)
    return time.monotonic() - started


def _scalar(backend: Backend, sql: str) -> Any:
    engine = make_engine(backend.url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


def _cpu_snapshot(backend: Backend, server: LiveServer) -> dict[str, dict[int, float]]:
    assert server.process is not None
    database: list[int] = []
    if backend.name == "PostgreSQL":
        engine = make_engine(backend.url)
        try:
            with engine.connect() as conn:
                database = list(
                    conn.execute(
                        text(
                            "SELECT pid FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                        )
                    ).scalars()
                )
        finally:
            engine.dispose()
    return {
        "server": {p: cpu_seconds([p]) for p in process_group(server.process.pid)},
        "database": {p: cpu_seconds([p]) for p in database},
    }


def _inbox(args: argparse.Namespace) -> dict[str, dict[str, float]]:
    sizes = sorted(int(s) for s in args.inbox_sizes.split(","))
    found: dict[str, dict[str, float]] = {}
    with postgres_backend(args.postgres_url) as backend:
        seed(backend, args.inbox_units)
        seeded = inbox.backlog(backend, args.inbox_units)
        with backend.server(args.workers) as server:
            token = login(server, "reception0")
            for size in sizes:
                started = time.perf_counter()
                if size > seeded:
                    inbox.seed(
                        backend, first=seeded, last=size - 1, units=args.inbox_units, open_step=None
                    )
                    seeded = size
                _say(f"inbox: {size} dossiers seeded in {time.perf_counter() - started:.0f} s")
                found[str(size)] = inbox.inbox_latency(server.port, token)
                _say(f"inbox at {size}: p95 {found[str(size)]['p95']:.2f} ms")
    return found


def _percentiles(load: LoadResult) -> dict[str, dict[str, float]]:
    return {
        label: {f"p{q}": percentile(load.latencies_ms.get(label, []), q) for q in (50, 95, 99)}
        for label in (SUBMIT, CLAIM, COMPLETE)
    }


def _print_table(results: dict[str, Any]) -> None:
    paths, raw = results["paths"], results["raw"]
    names = list(paths)
    rows: list[tuple[str, list[str]]] = [
        ("dossiers/s (full path over HTTP)", [f"{paths[n]['dossiers_per_s']:.1f}" for n in names]),
        ("tasks/s", [f"{paths[n]['tasks_per_s']:.1f}" for n in names]),
        ("raw SpiffWorkflow dossiers/s", [f"{raw['mean']:.1f}" for _ in names]),
        ("ratio full path / raw (target >= 0.33)", [f"{paths[n]['ratio']:.3f}" for n in names]),
        ("server CPU ms per dossier", [f"{paths[n]['cpu_ms']['server']:.1f}" for n in names]),
        ("database CPU ms per dossier", [f"{paths[n]['cpu_ms']['database']:.1f}" for n in names]),
        (
            "load generator CPU ms per dossier",
            [f"{paths[n]['cpu_ms']['load_generator']:.1f}" for n in names],
        ),
        ("raw CPU ms per dossier", [f"{raw['cpu_ms_per_dossier']:.2f}" for _ in names]),
        (
            "projected dossiers/s, idle machine",
            [f"{paths[n]['projected_dossiers_per_s']:.1f}" for n in names],
        ),
        ("ratio from CPU time", [f"{paths[n]['cpu_ratio']:.3f}" for n in names]),
    ]
    for label in (SUBMIT, CLAIM, COMPLETE):
        rows.append(
            (
                f"{label} p50/p95/p99 ms",
                [
                    "/".join(
                        f"{paths[n]['latency_ms'][label][q]:.1f}" for q in ("p50", "p95", "p99")
                    )
                    for n in names
                ],
            )
        )
    rows.append(
        (
            "storage bytes per completed dossier (PDFs apart)",
            [f"{paths[n]['storage_bytes_per_dossier']['total']:.0f}" for n in names],
        )
    )
    rows.append(
        (
            "  of which workflow state",
            [f"{paths[n]['storage_bytes_per_dossier']['state']:.0f}" for n in names],
        )
    )
    rows.append(
        (
            "outbox messages delivered per dossier",
            [f"{paths[n]['outbox_delivered_per_dossier']:.1f}" for n in names],
        )
    )
    rows += _storage_rows(paths, names)
    rows.append(("errors", [str(len(paths[n]["errors"])) for n in names]))
    width = max(len(label) for label, _ in rows) + 2
    if names:
        print()
        print(f"{'':<{width}}" + "".join(f"{n:>22}" for n in names))
        for label, cells in rows:
            print(f"{label:<{width}}" + "".join(f"{c:>22}" for c in cells))
    if results["inbox"]:
        backlog = inbox.BACKLOG_PER_ROLE
        print(f"\ntask inbox GET /tasks, PostgreSQL (the unit has {backlog} open tasks per role)")
        base = None
        for size, stats in results["inbox"].items():
            base = base or stats["p95"]
            print(
                f"  {int(size):>9,} dossiers: p50 {stats['p50']:.2f} ms  "
                f"p95 {stats['p95']:.2f} ms  p99 {stats['p99']:.2f} ms  "
                f"(p95 x{stats['p95'] / base:.2f} of the smallest)"
            )
    floor = results.get("floor")
    if floor:
        print(
            f"\nfloor, the same load against a server that does no work: "
            f"{floor['dossiers_per_s']:.1f} dossiers/s = ratio {floor['ratio']:.3f} of raw; "
            f"server CPU {floor['cpu_ms']['server']:.1f} ms, load generator "
            f"{floor['cpu_ms']['load_generator']:.1f} ms per dossier"
        )
    before, after = raw["before"], raw["after"]
    print(
        f"\nraw runs: {before:.1f} and {after:.1f} dossiers/s; final state {raw['state_bytes']} B"
    )
    print(
        f"raw with the state deserialized before every task: {raw['with_reload']:.1f} dossiers/s "
        f"({raw['with_reload_cpu_ms_per_dossier']:.2f} ms CPU per dossier)"
    )


def _storage_rows(paths: dict[str, Any], names: list[str]) -> list[tuple[str, list[str]]]:
    """Each table's share of the storage per dossier, largest first, and the PDFs apart."""
    sizes = [paths[n]["storage_bytes_per_dossier"] for n in names]
    tables = sorted(
        {key for size in sizes for key in size if key.startswith("table.")},
        key=lambda key: -max(size.get(key, 0.0) for size in sizes),
    )
    rows = [
        (f"  table {key.removeprefix('table.')}", [f"{size.get(key, 0.0):.0f}" for size in sizes])
        for key in tables
    ]
    rows.append(
        (
            "documents' PDFs per dossier (not in the total)",
            [f"{size.get('documents_pdf', 0.0):.0f}" for size in sizes],
        )
    )
    return rows


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dossiers", type=int, default=400, help="dossiers per backend (measured)")
    parser.add_argument("--processes", type=int, default=2, help="load-generator processes")
    parser.add_argument("--threads", type=int, default=8, help="client threads per process")
    parser.add_argument("--units", type=int, default=4, help="units the load spreads over")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--raw-dossiers", type=int, default=300)
    parser.add_argument("--inbox-sizes", default="1000,100000,1000000")
    parser.add_argument("--inbox-units", type=int, default=10)
    parser.add_argument(
        "--server-code",
        type=Path,
        default=None,
        help="serve the HTTP runs from another checkout (e.g. `git archive` of an older commit)",
    )
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--skip-inbox", action="store_true")
    parser.add_argument("--skip-floor", action="store_true")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "MOTCUA_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
        help="a server where the benchmark may create (and drop) its own databases",
    )
    return parser.parse_args()


def _say(message: str) -> None:
    print(f"[bench] {message}", flush=True)


if __name__ == "__main__":
    main()
