"""Tokens are checked against the engine's clock, not the wall clock: a frozen clock after today
(a scenario dated next year) issues tokens that verify; a token issued in our future is not ours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from engine.errors import AuthenticationError
from engine.security.credentials import ISSUED_AT_LEEWAY_SECONDS, Tokens

LATER = datetime(2031, 3, 10, 2, 0, tzinfo=UTC)  # after the wall clock of any run of this suite


def test_a_token_issued_and_checked_on_a_later_clock_verifies() -> None:
    tokens = Tokens("test-secret-" + "x" * 40, ttl_seconds=900)
    token = tokens.issue(7, "leader", ["leader"], "000.00.07.H29", LATER)
    assert tokens.verify(token, LATER + timedelta(minutes=5)).user_id == 7


def test_a_token_issued_in_our_future_is_refused() -> None:
    tokens = Tokens("test-secret-" + "x" * 40, ttl_seconds=900)
    token = tokens.issue(7, "leader", ["leader"], "000.00.07.H29", LATER)
    early = LATER - timedelta(seconds=ISSUED_AT_LEEWAY_SECONDS + 1)
    with pytest.raises(AuthenticationError):
        tokens.verify(token, early)
    skewed = LATER - timedelta(seconds=ISSUED_AT_LEEWAY_SECONDS - 1)
    assert tokens.verify(token, skewed).username == "leader"
