"""Lateness of timer firing with many pending timers (issue 3).

For each phase `N:W`, creates N dossiers of a small procedure whose first step is a timer
(tests/fixtures/timer_probe.bpmn) on a fresh SQLite database, due one after another over W
seconds once set-up is done; then runs the real scheduler (APScheduler, one process) until they
have all fired, and reports lateness = (time the firing transaction read its clock) - (due time).
Both default phases fire 33 timers a second; the first has 1,000 pending, the second 10,000, so
their ratio shows what the number of pending timers costs.

    .venv/bin/python bench/timers.py                        # phases 1000:30 and 10000:300
    .venv/bin/python bench/timers.py --phases 2000:60

Not part of the test suite. The machine is shared and noisy: compare phases of one run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from engine.clock import FrozenClock
from engine.context import build
from engine.definitions.bundles import bundle_from_directory
from engine.scheduler import TimerScheduler
from engine.security.authz import Actor
from engine.services import definitions, dossiers, units, users
from engine.services.dossiers import Applicant, SubmitDossier
from engine.services.users import NewUser
from engine.settings import Settings
from storage.migrate import upgrade
from storage.models import Timer

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "fixtures"
UNIT = "000.00.07.H29"
ADMIN = Actor(user_id=None, username="bench", roles=frozenset({"admin"}), unit_code=None)
CALIBRATION = 100


@dataclass(frozen=True)
class Phase:
    pending: int
    window: float
    fired: int
    complete: bool
    lateness_ms: list[float]

    @property
    def p50(self) -> float:
        return statistics.median(self.lateness_ms)

    @property
    def p99(self) -> float:
        ordered = sorted(self.lateness_ms)
        return ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]


def settings_for(tmp: Path, poll: int) -> Settings:
    return Settings.from_env(
        {
            "MOTCUA_ENV": "bench",
            "MOTCUA_VAR_DIR": str(tmp / "var"),
            "MOTCUA_DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
            "MOTCUA_SECRET_KEY": "bench-secret-" + "x" * 40,
            "MOTCUA_PASSWORD_TIME_COST": "1",
            "MOTCUA_PASSWORD_MEMORY_KIB": "64",
            "MOTCUA_SCHEDULER_POLL_SECONDS": str(poll),
            "MOTCUA_SCHEDULER_LOOKAHEAD_SECONDS": "3600",
        }
    )


def run_phase(count: int, window: float, poll: int, workers: int) -> Phase:
    with tempfile.TemporaryDirectory(prefix="motcua-bench-") as tmp_dir:
        settings = settings_for(Path(tmp_dir), poll)
        upgrade(settings.database_url)
        # Set-up runs on a frozen clock in the past (20 s a dossier, so at most 9,999 codes a
        # day): nothing is due while dossiers are created, however long that takes.
        setup_clock = FrozenClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
        setup = build(settings, clock=setup_clock)
        units.create_unit(setup, ADMIN, UNIT, "Bench unit")
        citizen = users.create_user(
            setup, ADMIN, NewUser("citizen", "bench-password-1", "Citizen", ("citizen",), None)
        )
        applicant = Actor(citizen.id, "citizen", frozenset({"citizen"}), None)
        bundle = bundle_from_directory(FIXTURES / "timer_probe.bpmn", FIXTURES / "forms")
        definitions.deploy(setup, ADMIN, bundle)

        def submit(fire_at: datetime) -> None:
            dossiers.submit_dossier(
                setup,
                applicant,
                SubmitDossier(
                    procedure="timer_probe",
                    unit=UNIT,
                    applicant=Applicant(full_name="Nguyễn Văn An", id_number="001090012345"),
                    data={"fire_at": fire_at.isoformat()},
                ),
            )
            setup_clock.advance(timedelta(seconds=20))

        # Calibrate the creation rate; these stay pending (due tomorrow) all along.
        started = time.perf_counter()
        for _ in range(CALIBRATION):
            submit(datetime.now(UTC) + timedelta(days=1))
        per_dossier = (time.perf_counter() - started) / CALIBRATION
        measured = count - CALIBRATION
        first_due = datetime.now(UTC) + timedelta(seconds=measured * per_dossier * 1.3 + 10)
        for index in range(measured):
            submit(first_due + timedelta(seconds=index * window / measured))
        setup.close()
        if datetime.now(UTC) >= first_due:
            raise SystemExit("set-up overran the first due time; rerun on a quieter machine")

        ctx = build(settings)
        done, fired, guard = threading.Event(), [0], threading.Lock()

        def on_fired(_: str) -> None:
            with guard:
                fired[0] += 1
                if fired[0] >= measured:
                    done.set()

        scheduler = TimerScheduler(ctx, workers=workers, on_fired=on_fired)
        scheduler.start()
        wait = (first_due - datetime.now(UTC)).total_seconds() + window + 600
        complete = done.wait(timeout=wait)
        scheduler.stop()
        with ctx.uow(write=False) as uow:
            rows = [
                (row.due_at, row.closed_at)
                for row in uow.session.scalars(
                    select(Timer).where(Timer.bpmn_id == "wait_until", Timer.status == "fired")
                )
            ]
        ctx.close()
    lateness = [(closed - due).total_seconds() * 1000 for due, closed in rows if closed]
    return Phase(count, window, len(rows), complete, lateness)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phases", default="1000:30,10000:300", help="N:W,N:W,...")
    parser.add_argument("--poll", type=int, default=2, help="scheduler poll interval, seconds")
    parser.add_argument("--workers", type=int, default=2, help="scheduler firing threads")
    args = parser.parse_args()
    results = []
    for spec in args.phases.split(","):
        count, window = spec.split(":")
        phase = run_phase(int(count), float(window), args.poll, args.workers)
        results.append(phase)
        print(
            f"{phase.pending:>6} pending, {phase.fired} fired over {phase.window:.0f} s "
            f"({phase.fired / phase.window:.0f}/s){'' if phase.complete else ' INCOMPLETE'}: "
            f"lateness p50 {phase.p50:.0f} ms, p99 {phase.p99:.0f} ms, "
            f"max {max(phase.lateness_ms):.0f} ms",
            flush=True,
        )
    if len(results) > 1:
        first, last = results[0], results[-1]
        print(
            f"{last.pending} vs {first.pending} pending: p50 x{last.p50 / max(first.p50, 1):.1f}, "
            f"p99 x{last.p99 / max(first.p99, 1):.1f}"
        )


if __name__ == "__main__":
    main()
