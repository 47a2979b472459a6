"""What the outbox tests share: settings pointing at a fake national portal, dossiers moved
through their statuses over the HTTP API, and draining the outbox with a frozen clock."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.dispatcher import OutboxDispatcher
from engine.settings import Settings
from storage.outbox_models import OutboxMessage
from storage.statuses import OutboxState
from tests.conftest import make_settings
from tests.support import ACCEPT, APPRAISE, LEADER_APPROVE, RETURN, HttpApi

#: cap_lai_the_bhyt's diagram has no national code yet (it says so): the tests give it one.
PROCEDURE_CODES = "cap_lai_the_bhyt=1.000000.000.00.00.H29,bhxh_mot_lan=1.000001.000.00.00.H29"
#: The client's timeout: the fake's held answers (timeouts) last longer.
TIMEOUT_SECONDS = "1"


def outbox_settings(var_dir: Path, database_url: str, url: str, **extra: str) -> Settings:
    return make_settings(
        var_dir,
        database_url,
        MOTCUA_DVCQG_URL=url,
        MOTCUA_DVCQG_PROCEDURE_CODES=PROCEDURE_CODES,
        MOTCUA_DVCQG_TIMEOUT_SECONDS=TIMEOUT_SECONDS,
        **extra,
    )


def accepted_dossiers(http: HttpApi, count: int, *, to_the_end: int = 0) -> list[str]:
    """`count` dossiers submitted and accepted (statuses 1, 2, 4 and Mẫu 01); the first
    `to_the_end` of them also resolved and returned (9, 10 and the result)."""
    codes = []
    for index in range(count):
        code: str = http.submit()["code"]
        http.act(code, "reception", ACCEPT)
        if index < to_the_end:
            http.act(code, "specialist", APPRAISE)
            http.act(code, "leader", LEADER_APPROVE)
            http.act(code, "reception", RETURN)
        codes.append(code)
    return codes


def messages(ctx: EngineContext) -> list[OutboxMessage]:
    with ctx.uow(write=False) as uow:
        rows = list(
            uow.session.scalars(
                select(OutboxMessage).order_by(OutboxMessage.dossier_code, OutboxMessage.seq)
            )
        )
        uow.session.expunge_all()
        return rows


def by_state(ctx: EngineContext) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for row in messages(ctx):
        counts[row.state] += 1
    return dict(counts)


def drain(ctx: EngineContext, clock: FrozenClock, *, rounds: int = 40) -> None:
    """Deliver until nothing is pending: each round drains what is due, then moves the frozen
    clock past the longest back-off a failure can have been given so far."""
    with OutboxDispatcher(ctx, rng=random.Random(18)) as dispatcher:
        for _ in range(rounds):
            dispatcher.drain()
            if by_state(ctx).get(OutboxState.PENDING, 0) == 0:
                return
            clock.advance(timedelta(seconds=ctx.settings.outbox.backoff_max_seconds))
    errors = {row.last_error for row in messages(ctx) if row.last_error}
    raise AssertionError(f"the outbox did not drain: {by_state(ctx)} {errors}")
