"""How long the audit takes on a big log: verify 1,000,000 events, sign checkpoints, replay one
dossier. Not part of the tests; prints a table.

    .venv/bin/python bench/audit.py                       # SQLite, 1,000,000 events
    .venv/bin/python bench/audit.py --events 200000       # smaller
    .venv/bin/python bench/audit.py --postgres postgresql://postgres@127.0.0.1:5432/postgres

One real dossier goes through the whole procedure via the use cases; its first ten events are the
template for synthetic dossiers (fresh codes, task ids and hashes) bulk-inserted until the log
holds the requested number of events. Ratios compare numbers measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from bench.environment import bench_settings, migrated_database  # noqa: E402
from bench.load import STEPS as HAPPY_PATH  # noqa: E402
from engine.audit.bundle import verify_bundle  # noqa: E402
from engine.clock import FrozenClock  # noqa: E402
from engine.context import EngineContext, build  # noqa: E402
from engine.events import dossier_chain, event_body, event_hash  # noqa: E402
from engine.security.authz import Actor  # noqa: E402
from engine.services import audit, audit_dossiers, definitions, dossiers, tasks, units, users  # noqa: E402
from engine.services.users import NewUser  # noqa: E402
from storage.audit import EVENT_COLUMNS, EventRow, event_row  # noqa: E402
from storage.audit_models import Chain, Event  # noqa: E402
from storage.models import Dossier  # noqa: E402
from tests.support import submission  # noqa: E402

UNIT = "000.00.07.H29"
ADMIN = Actor(user_id=None, username="bench", roles=frozenset({"admin"}), unit_code=None)
TEMPLATE_EVENTS = 10
BATCH = 20_000
#: (role, form data) of each user task of the happy path, as the HTTP load sends them.
STEPS = list(HAPPY_PATH.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--postgres", metavar="URL", help="run on a fresh database of this server")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        migrated_database(args.postgres, Path(tmp), "motcua_bench_audit") as url,
    ):
        run(url, Path(tmp), args.events)


def run(url: str, tmp: Path, total_events: int) -> None:
    clock = FrozenClock(datetime(2026, 3, 10, 9, 0, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")))
    settings = bench_settings(url, tmp / "var")
    ctx = build(settings, clock=clock)
    officers = seed(ctx)
    live_start = time.perf_counter()
    code = one_dossier(ctx, officers)
    live = time.perf_counter() - live_start
    rows: list[tuple[str, str]] = []

    def measure(label: str, action: Callable[[], Any], note: str = "") -> float:
        started = time.perf_counter()
        action()
        seconds = time.perf_counter() - started
        rows.append((label, f"{seconds:10.3f} s  {note}"))
        print(f"{label:<48}{seconds:10.3f} s  {note}", flush=True)
        return seconds

    target = one_chain(ctx, code)
    dossier_count = max(0, (total_events - count_events(ctx)) // TEMPLATE_EVENTS)
    measure("seed (bulk insert)", lambda: seed_copies(ctx, code, target, dossier_count))
    events = count_events(ctx)
    print(f"log: {events:,} events in {dossier_count + 1:,} dossier chains + system", flush=True)

    report: list[Any] = []
    verify = measure(
        "verify, no checkpoint yet",
        lambda: report.append(audit.verify_audit_log(ctx, ADMIN)),
        f"{events:,} events",
    )
    assert report[-1].ok, report[-1].problems[:5]
    raw = measure("baseline: hash the same events in memory", lambda: rehash_all(ctx))
    measure("first checkpoint (verifies every chain)", lambda: audit.create_checkpoint(ctx, ADMIN))
    measure(
        "verify, against the checkpoint",
        lambda: report.append(audit.verify_audit_log(ctx, ADMIN)),
    )
    assert report[-1].ok, report[-1].problems[:5]
    clock.advance(timedelta(minutes=10))
    one_dossier(ctx, officers)
    measure("next checkpoint (one new dossier)", lambda: audit.create_checkpoint(ctx, ADMIN))
    measure("verify one dossier", lambda: audit.verify_audit_log(ctx, ADMIN, dossier=code))

    replays = []
    for _ in range(20):
        started = time.perf_counter()
        result = audit_dossiers.replay_dossier(ctx, ADMIN, code)
        replays.append(time.perf_counter() - started)
        assert result.matches_stored, result.mismatches
    replay = statistics.median(replays)
    print(f"{'replay one dossier (median of 20)':<48}{replay * 1000:10.1f} ms", flush=True)
    bundle = audit_dossiers.export_dossier(ctx, ADMIN, code)
    measure("verify its bundle offline", lambda: verify_bundle(bundle), f"{len(bundle):,} bytes")
    print()
    print(
        f"verify throughput: {events / verify:,.0f} events/s; "
        f"verify / in-memory hashing = {verify / raw:.2f}"
    )
    print(
        f"replay of {result.events} events: {replay * 1000:.1f} ms; "
        f"replay / live path that made the dossier = {replay / live:.2f}"
    )
    ctx.close()


def seed(ctx: EngineContext) -> dict[str, Actor]:
    definitions.deploy_directory(ctx, ADMIN, REPO / "bpmn", REPO / "forms")
    units.create_unit(ctx, ADMIN, UNIT, "BHXH quận Ba Đình")
    found = {}
    for role in ("citizen", "reception", "specialist", "leader"):
        view = users.create_user(
            ctx,
            ADMIN,
            NewUser(role, "bench-password-1", role, (role,), None if role == "citizen" else UNIT),
        )
        found[role] = Actor(view.id, view.username, frozenset(view.roles), view.unit_code)
    return found


def one_dossier(ctx: EngineContext, officers: dict[str, Actor]) -> str:
    submitted = dossiers.submit_dossier(
        ctx,
        officers["citizen"],
        dossiers.SubmitDossier(
            procedure="cap_lai_the_bhyt",
            unit=UNIT,
            applicant=dossiers.Applicant("Nguyễn Văn An", "001090012345", "0912345678"),
            data=submission(),
        ),
    )
    for role, data in STEPS:
        with ctx.uow(write=False) as uow:
            dossier = uow.dossiers.by_code(submitted.code)
            assert dossier is not None
            [item] = uow.work_items.open_for_dossier(dossier.id)
            task_id = item.id
        tasks.claim_task(ctx, officers[role], task_id)
        tasks.complete_task(ctx, officers[role], task_id, data)
    return submitted.code


def one_chain(ctx: EngineContext, code: str) -> list[EventRow]:
    with ctx.uow(write=False) as uow:
        return list(uow.audit.stream_events(dossier_chain(code)))[:TEMPLATE_EVENTS]


def count_events(ctx: EngineContext) -> int:
    with ctx.uow(write=False) as uow:
        return uow.audit.count_events()


def seed_copies(ctx: EngineContext, code: str, template: list[EventRow], count: int) -> None:
    """`count` dossiers whose chains copy the template's events with fresh codes and ids."""
    with ctx.uow(write=False) as uow:
        source = uow.dossiers.by_code(code)
        assert source is not None
        dossier_row = {
            c.key: getattr(source, c.key) for c in Dossier.__table__.columns if c.key != "id"
        }
    dossier_row["state"] = ""
    engine = ctx.db.engine
    for start in range(0, count, BATCH):
        batch = range(start, min(start + BATCH, count))
        codes = [f"{UNIT}-{9000000 + n:07d}" for n in batch]
        with engine.begin() as conn:
            conn.execute(insert(Dossier), [{**dossier_row, "code": c, "version": 1} for c in codes])
            ids = dict(
                conn.execute(select(Dossier.code, Dossier.id).where(Dossier.code.in_(codes))).all()
            )
            event_rows, chain_rows = [], []
            for c in codes:
                rows = copy_chain(template, dossier_chain(c), ids[c])
                event_rows += rows
                chain_rows.append(
                    {"name": dossier_chain(c), "head_seq": len(rows), "head_hash": rows[-1]["hash"]}
                )
            conn.execute(insert(Event), event_rows)
            conn.execute(insert(Chain), chain_rows)
        print(f"  seeded {batch.stop:,} / {count:,} dossiers", end="\r", flush=True)
    print()


def copy_chain(template: list[EventRow], chain: str, dossier_id: int) -> list[dict[str, Any]]:
    renamed: dict[str, str] = {}
    rows, prev = [], "0" * 64
    for event in template:
        payload = dict(event.payload)
        if "task_id" in payload:
            payload["task_id"] = renamed.setdefault(payload["task_id"], str(uuid.uuid4()))
        row = event._replace(chain=chain, dossier_id=dossier_id, payload=payload, prev_hash=prev)
        digest = event_hash(prev, event_body(row))
        values = row._replace(hash=digest)._asdict()
        del values["id"]
        rows.append(values)
        prev = digest
    return rows


def rehash_all(ctx: EngineContext) -> None:
    """The floor: read every event, rebuild its body, hash it; no checks, no bookkeeping."""
    stmt = select(*EVENT_COLUMNS).order_by(Event.chain, Event.seq)
    # A snapshot transaction, as verify reads in: PostgreSQL streams only inside a transaction.
    with ctx.uow(write=False, snapshot=True) as uow:
        for row in uow.session.execute(stmt.execution_options(yield_per=5000)):
            event = event_row(row)
            event_hash(event.prev_hash, event_body(event))


if __name__ == "__main__":
    main()
