"""The outbox delivers every status change and document of every dossier to the national portal
exactly once per idempotency key, in order per dossier, whatever the portal does (docs/domain.md
§7, docs/integration.md). The portal is the fake one (`motcua dvcqg-peer`), a real HTTP server
on a local port; back-off is waited out by moving the frozen clock."""

from __future__ import annotations

import logging
import os
import random
from collections import defaultdict
from datetime import timedelta

import pytest

from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.dispatcher import OutboxDispatcher
from engine.peers.fake_dvcqg import FakeDvcqg
from engine.services import outbox
from engine.services.audit_dossiers import replay_dossier
from storage.statuses import OutboxState
from tests.conftest import ADMIN
from tests.outbox.support import accepted_dossiers, by_state, drain, messages
from tests.support import HttpApi

#: The issue's count; MOTCUA_TEST_OUTBOX_DOSSIERS sets another.
DOSSIERS = int(os.environ.get("MOTCUA_TEST_OUTBOX_DOSSIERS", "200"))


def _arrived_in_order(ctx: EngineContext, peer: FakeDvcqg) -> dict[str, list[int]]:
    """Every outbox key arrived once, and each dossier's in the order of its events."""
    rows = messages(ctx)
    accepted = peer.snapshot()["accepted"]
    keys = [item["key"] for item in accepted]
    assert len(keys) == len(set(keys))
    assert sorted(keys) == sorted(row.key for row in rows)
    sequences: dict[str, list[int]] = defaultdict(list)
    for item in accepted:
        code, _, seq = item["key"].rpartition(":")
        assert item["body"]["MaHoSo"] == code
        sequences[code].append(int(seq))
    for code, seqs in sequences.items():
        assert seqs == sorted(seqs), f"{code} arrived out of order: {seqs}"
    return sequences


def test_every_change_of_many_dossiers_arrives_once_in_order_though_the_portal_fails(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock, peer: FakeDvcqg
) -> None:
    peer.control({"fail": 25})
    codes = accepted_dossiers(http, DOSSIERS, to_the_end=10)
    rows = messages(ctx)
    # submitted, accepted, Mẫu 01, in process; and for ten: resolved, result, returned, ...
    assert len({row.dossier_code for row in rows}) == DOSSIERS
    assert all(row.state == OutboxState.PENDING for row in rows)

    drain(ctx, clock)

    assert by_state(ctx) == {OutboxState.DELIVERED: len(rows)}
    assert peer.snapshot()["failed"] == 25
    sequences = _arrived_in_order(ctx, peer)
    assert set(sequences) == set(codes)
    statuses: dict[str, list[int]] = defaultdict(list)
    for item in peer.snapshot()["accepted"]:
        body = item["body"]
        if not body["TepDinhKem"] or body["TrangThaiHoSo"] not in statuses[body["MaHoSo"]]:
            statuses[body["MaHoSo"]].append(body["TrangThaiHoSo"])
    assert statuses[codes[0]][:3] == [1, 2, 4] and statuses[codes[0]][-1] == 10
    assert statuses[codes[-1]] == [1, 2, 4]
    bodies = [item["body"] for item in peer.snapshot()["accepted"]]
    # acceptance carries the appointment set with it; Mẫu 01 arrives with its number and hash
    assert all(b["NgayHenTra"] for b in bodies if b["TrangThaiHoSo"] == 2)
    receipts = [f for b in bodies for f in b["TepDinhKem"] if f.get("SoHieu")]
    assert len(receipts) >= DOSSIERS and all(len(f["MaHash"]) == 64 for f in receipts)
    assert {b["MaTTHC"] for b in bodies} == {"1.000000.000.00.00.H29"}


