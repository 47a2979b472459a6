"""Form patterns (`pattern`, `patternProperties`, `propertyNames`, `format: regex`) run on RE2:
linear-time matching whatever the input, so no pattern an analyst writes can make a citizen's
submission take seconds (issue 12, ReDoS). The deploy check refuses what RE2 cannot compile
(backreferences, lookaround) and patterns too long or too deeply nested to be reasonable.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

MAX_PATTERN_LENGTH = 1_000
MAX_PATTERN_NESTING = 32
#: RE2's memory budget for one compiled pattern (its default is 8 MiB).
PATTERN_MAX_MEM = 1 << 20


def pattern_problem(value: Any) -> str | None:
    """Why `value` cannot be a form's pattern (RE2 syntax, bounded); None when it can."""
    if not isinstance(value, str):
        return "a pattern must be a string"
    return _string_pattern_problem(value)


@lru_cache(maxsize=4096)
def _string_pattern_problem(value: str) -> str | None:
    nesting = _group_nesting(value)
    if nesting > MAX_PATTERN_NESTING:
        return f"the pattern nests {nesting} groups; at most {MAX_PATTERN_NESTING} are allowed"
    if len(value) > MAX_PATTERN_LENGTH:
        return f"the pattern is longer than {MAX_PATTERN_LENGTH} characters"
    try:
        compiled_pattern(value)
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        if isinstance(reason, bytes):
            reason = reason.decode("utf-8", "replace")
        return (
            f"the pattern is not RE2 syntax ({reason}); backreferences and lookaround "
            "are not allowed"
        )
    return None


@lru_cache(maxsize=4096)
def compiled_pattern(value: str) -> Any:
    """The RE2 program for a pattern (linear-time matching, whatever the input)."""
    options = re2.Options()
    options.log_errors = False
    options.max_mem = PATTERN_MAX_MEM
    return re2.compile(value, options)


def _group_nesting(value: str) -> int:
    depth = deepest = 0
    escaped = in_class = False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif char == ")":
            depth = max(0, depth - 1)
    return deepest
