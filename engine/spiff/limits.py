"""Bounds on what diagram content may cost while it runs: operations, time, size and loops.

The allow-list in `language` keeps scripts away from the interpreter's internals; `instrument`
rewrites every accepted script so that each loop iteration, comprehension step, call and
arithmetic operation ticks a `Meter`, and every call goes through the checked wrappers of
`guards`. One meter covers a whole step of a dossier (every condition, script and engine task
run for one submission, completion, message or timer firing): at most `MAX_OPERATIONS`
operations, `MAX_TASKS_PER_STEP` engine tasks and `MAX_STEP_SECONDS` of wall time, read from a
monotonic clock by the meter itself (no signal, no thread, no trace function).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

#: Operations (loop iterations, comprehension steps, calls, arithmetic) per step.
MAX_OPERATIONS = 1_000_000
#: Wall time one step may spend running diagram content.
MAX_STEP_SECONDS = 2.0
#: Engine tasks (script tasks, gateways, events, loop instances...) run in one step.
MAX_TASKS_PER_STEP = 250
#: Iterations of one loop activity (standard loop or multi-instance), and the most a diagram
#: may declare as loopCardinality or loopMaximum.
MAX_LOOP_ITERATIONS = 100
#: Longest string, list, tuple or dict a script may build, and the most elements (counted
#: through nested containers, text by its length) a value given to a walking operation may hold.
MAX_ITEMS = 100_000
MAX_INT_BITS = 4_096
#: Longest script or expression text, and how deeply its syntax may nest.
MAX_SOURCE_CHARS = 10_000
MAX_NESTING = 50
MAX_NODES = 5_000
_CHECK_CLOCK_EVERY = 256
DIAGRAM_FILENAME = "<diagram>"


class UnsafeScriptError(ValueError):
    """The diagram text uses something outside the restricted language."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message if line is None else f"line {line}: {message}")
        self.line = line


class ScriptLimitError(UnsafeScriptError):
    """Diagram content ran too long or tried to build a value that is too large."""


class Meter:
    """Counts the operations and engine tasks of one step against its bounds and deadline.

    `monotonic` is the clock the deadline is read from (tests pass one that advances on each
    reading; nothing here sleeps)."""

    __slots__ = (
        "_deadline",
        "_monotonic",
        "_next_check",
        "max_operations",
        "max_seconds",
        "operations",
        "tasks",
    )

    def __init__(
        self,
        max_operations: int = MAX_OPERATIONS,
        max_seconds: float = MAX_STEP_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_operations = max_operations
        self.max_seconds = max_seconds
        self.operations = 0
        self.tasks = 0
        self._monotonic = monotonic
        self._deadline = monotonic() + max_seconds
        self._next_check = min(_CHECK_CLOCK_EVERY, max_operations + 1)

    def tick(self, count: int = 1) -> bool:
        """Count `count` operations; True, so that it can sit in a comprehension's `if`."""
        self.operations += count
        if self.operations >= self._next_check:
            self._check()
        return True

    def _check(self) -> None:
        if self.operations > self.max_operations:
            raise ScriptLimitError(
                f"the step ran more than {self.max_operations} operations of diagram scripts"
            )
        self.check_deadline()
        self._next_check = min(self.operations + _CHECK_CLOCK_EVERY, self.max_operations + 1)

    def task(self) -> None:
        """Count one engine task run in the step."""
        self.tasks += 1
        if self.tasks > MAX_TASKS_PER_STEP:
            raise ScriptLimitError(
                f"the step ran more than {MAX_TASKS_PER_STEP} tasks; a loop or a chain of "
                "automatic tasks does not end"
            )
        self.check_deadline()

    def check_deadline(self) -> None:
        if self._monotonic() > self._deadline:
            raise ScriptLimitError(f"the step ran longer than {self.max_seconds:g} seconds")


_current: ContextVar[Meter | None] = ContextVar("motcua_step_meter", default=None)


@contextmanager
def metered(meter: Meter | None = None) -> Iterator[Meter]:
    """Run a step under `meter` (a fresh one by default): every evaluation inside counts on it."""
    meter = meter or Meter()
    token = _current.set(meter)
    try:
        yield meter
    finally:
        _current.reset(token)


def current_meter() -> Meter:
    """The meter of the running step, or a fresh one for an evaluation outside any step."""
    return _current.get() or Meter()