def test_a_failed_delivery_waits_its_back_off_and_holds_back_the_dossiers_later_messages(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock, peer: FakeDvcqg
) -> None:
    [code] = accepted_dossiers(http, 1)
    peer.control({"fail": 1})
    dispatcher = OutboxDispatcher(ctx, rng=random.Random(1))
    assert dispatcher.drain() == 1  # the first message failed; the others wait behind it
    first, *later = messages(ctx)
    assert (first.state, first.attempts) == (OutboxState.PENDING, 1)
    assert "503" in (first.last_error or "")
    # base 2 s: after the first failure, between 1 and 2 s
    assert timedelta(seconds=1) <= first.next_attempt_at - clock.now() <= timedelta(seconds=2)
    assert all(row.attempts == 0 for row in later)
    assert peer.snapshot()["received"] == 1

    assert dispatcher.drain() == 0  # not yet due: nothing is tried
    clock.advance(timedelta(seconds=2))
    dispatcher.drain()
    assert by_state(ctx) == {OutboxState.DELIVERED: 1 + len(later)}
    _arrived_in_order(ctx, peer)
    dispatcher.close()


def test_answers_past_the_timeout_are_sent_again_and_the_duplicates_dropped_by_key(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock, peer: FakeDvcqg
) -> None:
    accepted_dossiers(http, 12)
    peer.control({"hang": 5, "hang_seconds": 4.0})  # the client gives up after 1 s

    drain(ctx, clock)

    rows = messages(ctx)
    assert by_state(ctx) == {OutboxState.DELIVERED: len(rows)}
    # (on a loaded machine another answer may miss the timeout too: at least the held ones)
    timed_out = [row for row in rows if row.attempts > 1]
    assert len(timed_out) >= 5
    # the portal got them the first time too: what came again was dropped by key
    assert peer.snapshot()["duplicates"] >= 5
    _arrived_in_order(ctx, peer)


def test_a_slow_portal_within_the_timeout_gets_everything_at_the_first_attempt(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock, peer: FakeDvcqg
) -> None:
    accepted_dossiers(http, 5)
    peer.control({"delay_seconds": 0.2})
    drain(ctx, clock)
    assert {row.attempts for row in messages(ctx)} == {1}
    _arrived_in_order(ctx, peer)


def test_a_message_older_than_the_maximum_age_is_parked_dead_logged_and_retried_on_demand(
    http: HttpApi,
    ctx: EngineContext,
    clock: FrozenClock,
    peer: FakeDvcqg,
    caplog: pytest.LogCaptureFixture,
) -> None:
    [code] = accepted_dossiers(http, 1)
    peer.control({"fail": 1_000_000})
    dispatcher = OutboxDispatcher(ctx, rng=random.Random(2))
    with caplog.at_level(logging.ERROR, logger="motcua.outbox"):
        for _ in range(100):
            dispatcher.drain()
            if by_state(ctx).get(OutboxState.DEAD):
                break
            clock.advance(timedelta(hours=1))
    first, *later = messages(ctx)
    assert first.state == OutboxState.DEAD and first.attempts > 5
    assert all(row.state == OutboxState.PENDING and row.attempts == 0 for row in later)
    assert any(
        "parked as dead" in r.getMessage() and first.key in r.getMessage() for r in caplog.records
    )

    peer.control({"fail": 0})
    dispatcher.drain()
    assert by_state(ctx)[OutboxState.DEAD] == 1  # a dead message still holds its dossier back
    outbox.retry(ctx, ADMIN, first.id)
    dispatcher.drain()
    assert by_state(ctx) == {OutboxState.DELIVERED: 1 + len(later)}
    _arrived_in_order(ctx, peer)
    dispatcher.close()


def test_replaying_a_dossier_sends_and_writes_nothing(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock, peer: FakeDvcqg
) -> None:
    [code] = accepted_dossiers(http, 1, to_the_end=1)
    before = [(row.id, row.key) for row in messages(ctx)]
    result = replay_dossier(ctx, ADMIN, code)
    assert result.complete and result.matches_stored is True
    assert [(row.id, row.key) for row in messages(ctx)] == before
    assert peer.snapshot()["received"] == 0
