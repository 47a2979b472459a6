"""CI runs what the documentation advertises: the quality gate first, then the suites."""

from __future__ import annotations

import re
from pathlib import Path

CI_RUN = Path(__file__).resolve().parents[2] / ".ci" / "run"


def _commands() -> list[str]:
    """The script's top-level command lines, in order (functions and comments left out)."""
    lines, depth = [], 0
    for raw in CI_RUN.read_text("utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if depth or re.match(r"^[a-z_]+\(\)\s*\{", line):
            depth += line.count("{") - line.count("}")
            continue
        if line:
            lines.append(line)
    return lines


def test_ci_runs_make_check_before_any_test_suite() -> None:
    commands = _commands()
    check = next((i for i, c in enumerate(commands) if re.search(r"\bmake check\b", c)), None)
    first_suite = next(i for i, c in enumerate(commands) if "make test" in c or "pytest" in c)
    assert check is not None, "`.ci/run` must run `make check`"
    assert check < first_suite, "the quality gate runs first, so a lint failure fails fast"
