"""The outbox to a local fake national portal: deliveries per second, and the lag between a
status change and its delivery at a steady rate of changes. Not part of the tests; prints a table.

    .venv/bin/python bench/outbox.py                        # SQLite
    .venv/bin/python bench/outbox.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/outbox.py --messages 20000 --rate 100 --seconds 30

The fake portal (`motcua dvcqg-peer`) runs as its own process, so its HTTP server does not share
the dispatcher's interpreter. Throughput: `--messages` messages (5 per dossier) are written, then
one dispatcher drains them. Lag: a writer adds `--rate` messages a second (one transaction each,
as a status change would) while a real scheduler runs; lag = delivered_at - written_at.
Messages are written straight to the outbox: the cost of the status changes themselves is the
load benchmarks' (bench/load.py), not this one's.

Citizens' latency: `--submissions` dossiers submitted one after another through the use case
(each writes its outbox message) with no scheduler, then with a scheduler delivering to a healthy
portal, to a portal that holds every answer past the timeout, and to no portal at all (refused).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.environment import (  # noqa: E402
    ADMIN,
    PASSWORD,
    bench_settings,
    migrated_database,
    submit_sample_dossier,
)
from engine.context import EngineContext, build  # noqa: E402
from engine.dispatcher import OutboxDispatcher  # noqa: E402
from engine.events import format_time  # noqa: E402
from engine.scheduler import TimerScheduler  # noqa: E402
from engine.security.authz import Actor  # noqa: E402
from engine.services import definitions, users  # noqa: E402
from engine.services import units as unit_service  # noqa: E402
from engine.services.users import NewUser  # noqa: E402
from storage.outbox_models import OutboxMessage  # noqa: E402
from tests.live_server import free_port  # noqa: E402

PER_DOSSIER = 5


def payload(code: str, seq: int, ctx: EngineContext) -> dict[str, Any]:
    now = format_time(ctx.clock.now())
    return {
        "kind": "status_changed",
        "event": seq,
        "occurred_at": now,
        "dossier": {
            "code": code,
            "procedure_key": "cap_lai_the_bhyt",
            "procedure_code": "1.000000.000.00.00.H29",
            "unit_code": "000.00.07.H29",
            "channel": 2,
            "applicant_name": "Nguyễn Văn An",
            "status": 1 + seq % 10,
            "submitted_at": now,
            "received_at": now,
            "due_at": now,
            "resolved_at": None,
            "finished_at": None,
        },
    }


def write(ctx: EngineContext, codes_and_seqs: list[tuple[str, int]]) -> None:
    with ctx.uow() as uow:
        for code, seq in codes_and_seqs:
            uow.outbox.add(
                kind="status_changed",
                dossier_code=code,
                seq=seq,
                payload=payload(code, seq, ctx),
                now=ctx.clock.now(),
            )
        uow.commit()


def throughput(ctx: EngineContext, count: int, run: str) -> tuple[float, float]:
    dossiers = max(1, count // PER_DOSSIER)
    batch: list[tuple[str, int]] = []
    for index in range(count):
        batch.append((f"{run}-T{index % dossiers:06d}", index // dossiers + 1))
        if len(batch) == 1000:
            write(ctx, batch)
            batch = []
    write(ctx, batch)
    dispatcher = OutboxDispatcher(ctx)
    started = time.perf_counter()
    delivered = dispatcher.drain()
    elapsed = time.perf_counter() - started
    dispatcher.close()
    assert delivered >= count, (delivered, count)
    return count / elapsed, elapsed


def lag(ctx: EngineContext, rate: float, seconds: float, run: str) -> list[float]:
    scheduler = TimerScheduler(ctx)
    scheduler.start()
    try:
        total = int(rate * seconds)
        started = time.monotonic()
        for index in range(total):
            write(ctx, [(f"{run}-L{index % 200:04d}", index // 200 + 1)])
            pause = started + (index + 1) / rate - time.monotonic()
            if pause > 0:
                time.sleep(pause)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and ctx_pending(ctx, f"{run}-L"):
            time.sleep(0.1)
    finally:
        scheduler.stop()
    with ctx.uow(write=False) as uow:
        rows = uow.session.query(OutboxMessage).filter(OutboxMessage.dossier_code.like(f"{run}-L%"))
        return [
            ((row.delivered_at or ctx.clock.now()) - row.created_at) / timedelta(seconds=1)
            for row in rows
        ]


def ctx_pending(ctx: EngineContext, prefix: str) -> int:
    with ctx.uow(write=False) as uow:
        return int(
            uow.session.query(OutboxMessage)
            .filter(OutboxMessage.dossier_code.like(f"{prefix}%"), OutboxMessage.state == "pending")
            .count()
        )


def submission_latencies(
    settings_for: dict[str, Any], count: int, port: int, tmp: Path, postgres: str | None
) -> dict[str, list[float]]:
    """Submission times (s) per condition, each on its own fresh database."""
    results: dict[str, list[float]] = {}
    for condition, url in settings_for.items():
        slug = condition.replace(" ", "_")
        with migrated_database(postgres, tmp / slug, f"motcua_bench_lat_{slug}") as db:
            settings = bench_settings(
                db,
                tmp / slug / "var",
                MOTCUA_DVCQG_URL=url,
                MOTCUA_DVCQG_PROCEDURE_CODES="cap_lai_the_bhyt=1.000000.000.00.00.H29",
            )
            ctx = build(settings)
            try:
                definitions.deploy_directory(ctx, ADMIN, REPO / "bpmn", REPO / "forms")
                unit_service.create_unit(ctx, ADMIN, "000.00.07.H29", "BHXH bench")
                view = users.create_user(
                    ctx, ADMIN, NewUser("citizen", PASSWORD, "Công dân", ("citizen",), None)
                )
                citizen = Actor(view.id, "citizen", frozenset({"citizen"}), None)
                submit_sample_dossier(ctx, citizen, "000.00.07.H29")  # warm-up
                control(port, {"hang": 10**6 if condition == "hanging" else 0, "hang_seconds": 30})
                scheduler = TimerScheduler(ctx) if condition != "no scheduler" else None
                if scheduler is not None:
                    scheduler.start()
                try:
                    times = []
                    for _ in range(count):
                        started = time.perf_counter()
                        submit_sample_dossier(ctx, citizen, "000.00.07.H29")
                        times.append(time.perf_counter() - started)
                finally:
                    if scheduler is not None:
                        scheduler.stop()
                results[condition] = times
            finally:
                ctx.close()
    control(port, {"hang": 0})
    return results


def control(port: int, change: dict[str, Any]) -> None:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/_control", data=json.dumps(change).encode(), method="POST"
    )
    urllib.request.urlopen(request, timeout=5).read()  # noqa: S310 - the local peer


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="run on a fresh database of this server")
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=100.0, help="status changes per second")
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--submissions", type=int, default=100)
    args = parser.parse_args()
    port = free_port()
    peer = subprocess.Popen(
        [sys.executable, "-m", "server", "dvcqg-peer", "--port", str(port)],
        cwd=REPO,
        env=os.environ.copy(),
        stdout=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/dvcqg/dongbo"
    try:
        wait_for_peer(port)
        with (
            tempfile.TemporaryDirectory() as tmp,
            migrated_database(args.postgres, Path(tmp), "motcua_bench_outbox") as db_url,
        ):
            settings = bench_settings(db_url, Path(tmp) / "var", MOTCUA_DVCQG_URL=url)
            ctx = build(settings)
            try:
                run = str(int(time.time()))
                per_second, elapsed = throughput(ctx, args.messages, run)
                lags = lag(ctx, args.rate, args.seconds, run)
            finally:
                ctx.close()
            latencies = submission_latencies(
                {
                    "no scheduler": url,
                    "healthy": url,
                    "hanging": url,
                    "refused": f"http://127.0.0.1:{free_port()}/dvcqg",
                },
                args.submissions,
                port,
                Path(tmp),
                args.postgres,
            )
        received = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/_records").read())
    finally:
        peer.terminate()
        peer.wait(timeout=30)
    backend = "PostgreSQL" if args.postgres else "SQLite"
    print(f"outbox → local fake DVCQG, {backend}, {os.cpu_count()} CPUs")
    print(f"{'throughput':<28} {per_second:8.0f} deliveries/s ({args.messages} in {elapsed:.2f} s)")
    print(
        f"{'lag at ' + format(args.rate, 'g') + ' changes/s':<28} "
        f"p50 {statistics.median(lags):.2f} s  p99 {percentile(lags, 0.99):.2f} s  "
        f"max {max(lags):.2f} s  ({len(lags)} messages)"
    )
    for condition, times in latencies.items():
        print(
            f"{'submission, ' + condition:<28} p50 {statistics.median(times) * 1000:6.1f} ms  "
            f"p99 {percentile(times, 0.99) * 1000:6.1f} ms  ({len(times)} dossiers)"
        )
    print(  # the latency runs' databases give the same codes again: "duplicates" across them
        f"{'portal received':<28} {received['received']} "
        f"(accepted {len(received['accepted'])}, duplicates {received['duplicates']})"
    )


def wait_for_peer(port: int) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_records", timeout=1).read()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


if __name__ == "__main__":
    main()
