"""CPU seconds used by processes, from /proc (Linux): what a request costs, whatever else the
shared machine is doing at the time."""

from __future__ import annotations

import os
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # the process ended
        return None
    return raw[raw.rindex(")") + 2 :].split()  # fields after "pid (comm)"


def cpu_seconds(pids: list[int]) -> float:
    """user + system CPU of the given processes (those that ended count as 0)."""
    total = 0
    for pid in pids:
        fields = _stat(pid)
        if fields is not None:
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICKS


def process_group(pgid: int) -> list[int]:
    """Every live process of a process group (a server's master and workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            fields = _stat(int(entry.name))
            if fields is not None and int(fields[2]) == pgid:  # pgrp
                found.append(int(entry.name))
    return found
