"""A server process's log lines are masked whichever of our loggers writes them: a filter on
the `motcua` logger alone does not see what `motcua.api`, `motcua.web` or `motcua.scheduler`
log, so the masking sits on the process's log handler."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import UTC

import pytest

from api.logs import configure_process_logging


@pytest.fixture
def root_handlers() -> Iterator[None]:
    root = logging.getLogger()
    saved, level = list(root.handlers), root.level
    root.handlers = []
    yield
    root.handlers, root.level = saved, level


def test_every_motcua_logger_is_masked_in_a_server_process(root_handlers: None) -> None:
    configure_process_logging(UTC)
    written = io.StringIO()
    for handler in logging.getLogger().handlers:
        handler.setStream(written)  # type: ignore[attr-defined]
    names = ("motcua", "motcua.api", "motcua.web", "motcua.scheduler")
    for name in names:
        logging.getLogger(name).warning("[%s] lookup by 001090012345 from 0912345678", name)
    written_lines = written.getvalue().splitlines()
    assert {name for name in names if any(f"[{name}]" in line for line in written_lines)} == set(
        names
    )
    assert all("001090012345" not in line and "0912345678" not in line for line in written_lines)
