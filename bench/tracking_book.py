"""What Mẫu 07 (the tracking book) costs for a busy unit: the whole period as XLSX, and one PDF
volume. Not part of the tests; prints a markdown table.

    .venv/bin/python bench/tracking_book.py --dossiers 10000
    .venv/bin/python bench/tracking_book.py --dossiers 10000 --postgres postgresql://postgres@127.0.0.1:5432/postgres

One dossier is driven to acceptance through the use cases; its row is then copied `--dossiers`
times (new id and code, received over the month) so that the book has that many rows. Each
measure is one call of `engine.services.tracking_book.tracking_book` as the API makes it: wall
and CPU time, the Python heap's peak during the call (tracemalloc) and the process's peak
resident memory after it (ru_maxrss, which also counts Typst's own allocations).
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from sqlalchemy import insert, select  # noqa: E402

from bench.environment import bench_settings, migrated_database  # noqa: E402
from bench.issued_documents import _accepted_dossier  # noqa: E402
from engine.clock import FrozenClock  # noqa: E402
from engine.context import build  # noqa: E402
from engine.security.authz import Actor  # noqa: E402
from engine.services import tracking_book as book  # noqa: E402
from storage.models import Dossier  # noqa: E402

VN = ZoneInfo("Asia/Ho_Chi_Minh")
UNIT = "000.00.07.H29"
AUDITOR = Actor(user_id=None, username="auditor", roles=frozenset({"auditor"}), unit_code=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=10_000)
    parser.add_argument("--postgres", metavar="URL", help="run on a fresh database of this server")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        migrated_database(args.postgres, Path(tmp), "motcua_bench_book") as url,
    ):
        run(url, Path(tmp), args.dossiers, "PostgreSQL" if args.postgres else "SQLite")


def run(url: str, tmp: Path, count: int, label: str) -> None:
    clock = FrozenClock(datetime(2026, 3, 31, 17, 0, tzinfo=VN))
    ctx = build(bench_settings(url, tmp / "var"), clock=clock)
    clock.set(datetime(2026, 3, 1, 9, 0, tzinfo=VN))
    code, _ = _accepted_dossier(ctx)
    clock.set(datetime(2026, 3, 31, 17, 0, tzinfo=VN))
    _copy(ctx, code, count)
    start, end = date(2026, 3, 1), date(2026, 3, 31)

    def xlsx() -> bytes:
        return book.tracking_book(ctx, AUDITOR, UNIT, start, end, xlsx=True).content

    def volume(n: int) -> Callable[[], bytes]:
        return lambda: (
            book.tracking_book(ctx, AUDITOR, UNIT, start, end, xlsx=False, volume=n).content
        )

    print(f"| {label} | (before the first call: peak RSS) | | | | {_rss():.0f} | |")
    volumes = book.tracking_book(ctx, AUDITOR, UNIT, start, end, xlsx=False).volumes
    for name, call in (
        (f"XLSX, whole period ({count + 1:,} rows)", xlsx),
        # Volume 1 was rendered above (to count the volumes): Typst memoises a render it has
        # done, so the full volume measured is the second one, rendered here for the first time.
        (f"PDF, volume 2 of {volumes} ({book.VOLUME_ROWS} rows)", volume(2)),
        (f"PDF, volume {volumes} of {volumes} (the rest)", volume(volumes)),
    ):
        _measure(label, name, call)
    ctx.close()


def _measure(label: str, name: str, call: Callable[[], bytes]) -> None:
    """Times without tracemalloc (it slows Python down), then the heap's peak in a second call."""
    wall, cpu = time.perf_counter(), time.process_time()
    content = call()
    cpu_ms = (time.process_time() - cpu) * 1000
    wall_ms = (time.perf_counter() - wall) * 1000
    tracemalloc.start()
    call()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = _rss()
    print(
        f"| {label} | {name} | {wall_ms:,.0f} | {cpu_ms:,.0f} | {peak / 2**20:.1f} | "
        f"{rss:.0f} | {len(content):,} |"
    )


def _rss() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _copy(ctx: Any, code: str, count: int) -> None:
    """`count` copies of dossier `code`, received one after another through March."""
    with ctx.db.engine.begin() as conn:
        row = dict(
            conn.execute(select(Dossier.__table__).where(Dossier.code == code)).one()._mapping
        )
        first = row["received_at"]
        step = timedelta(days=29) / max(count, 1)
        batch: list[dict[str, Any]] = []
        for n in range(count):
            at = first + step * (n + 1)
            batch.append(
                {
                    **row,
                    "id": row["id"] + n + 1,
                    "code": f"{code}-{n:05d}",
                    "received_at": at,
                    "submitted_at": at,
                    "due_at": at + timedelta(days=7),
                    "applicant": {**row["applicant"], "full_name": f"Nguyễn Văn An {n}"},
                }
            )
            if len(batch) == 1000:
                conn.execute(insert(Dossier), batch)
                batch = []
        if batch:
            conn.execute(insert(Dossier), batch)


if __name__ == "__main__":
    print(
        "| database | book | wall ms | CPU ms | Python heap peak MiB | process peak RSS MiB "
        "| bytes |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- |")
    main()
