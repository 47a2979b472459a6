"""How fast `motcua consistency` walks a big database, and in how much memory. Not part of the
tests; prints throughput (dossiers/s) and the walk's peak memory.

    .venv/bin/python bench/consistency.py                        # SQLite, 20,000 dossiers
    .venv/bin/python bench/consistency.py --dossiers 5000        # smaller
    .venv/bin/python bench/consistency.py --postgres postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python bench/consistency.py --dossiers 2000 --jobs 2   # two worker processes

One real dossier is submitted through the use case (status 2, its first task open); it is the
template for the others, bulk-inserted with fresh codes and task ids (its workflow state, work
items and events copied with the code and ids renamed, the hash chain recomputed), so every copy
is a consistent dossier the check replays in full. One copy is then damaged and must be the only
one reported. Each walk runs in a fresh process (`--walk`), so its peak resident memory (maxrss)
is the walk's own, not the seeding's; measured at a tenth of the size and at the full size, it
must not grow with the number of dossiers. Last, `--changed-since` with a time after every
copy's events: what selecting the changed dossiers costs when none has changed (the scan a
post-crash check pays on top of checking the few that did).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select, update

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.environment import bench_settings, migrated_database, submit_sample_dossier  # noqa: E402
from engine.audit.consistency import check_everything  # noqa: E402
from engine.clock import FrozenClock  # noqa: E402
from engine.context import EngineContext, build  # noqa: E402
from engine.events import dossier_chain, event_body, event_hash  # noqa: E402
from engine.security.authz import Actor  # noqa: E402
from engine.services import definitions, units, users  # noqa: E402
from engine.services.users import NewUser  # noqa: E402
from storage.audit import EventRow  # noqa: E402
from storage.audit_models import Chain, Event  # noqa: E402
from storage.models import Dossier, WorkItem  # noqa: E402

UNIT = "000.00.07.H29"
ADMIN = Actor(user_id=None, username="bench", roles=frozenset({"admin"}), unit_code=None)
CHUNK = 2_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dossiers", type=int, default=20_000)
    parser.add_argument("--postgres", metavar="URL", help="run on a fresh database of this server")
    parser.add_argument("--walk", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (motcua --jobs)")
    parser.add_argument("--broken", help=argparse.SUPPRESS)
    parser.add_argument("--since", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.walk:
        since = datetime.fromisoformat(args.since) if args.since else None
        walk(args.walk, args.dossiers, args.broken, args.jobs, since)
        return
    with (
        tempfile.TemporaryDirectory() as tmp,
        migrated_database(args.postgres, Path(tmp), "motcua_bench_consistency") as url,
    ):
        run(url, Path(tmp), args.dossiers, args.jobs)


def run(url: str, tmp: Path, total: int, jobs: int) -> None:
    clock = FrozenClock(datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")))
    settings = bench_settings(url, tmp / "var")
    ctx = build(settings, clock=clock)
    code = template_dossier(ctx)
    small = max(1, total // 10)
    started = time.perf_counter()
    seed_copies(ctx, code, 0, small - 1)
    print(f"seeded {small:,} dossiers in {time.perf_counter() - started:.1f} s", flush=True)
    walk_in_a_process(url, tmp, small, None, jobs)
    seed_copies(ctx, code, small - 1, total - 1)
    broken = f"{UNIT}-{9_000_000 + total // 2:07d}"
    with ctx.db.engine.begin() as conn:
        conn.execute(update(Dossier).where(Dossier.code == broken).values(status=4))
    print(f"seeded {total:,} dossiers in {time.perf_counter() - started:.1f} s", flush=True)
    walk_in_a_process(url, tmp, total, broken, jobs)
    later = clock.now() + timedelta(days=1)  # after every copy's events: none has changed
    walk_in_a_process(url, tmp, 0, None, jobs, later)
    ctx.close()


def walk_in_a_process(
    url: str,
    tmp: Path,
    expected: int,
    broken: str | None,
    jobs: int,
    since: datetime | None = None,
) -> None:
    command = [sys.executable, __file__, "--walk", url, "--dossiers", str(expected)]
    command += ["--jobs", str(jobs), *(["--broken", broken] if broken else [])]
    command += ["--since", since.isoformat()] if since else []
    subprocess.run(command, check=True, cwd=tmp)


def walk(url: str, expected: int, broken: str | None, jobs: int, since: datetime | None) -> None:
    """`motcua consistency`'s walk, as the command runs it, in this (fresh) process."""
    settings = bench_settings(url, Path.cwd() / "var")
    ctx = build(settings)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu_before = time.perf_counter(), _cpu_seconds()
    summary = check_everything(ctx, jobs=jobs, changed_since=since)
    checked, bad = summary.checked, [r.code for r in summary.inconsistent]
    seconds = time.perf_counter() - started
    cpu = _cpu_seconds() - cpu_before
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    ctx.close()
    assert checked == expected, (checked, expected)
    assert bad == ([broken] if broken else []), bad[:5]
    if since is not None:
        print(f"changed since {since.isoformat()}: none of them, selected in {seconds:.1f} s")
        return
    print(
        f"{checked:>9,} dossiers, {jobs} job(s): {seconds:8.1f} s, "
        f"{checked / seconds:7.1f} dossiers/s, CPU {cpu * 1000 / max(checked, 1):.1f} ms/dossier, "
        f"peak RSS {peak / 1024:6.1f} MiB (at start {before / 1024:.1f}); "
        f"reported {bad or 'none'}",
        flush=True,
    )


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the `--jobs` workers): unlike the
    wall time, barely affected by other work on the machine."""
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def template_dossier(ctx: EngineContext) -> str:
    definitions.deploy_directory(ctx, ADMIN, REPO / "bpmn", REPO / "forms")
    units.create_unit(ctx, ADMIN, UNIT, "BHXH quận Ba Đình")
    view = users.create_user(
        ctx, ADMIN, NewUser("citizen", "bench-password-1", "citizen", ("citizen",), None)
    )
    citizen = Actor(view.id, view.username, frozenset(view.roles), view.unit_code)
    return submit_sample_dossier(ctx, citizen, UNIT)


def seed_copies(ctx: EngineContext, code: str, first: int, last: int) -> None:
    """Copies numbered first+1..last of the template dossier, each with its own code and ids."""
    with ctx.uow(write=False) as uow:
        source = uow.dossiers.by_code(code)
        assert source is not None
        dossier_row = _row(source, Dossier)
        items = [_row(i, WorkItem) for i in uow.work_items.history_for_dossier(source.id)]
        template = list(uow.audit.stream_events(dossier_chain(code)))
    for start in range(first + 1, last + 1, CHUNK):
        numbers = range(start, min(start + CHUNK, last + 1))
        copies = {
            new: _renames(code, new, items)
            for new in (f"{UNIT}-{9_000_000 + n:07d}" for n in numbers)
        }
        with ctx.db.engine.begin() as conn:
            conn.execute(
                insert(Dossier),
                [_renamed(dossier_row, r) for r in copies.values()],
            )
            found = select(Dossier.code, Dossier.id).where(Dossier.code.in_(copies))
            ids = {row[0]: row[1] for row in conn.execute(found)}
            conn.execute(
                insert(WorkItem),
                [_renamed(i, r) | {"dossier_id": ids[c]} for c, r in copies.items() for i in items],
            )
            events, chains = [], []
            for c, renames in copies.items():
                rows = _copy_chain(template, dossier_chain(c), ids[c], renames)
                events += rows
                chains.append(
                    {"name": dossier_chain(c), "head_seq": len(rows), "head_hash": rows[-1]["hash"]}
                )
            conn.execute(insert(Event), events)
            conn.execute(insert(Chain), chains)


def _row(obj: Any, model: Any) -> dict[str, Any]:
    return {
        c.key: getattr(obj, c.key)
        for c in model.__table__.columns
        if c.key != "id" or model is WorkItem
    }


def _renames(code: str, new: str, items: list[dict[str, Any]]) -> dict[str, str]:
    return {code: new, **{i["id"]: str(uuid.uuid4()) for i in items}}


def _renamed(row: dict[str, Any], renames: dict[str, str]) -> dict[str, Any]:
    return {k: _rename(v, renames) for k, v in row.items()}


def _rename(value: Any, renames: dict[str, str]) -> Any:
    if isinstance(value, str | dict | list):
        text = json.dumps(value, ensure_ascii=False)
        for old, new in renames.items():
            text = text.replace(old, new)
        return json.loads(text)
    return value


def _copy_chain(
    template: list[EventRow], chain: str, dossier_id: int, renames: dict[str, str]
) -> list[dict[str, Any]]:
    rows, prev = [], "0" * 64
    for event in template:
        payload = _rename(event.payload, renames)
        row = event._replace(chain=chain, dossier_id=dossier_id, payload=payload, prev_hash=prev)
        digest = event_hash(prev, event_body(row))
        values = row._replace(hash=digest)._asdict()
        del values["id"]
        rows.append(values)
        prev = digest
    return rows


if __name__ == "__main__":
    main()
