"""What the outbox tests share: a fake national portal (a real HTTP server on a local port) and
settings that point the outbox at it (a module may override `settings`)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from engine.peers.fake_dvcqg import FakeDvcqg
from engine.settings import Settings
from tests.outbox.support import outbox_settings


@pytest.fixture
def peer() -> Iterator[FakeDvcqg]:
    fake = FakeDvcqg().start()
    yield fake
    fake.stop()


@pytest.fixture
def settings(tmp_path: Path, database_url: str, peer: FakeDvcqg) -> Settings:
    return outbox_settings(tmp_path / "var", database_url, peer.url)
