"""Dossier codes `<unit>-<YYMMDD>-<NNNN>`: local date, daily per unit, unique (R-3.1)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from engine.context import EngineContext
from engine.errors import CodeSequenceExhaustedError
from engine.identifiers.codes import CODE_PATTERN, DAILY_LIMIT
from storage.models import CodeSequence
from tests.support import UNIT

VN = ZoneInfo("Asia/Ho_Chi_Minh")


def _next(ctx: EngineContext, at: datetime, unit: str = UNIT) -> str:
    with ctx.uow() as uow:
        code = ctx.codes.next_code(uow, unit, at.astimezone(ctx.tz).date())
        uow.commit()
    return code


def test_the_date_part_is_the_local_date_in_hanoi(bare_ctx: EngineContext) -> None:
    late_evening_utc = datetime(
        2026, 3, 10, 18, 30, tzinfo=ZoneInfo("UTC")
    )  # 01:30 on the 11th in Hanoi
    code = _next(bare_ctx, late_evening_utc)
    assert code == f"{UNIT}-260311-0001"
    match = CODE_PATTERN.match(code)
    assert match is not None and match["unit"] == UNIT


def test_the_sequence_restarts_each_day_and_differs_per_unit(bare_ctx: EngineContext) -> None:
    day = datetime(2026, 3, 10, 9, tzinfo=VN)
    assert [_next(bare_ctx, day) for _ in range(2)] == [
        f"{UNIT}-260310-0001",
        f"{UNIT}-260310-0002",
    ]
    assert _next(bare_ctx, day, "000.00.08.H29") == "000.00.08.H29-260310-0001"
    assert _next(bare_ctx, day + timedelta(days=1)) == f"{UNIT}-260311-0001"


def test_the_ten_thousandth_dossier_of_a_day_is_an_explicit_error(bare_ctx: EngineContext) -> None:
    day = datetime(2026, 3, 10, 9, tzinfo=VN)
    with bare_ctx.uow() as uow:
        uow.session.add(CodeSequence(unit_code=UNIT, day="260310", last_value=DAILY_LIMIT - 1))
        uow.commit()
    assert _next(bare_ctx, day) == f"{UNIT}-260310-9999"
    with pytest.raises(CodeSequenceExhaustedError, match="all 9999 dossier codes"):
        _next(bare_ctx, day)
    with pytest.raises(CodeSequenceExhaustedError):
        _next(bare_ctx, day)
    assert _next(bare_ctx, day + timedelta(days=1)) == f"{UNIT}-260311-0001"


def test_concurrent_threads_get_distinct_gap_free_codes(bare_ctx: EngineContext) -> None:
    day = datetime(2026, 3, 10, 9, tzinfo=VN)
    barrier = threading.Barrier(8)

    def take(_: int) -> list[str]:
        barrier.wait()
        return [_next(bare_ctx, day) for _ in range(25)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = [code for batch in pool.map(take, range(8)) for code in batch]
    assert len(set(codes)) == 200
    assert sorted(int(code.rsplit("-", 1)[1]) for code in codes) == list(range(1, 201))
