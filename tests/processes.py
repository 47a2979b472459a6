"""Run a function in many separate OS processes at once, each with its own engine and pool.

Threads share one interpreter, one engine and one connection pool; production has several
gunicorn workers. These helpers start real processes (forkserver: cheap, and safe however many
threads the test process has) and release them together through a barrier.
"""

from __future__ import annotations

import multiprocessing
import queue
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from multiprocessing.synchronize import Barrier
from typing import Any

from flask.testing import FlaskClient

from api import create_app
from engine.clock import FrozenClock
from engine.context import EngineContext, build
from engine.settings import Settings

_PRELOAD = ["api", "engine.services.tasks", "engine.services.dossiers", "tests.processes"]
BARRIER_TIMEOUT_S = 120


def run_in_processes(
    target: Callable[..., Any], arguments: Sequence[tuple[Any, ...]], *, timeout: float = 300
) -> list[Any]:
    """`target(barrier, *args)` in one process per argument tuple; results in argument order.

    `target` must be a module-level function; it should do its set-up, then `barrier.wait()`,
    then the contended work. Any exception in a child fails the caller with its traceback.
    """
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(_PRELOAD)
    barrier = context.Barrier(len(arguments))
    results: multiprocessing.Queue[tuple[int, bool, Any]] = context.Queue()
    children = [
        context.Process(target=_child, args=(target, barrier, results, index, args))
        for index, args in enumerate(arguments)
    ]
    for child in children:
        child.start()
    outcomes: dict[int, tuple[bool, Any]] = {}
    deadline = time.monotonic() + timeout
    try:
        while len(outcomes) < len(children):
            remaining = deadline - time.monotonic()
            try:
                index, ok, value = results.get(timeout=max(remaining, 0.1))
            except queue.Empty:
                if remaining <= 0:
                    raise AssertionError(
                        f"{len(children) - len(outcomes)} processes did not finish"
                    ) from None
                continue
            outcomes[index] = (ok, value)
    finally:
        for child in children:
            child.join(timeout=10)
            if child.is_alive():
                child.kill()
    failures = [value for ok, value in outcomes.values() if not ok]
    assert not failures, "a child process failed:\n" + "\n".join(failures[:3])
    return [outcomes[index][1] for index in range(len(children))]


def _child(
    target: Callable[..., Any],
    barrier: Barrier,
    results: multiprocessing.Queue[tuple[int, bool, Any]],
    index: int,
    args: tuple[Any, ...],
) -> None:
    try:
        results.put((index, True, target(barrier, *args)))
    except BaseException:  # reported to the parent, which fails the test
        barrier.abort()
        results.put((index, False, traceback.format_exc()))


@contextmanager
def worker(settings: Settings, now: datetime) -> Iterator[tuple[EngineContext, FlaskClient]]:
    """What one API worker process has: its own engine context (frozen at `now`) and app."""
    ctx = build(settings, clock=FrozenClock(now))
    try:
        with ctx.uow(write=False) as uow:  # connect before the race starts
            uow.units.all()
        yield ctx, create_app(context=ctx).test_client()
    finally:
        ctx.close()


def wait(barrier: Barrier) -> None:
    barrier.wait(timeout=BARRIER_TIMEOUT_S)
