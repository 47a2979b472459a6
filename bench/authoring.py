"""Cost of the authoring checks and of the sandbox bounds, as ratios measured in one run.

    .venv/bin/python bench/authoring.py

Prints, per procedure in bpmn/, the time of the full deploy checks against a bare
SpiffWorkflow parse of the same diagram, and the cost of evaluating a gateway condition and a
small script in the bounded sandbox against plain `eval`/`exec` of the same compiled code.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

from SpiffWorkflow.spiff.parser import SpiffBpmnParser

from engine.definitions.bundles import bundle_from_directory, validate_bundle
from engine.spiff.scripting import SandboxedEnvironment

REPO = Path(__file__).resolve().parent.parent


def timed(action: Callable[[], object], repeat: int = 7, number: int = 20) -> float:
    """Median seconds per call over `repeat` runs of `number` calls."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(number):
            action()
        runs.append((time.perf_counter() - started) / number)
    return statistics.median(runs)


def bare_parse(source: bytes, key: str) -> None:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(source, f"{key}.bpmn")
    parser.get_spec(key)


def main() -> None:
    for diagram in sorted((REPO / "bpmn").glob("*.bpmn")):
        files = bundle_from_directory(diagram, REPO / "forms")
        source = files[diagram.name]
        checks = timed(partial(validate_bundle, files))
        bare = timed(partial(bare_parse, source, diagram.stem))
        print(
            f"{diagram.stem:24} deploy checks {checks * 1000:6.1f} ms, bare parse "
            f"{bare * 1000:5.1f} ms, ratio {checks / bare:4.1f}"
        )
    env = SandboxedEnvironment()
    data = {"decision": "accept", "supplement_rounds": 0, "months": list(range(120))}
    condition = 'decision == "accept" and supplement_rounds == 0'
    script = "total = 0\nfor m in months:\n    total = total + m"
    plain_condition = compile(condition, "<plain>", "eval")
    plain_script = compile(script, "<plain>", "exec")

    def plain_eval() -> object:
        return eval(plain_condition, dict(data))  # noqa: S307 - a fixed benchmark expression

    def plain_exec() -> None:
        exec(plain_script, dict(data))  # noqa: S102 - a fixed benchmark script

    cases: list[tuple[str, Callable[[], object], Callable[[], object]]] = [
        ("condition", lambda: env.evaluate(condition, dict(data)), plain_eval),
        ("120-step script", lambda: env.execute(script, dict(data)), plain_exec),
    ]
    for label, sandboxed, plain in cases:
        bounded = timed(sandboxed, number=2000)
        bare = timed(plain, number=2000)
        print(
            f"{label:24} sandboxed {bounded * 1e6:6.1f} µs, plain {bare * 1e6:5.1f} µs, "
            f"ratio {bounded / bare:4.1f}"
        )


if __name__ == "__main__":
    main()
