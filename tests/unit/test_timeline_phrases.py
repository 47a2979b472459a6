"""Auditors read each event as a sentence: phrases fill in the step and the payload's fields."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from engine.audit.timeline import DESCRIBERS, PHRASES, timeline_entries
from engine.events import GENESIS_HASH
from storage.audit import EventRow


def _row(type_: str, payload: dict[str, Any], bpmn_id: str | None = "appraise") -> EventRow:
    return EventRow(
        id=1,
        chain="dossier:000.00.07.H29-260310-0001",
        seq=1,
        dossier_id=1,
        occurred_at=datetime(2026, 3, 10, 2, 0, tzinfo=UTC),
        type=type_,
        actor_user_id=7,
        actor_username="specialist",
        actor_role="specialist",
        actor_unit="000.00.07.H29",
        bpmn_id=bpmn_id,
        payload=payload,
        prev_hash=GENESIS_HASH,
        hash="",
    )


def _words(type_: str, payload: dict[str, Any]) -> tuple[str, str]:
    return DESCRIBERS[type_](_row(type_, payload), "Thẩm định hồ sơ")


def test_a_phrase_names_the_step_and_shortens_times() -> None:
    vi, en = _words("timer_fired", {"due_at": "2026-03-18T00:30:00.000000+00:00"})
    assert vi == "Đến hẹn giờ «Thẩm định hồ sơ» (hẹn 2026-03-18 00:30 UTC)"
    assert en == "Timer 'Thẩm định hồ sơ' fired (due 2026-03-18 00:30 UTC)"


def test_submitted_text_is_shown_as_given_never_interpreted() -> None:
    _, en = _words("file_uploaded", {"name": "{step} {__class__} ảnh.pdf"})
    assert en == "Uploaded file '{step} {__class__} ảnh.pdf'"


def test_a_missing_field_is_visible_not_an_error() -> None:
    assert _words("timer_failed", {})[1] == "Timer 'Thẩm định hồ sơ' failed: None"
    assert _words("deadline_set", {"sla": "7 working_days"})[1] == (
        "Appointment set:  (7 working_days)"
    )


@pytest.mark.parametrize("type_", sorted(PHRASES))
def test_every_phrased_event_reads_as_itself_in_the_timeline(type_: str) -> None:
    (entry,) = timeline_entries([_row(type_, {"due_at": None})], GENESIS_HASH, None)
    assert entry.action != f"Sự kiện «{type_}»" and entry.action_en != f"Event '{type_}'"
    assert "{" not in entry.action and "{" not in entry.action_en
