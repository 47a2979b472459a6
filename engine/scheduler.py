"""The timer scheduler: wakes at each timer's due time and fires it (docs/architecture.md s.4).

It also signs the audit checkpoints every `MOTCUA_CHECKPOINT_SECONDS` (docs/architecture.md s.5),
runs the outbox's dispatcher every `MOTCUA_OUTBOX_POLL_SECONDS` (docs/integration.md): the
one process that delivers messages to other systems, under the same lock, and sweeps the portal's
staged uploads never attached every `MOTCUA_STAGED_SWEEP_SECONDS` (docs/web.md).

Exactly one scheduler fires timers per database: it holds a singleton lock (a PostgreSQL advisory
lock, or an exclusive file lock next to the SQLite database). Any other scheduler logs that it is
standing by and retries the lock every poll interval, so it takes over when the active one stops.

The active scheduler sweeps every poll interval: it fires every pending timer already due (a
restart, a timer armed in the past), and gives APScheduler a one-off job at the due time of each
timer due within the look-ahead window. Each firing is its own idempotent transaction
(`engine.services.timers.fire_timer`), so a sweep and a wake-up racing for a timer fire it once.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler

from engine.context import EngineContext
from engine.dispatcher import OutboxDispatcher
from engine.errors import ConcurrentModificationError, EngineError
from engine.security.authz import SYSTEM_ACTOR
from engine.services import acknowledgements, audit, health, staging, timers
from storage.errors import is_database_error
from storage.locks import SingletonLock, singleton_lock

log = logging.getLogger("motcua.scheduler")
LOCK_NAME = "motcua-scheduler"
#: How often the active scheduler looks for late acknowledgements (R-2.4).
ACKNOWLEDGEMENT_CHECK_SECONDS = 60
SWEEP_BATCH = 500
FIRE_ATTEMPTS = 3
#: At most this many timers fired per pass, and no new firing once a pass has run this long.
PASS_MAX_FIRINGS = 200
PASS_SECONDS = 10.0


class TimerScheduler:
    """Start with `start()`, stop with `stop()`; `run_once()` fires what is due and returns."""

    def __init__(
        self,
        ctx: EngineContext,
        *,
        poll_seconds: float | None = None,
        lookahead_seconds: float | None = None,
        workers: int = 3,
        lock: SingletonLock | None = None,
        dispatcher: OutboxDispatcher | None = None,
        on_fired: Callable[[str], None] | None = None,
        max_firings: int = PASS_MAX_FIRINGS,
        pass_seconds: float = PASS_SECONDS,
    ) -> None:
        self.ctx = ctx
        self.max_firings = max_firings
        self.pass_budget = timedelta(seconds=pass_seconds)
        self.poll_seconds = poll_seconds or ctx.settings.scheduler_poll_seconds
        self.lookahead = timedelta(
            seconds=lookahead_seconds or ctx.settings.scheduler_lookahead_seconds
        )
        self.lock = lock or singleton_lock(ctx.db.engine, LOCK_NAME)
        self.on_fired = on_fired
        #: One job thread drains the outbox; the others fire timers and sign checkpoints.
        self.dispatcher = dispatcher or OutboxDispatcher(ctx)
        self.active = False
        self._scheduled: dict[str, datetime] = {}
        self._guard = threading.Lock()
        self._busy = threading.Condition()
        self._in_flight = 0
        self._stopping = threading.Event()
        self._scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(max_workers=workers)},
            job_defaults={"coalesce": True, "misfire_grace_time": None, "max_instances": 1},
        )

    # -- life cycle -----------------------------------------------------------------------------
    def start(self) -> None:
        """Start; become the active scheduler now (first sweep at once, in the background) or
        stand by. Returns at once either way."""
        self._scheduler.start()
        if not self._try_to_lead():
            log.info("another scheduler holds the %s; standing by", self.lock.description)
            self._scheduler.add_job(
                self.try_take_over, "interval", seconds=self.poll_seconds, id="standby"
            )

    def stop(self) -> None:
        """Stop waking up, wait for firings in progress, and let another scheduler take over."""
        self._stopping.set()  # a sweep under way stops, and books nothing more
        was_active, self.active = self.active, False
        if self._scheduler.running:
            # APScheduler 3 marks itself stopped before it takes its job-store lock, so a one-off
            # job being dispatched at that moment fails to remove itself and kills its thread;
            # and a shutdown that waits for running jobs while holding that lock deadlocks with
            # a job that books another. So: pause, let the dispatch under way finish (it holds
            # the lock), shut down without waiting, then wait for our own jobs.
            self._scheduler.pause()
            with self._scheduler._jobstores_lock:
                pass
            self._scheduler.shutdown(wait=False)
        with self._busy:
            self._busy.wait_for(lambda: self._in_flight == 0)
        self.dispatcher.close()
        if was_active:
            self.lock.release()
            log.info("timer scheduler stopped; %s released", self.lock.description)

    def run_once(self) -> int | None:
        """Fire every timer due now and return how many fired; None if another scheduler is
        active (it does the work)."""
        if not self.lock.try_acquire():
            return None
        try:
            fired = self._fire_overdue()
            with OutboxDispatcher(self.ctx) as dispatcher:  # its connections close at once
                dispatcher.drain(self._stopping.is_set)
            return fired
        finally:
            self.lock.release()

    # -- work -----------------------------------------------------------------------------------
    def sweep(self) -> int:
        """Fire every timer already due, schedule those due soon; returns how many fired."""
        fired = self._fire_overdue()
        if not self.active:
            return fired
        now = self.ctx.clock.now()
        upcoming = timers.due_timers(self.ctx, now + self.lookahead, limit=100_000)
        with self._guard:
            for timer_id, due in upcoming:
                if due > now and self._scheduled.get(timer_id) != due:
                    self._scheduled[timer_id] = due
                    self._scheduler.add_job(
                        self._wake,
                        "date",
                        run_date=due,
                        args=[timer_id],
                        id=f"timer:{timer_id}",
                        replace_existing=True,
                    )
            gone = set(self._scheduled) - {timer_id for timer_id, _ in upcoming}
            for timer_id in gone:  # fired, cancelled or moved beyond the window
                del self._scheduled[timer_id]
                with contextlib.suppress(JobLookupError):
                    self._scheduler.remove_job(f"timer:{timer_id}")
        return fired

    def _fire_overdue(self) -> int:
        """One bounded pass: each due timer tried once, at most `max_firings` of them, until
        the time budget is spent; the rest waits for the next pass."""
        fired, tried = 0, set[str]()
        deadline = self.ctx.clock.now() + self.pass_budget
        while True:
            batch = [
                timer_id
                for timer_id, _ in timers.due_timers(self.ctx, self.ctx.clock.now(), SWEEP_BATCH)
                if timer_id not in tried
            ]
            if not batch:
                return fired
            for timer_id in batch:
                if self._stopping.is_set():
                    return fired
                if len(tried) >= self.max_firings or self.ctx.clock.now() >= deadline:
                    log.warning(
                        "timer pass stopped after %d timers (bound %d, %s s); the rest is due "
                        "at the next pass",
                        len(tried),
                        self.max_firings,
                        self.pass_budget.total_seconds(),
                    )
                    return fired
                tried.add(timer_id)
                fired += self.fire(timer_id)

    def fire(self, timer_id: str) -> bool:
        """Fire one timer, retrying a concurrent change; never raises (the scheduler goes on)."""
        for _attempt in range(FIRE_ATTEMPTS):
            try:
                fired = timers.fire_timer(self.ctx, timer_id)
            except ConcurrentModificationError:
                continue
            except Exception as exc:
                if is_database_error(exc):  # the database is busy or down: the next sweep retries
                    log.exception("timer %s could not be fired", timer_id)
                    return False
                # the diagram's fault, not the database's: park it
                reason = exc.detail if isinstance(exc, EngineError) else _describe(exc)
                log.error("timer %s failed and is parked: %s", timer_id, reason)
                self._park(timer_id, reason)
                return False
            if fired:
                log.info("timer %s fired", timer_id)
                if self.on_fired is not None:
                    self.on_fired(timer_id)
            return fired
        log.warning(
            "timer %s kept conflicting with other changes; the next sweep retries", timer_id
        )
        return False

    def _park(self, timer_id: str, reason: str) -> None:
        try:
            timers.fail_timer(self.ctx, timer_id, reason)
        except Exception:  # the next sweep tries the timer, and parks it, again
            log.exception("timer %s could not be parked", timer_id)

    def checkpoint(self) -> bool:
        """Sign the audit chains' heads (the active scheduler does it every interval); True if
        a new checkpoint was signed. Never raises: a failure is logged and retried next time."""
        with self._job():
            try:
                result = audit.create_checkpoint(self.ctx, SYSTEM_ACTOR)
            except Exception:  # e.g. the database is unreachable for a moment
                log.exception("audit checkpoint failed; retrying next interval")
                return False
        if result.refused:
            log.error("audit checkpoint left out damaged chains: %s", result.refused)
        return result.created

    def check_acknowledgements(self) -> int:
        """Flag the online dossiers whose acknowledgement is over 2 hours late (R-2.4); how
        many. Never raises: a failure is logged and the next check tries again."""
        with self._job():
            try:
                return acknowledgements.check(self.ctx)
            except Exception:
                log.exception("acknowledgement check failed; retrying in a minute")
                return 0

    def sweep_staged_uploads(self) -> int:
        """Delete the staged uploads older than the TTL that nothing holds; how many files.
        Never raises: a failure is logged and the next sweep tries again."""
        with self._job():
            try:
                return staging.sweep_staged_uploads(self.ctx)
            except Exception:
                log.exception("staged-upload sweep failed; retrying next interval")
                return 0

    def dispatch(self) -> int:
        """Deliver the outbox's due messages (the active scheduler does it every poll); how
        many were tried. Never raises: a failure is logged and the next poll tries again."""
        with self._job():
            try:
                return self.dispatcher.drain(lambda: self._stopping.is_set() or not self.active)
            except Exception:  # e.g. the database is unreachable for a moment
                log.exception("outbox dispatch failed; retrying next poll")
                return 0

    def _wake(self, timer_id: str) -> None:
        with self._job():
            try:
                self.fire(timer_id)
            finally:  # only now: a sweep meanwhile must not book this timer's wake-up again
                with self._guard:
                    self._scheduled.pop(timer_id, None)

    @contextlib.contextmanager
    def _job(self) -> Iterator[None]:
        """Count a job in flight, so that `stop` can wait for it."""
        with self._busy:
            self._in_flight += 1
        try:
            yield
        finally:
            with self._busy:
                self._in_flight -= 1
                self._busy.notify_all()

    def _try_to_lead(self) -> bool:
        if self._stopping.is_set() or not self.lock.try_acquire():
            return False
        if self._stopping.is_set():  # stopped while taking the lock: give it back
            self.lock.release()
            return False
        self.active = True
        log.info("timer scheduler active (%s)", self.lock.description)
        self._schedule_sweep(datetime.now(UTC))  # the first sweep catches up with missed timers
        self._scheduler.add_job(
            self.checkpoint,
            "interval",
            seconds=self.ctx.settings.checkpoint_interval_seconds,
            id="checkpoint",
            replace_existing=True,
        )
        self._scheduler.add_job(
            self.check_acknowledgements,
            "interval",
            seconds=ACKNOWLEDGEMENT_CHECK_SECONDS,
            id="acknowledgements",
            replace_existing=True,
        )
        self._scheduler.add_job(
            self.sweep_staged_uploads,
            "interval",
            seconds=self.ctx.settings.staging.sweep_seconds,
            id="staged-uploads",
            replace_existing=True,
        )
        self._schedule_dispatch(datetime.now(UTC))
        return True

    def try_take_over(self) -> bool:
        """What a standing-by scheduler does every poll interval: lead if the lock is free."""
        with self._job():
            if self.active:
                return True
            if not self._try_to_lead():
                return False
            with contextlib.suppress(JobLookupError):
                self._scheduler.remove_job("standby")
            return True

    def _schedule_sweep(self, when: datetime) -> None:
        # A new job each time (APScheduler names it): the one running is removed by id after
        # its run, which must not remove the next one.
        self._scheduler.add_job(self._sweep_job, "date", run_date=when)

    def _schedule_dispatch(self, when: datetime) -> None:
        self._scheduler.add_job(self._dispatch_job, "date", run_date=when)

    def _dispatch_job(self) -> None:
        # Like the sweep: each pass books the next one when it ends, so a long drain (a backlog)
        # never overlaps itself and the next one starts one poll interval after it.
        self.dispatch()
        if self.active and not self._stopping.is_set():
            poll = timedelta(seconds=self.ctx.settings.outbox.poll_seconds)
            self._schedule_dispatch(datetime.now(UTC) + poll)

    def _sweep_job(self) -> None:
        # Each sweep books the next one when it ends: a long catch-up never overlaps itself.
        with self._job():
            try:
                health.beat(self.ctx)  # what `GET /health` reads: a scheduler is alive
                self.sweep()
            except Exception:  # e.g. the database is unreachable for a moment
                log.exception("timer sweep failed; retrying in %s s", self.poll_seconds)
            if self.active:
                self._schedule_sweep(datetime.now(UTC) + timedelta(seconds=self.poll_seconds))


def deliver_outbox_once(ctx: EngineContext) -> int | None:
    """Deliver the outbox's due messages now, under the scheduler's lock (`motcua outbox
    deliver`); how many were tried, or None if a scheduler is active (it delivers them)."""
    lock = singleton_lock(ctx.db.engine, LOCK_NAME)
    if not lock.try_acquire():
        return None
    dispatcher = OutboxDispatcher(ctx)
    try:
        return dispatcher.drain()
    finally:
        dispatcher.close()
        lock.release()


def _describe(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{type(exc).__name__}: {text}"[:300] if text else type(exc).__name__
