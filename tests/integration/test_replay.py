"""Replay rebuilds a dossier from its events, reports mismatches, and takes new event types."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from sqlalchemy import delete, insert, select, update

from engine import events
from engine.audit.replay_handlers import HANDLERS, replays
from engine.audit.replay_state import Replay
from engine.context import EngineContext
from engine.errors import NotFoundError, ValidationFailedError
from engine.events import dossier_chain
from engine.services import audit, definitions
from engine.services.audit_dossiers import replay_dossier
from storage.audit import EventRow
from storage.audit_models import Event
from storage.models import Dossier, DossierFile, WorkItem
from tests.conftest import ADMIN, REPO
from tests.integration.test_tamper import stored
from tests.support import ACCEPT, APPRAISE, LEADER_APPROVE, REFUSE, HttpApi
from tests.tampering import rewrite_chain, tampering


@pytest.fixture
def accepted(http: HttpApi) -> str:
    code: str = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    http.claim(http.task_for(code, "specialist")["id"], "specialist")
    return code


def test_replay_to_the_end_equals_the_stored_dossier(accepted: str, ctx: EngineContext) -> None:
    result = replay_dossier(ctx, ADMIN, accepted)
    assert result.complete and result.matches_stored is True
    assert result.problems == [] and result.mismatches == []
    assert result.dossier is not None and result.dossier.status.code == 4
    [step] = result.dossier.current_steps
    assert (step.bpmn_id, step.role, step.claimed_by) == ("appraise", "specialist", "specialist")
    assert result.data["submission"]["social_insurance_code"] == "0123456789"


def test_replay_until_an_event_shows_the_state_after_its_step(
    accepted: str, ctx: EngineContext
) -> None:
    # 1 submitted, 2 task opened, 3 claimed, 4 completed (accept), 5 status 2, 6 deadline set,
    # 7 Mẫu 01 issued, 8 status 4, 9 task opened, 10 overdue timer armed
    submitted = replay_dossier(ctx, ADMIN, accepted, until=1)
    assert submitted.at_seq == 2 and not submitted.complete and submitted.matches_stored is None
    assert submitted.dossier is not None and submitted.dossier.status.code == 1
    assert [s.role for s in submitted.dossier.current_steps] == ["reception"]
    assert submitted.dossier.current_steps[0].claimed_by is None
    claimed = replay_dossier(ctx, ADMIN, accepted, until=3)
    assert claimed.dossier is not None and claimed.dossier.current_steps[0].claimed_by
    mid_step = replay_dossier(ctx, ADMIN, accepted, until=5)
    assert mid_step.at_seq == 10  # the acceptance recorded events 4 to 10 in one transaction
    assert mid_step.dossier is not None and mid_step.dossier.received_at is not None
    assert mid_step.dossier.status.code == 4


def test_replay_refuses_events_it_does_not_have(accepted: str, ctx: EngineContext) -> None:
    with pytest.raises(ValidationFailedError) as raised:
        replay_dossier(ctx, ADMIN, accepted, until=99)
    assert raised.value.errors[0].field == "until"
    with pytest.raises(NotFoundError):
        replay_dossier(ctx, ADMIN, "000.00.07.H29-260310-9999")


def test_a_stored_dossier_changed_behind_the_log_is_a_mismatch(
    accepted: str, ctx: EngineContext
) -> None:
    with ctx.db.engine.begin() as conn:
        conn.execute(update(Dossier).where(Dossier.code == accepted).values(status=9))
        conn.execute(
            update(WorkItem)
            .where(WorkItem.bpmn_id == "appraise")
            .values(claimed_by_id=None, claimed_by_username=None, claimed_at=None)
        )
    result = replay_dossier(ctx, ADMIN, accepted)
    assert result.matches_stored is False
    fields = {m.field: (m.replayed, m.stored) for m in result.mismatches}
    assert fields["dossier.status"] == (4, 9)
    [claim] = [name for name in fields if name.endswith(".claimed_by_username")]
    assert fields[claim] == ("specialist", None)
    report = audit.verify_audit_log(ctx, ADMIN, replay=True)
    assert not report.ok and report.replayed == 1
    assert {p.kind for p in report.problems} == {"replay_mismatch"}


def test_a_forgery_with_every_hash_recomputed_is_caught_by_replay(
    http: HttpApi, ctx: EngineContext
) -> None:
    """The forger turns the acceptance into a refusal and re-hashes the whole chain after it:
    the hashes hold, but redoing the step does not give the logged status changes."""
    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    chain = dossier_chain(code)
    with tampering(ctx) as conn:
        rows = [stored(conn, code, seq) for seq in range(1, 11)]
        completed = rows[3]
        data = {**completed.payload["data"], "decision": "refuse", "reasons": "forged"}
        rows[3] = completed._replace(payload={**completed.payload, "data": data})
        rewrite_chain(conn, chain, rows, 3)
    assert audit.verify_audit_log(ctx, ADMIN).ok  # no checkpoint, hashes recomputed: looks fine
    result = replay_dossier(ctx, ADMIN, code)
    [problem] = result.problems
    assert (problem.kind, problem.seq) == ("replay_mismatch", 5)
    assert "payload.to: replay 3, log 2" in problem.detail
    assert not audit.verify_audit_log(ctx, ADMIN, replay=True).ok


def test_a_refused_dossier_replays_to_its_closed_state(http: HttpApi, ctx: EngineContext) -> None:
    code = http.submit()["code"]
    http.act(code, "reception", REFUSE)
    result = replay_dossier(ctx, ADMIN, code)
    assert result.matches_stored is True
    assert result.dossier is not None and result.dossier.status.code == 3
    assert result.dossier.finished_at is not None and result.dossier.current_steps == []


def test_a_returned_dossier_replays_with_its_whole_history(
    http: HttpApi, accepted: str, ctx: EngineContext
) -> None:
    http.complete(http.task_for(accepted, "specialist")["id"], "specialist", APPRAISE)
    http.act(accepted, "leader", {"decision": "return", "comment": "Kiểm tra lại"})
    http.act(accepted, "specialist", APPRAISE)
    http.act(accepted, "leader", LEADER_APPROVE)
    result = replay_dossier(ctx, ADMIN, accepted)
    assert result.matches_stored is True, result.mismatches
    assert result.dossier is not None and result.dossier.status.code == 9


@pytest.fixture
def note_handler() -> Iterator[None]:
    """A feature of another issue adds an event type with one small handler."""

    @replays("note_added")
    def _note(replay: Replay, event: EventRow) -> None:
        replay.dossier.data = {**replay.dossier.data, "note": event.payload["text"]}
        replay.take(event)

    yield
    del HANDLERS["note_added"]


def _add_note(ctx: EngineContext, code: str, text: str) -> None:
    with ctx.uow() as uow:
        dossier = uow.dossiers.by_code(code)
        assert dossier is not None
        dossier.data = {**dossier.data, "note": text}
        events.record(
            uow,
            chain=dossier_chain(code),
            type="note_added",
            actor=ADMIN,
            now=ctx.clock.now(),
            dossier_id=dossier.id,
            payload={"text": text},
        )
        uow.commit()


def test_an_event_type_without_a_handler_stops_replay_and_says_so(
    accepted: str, ctx: EngineContext
) -> None:
    _add_note(ctx, accepted, "xem lại")
    result = replay_dossier(ctx, ADMIN, accepted)
    assert not result.complete and result.matches_stored is None
    [problem] = result.problems
    assert problem.detail == "no replay handler for events of type 'note_added'"


@pytest.mark.usefixtures("note_handler")
def test_a_new_event_type_plugs_in_with_one_handler(accepted: str, ctx: EngineContext) -> None:
    _add_note(ctx, accepted, "xem lại")
    result = replay_dossier(ctx, ADMIN, accepted)
    assert result.matches_stored is True, result.mismatches
    assert result.data["note"] == "xem lại"
    with ctx.uow(write=False) as uow:
        notes = uow.session.scalars(select(Event.type).where(Event.type == "note_added")).all()
    assert notes == ["note_added"]


def test_a_task_cancelled_by_a_message_is_recorded_and_replayed(
    http: HttpApi, ctx: EngineContext
) -> None:
    forms = REPO / "forms" / "cap_lai_the_bhyt"
    deployed = definitions.deploy(
        ctx,
        ADMIN,
        {
            "audit_withdrawable.bpmn": (
                REPO / "tests/fixtures/audit/audit_withdrawable.bpmn"
            ).read_bytes(),
            "submission.json": (forms / "submission.json").read_bytes(),
            "reception_check.json": (forms / "reception_check.json").read_bytes(),
        },
    )
    code = http.submit(procedure=deployed.key)["code"]
    check = http.task_for(code, "reception")
    http.claim(check["id"], "reception")
    http.call("POST", f"/api/v1/dossiers/{code}/supplements", "citizen", json={"data": {}})
    [recheck] = http.dossier(code)["current_steps"]
    assert recheck["bpmn_id"] == "recheck"
    with ctx.uow(write=False) as uow:
        log = list(uow.audit.stream_events(dossier_chain(code)))
    assert [e.type for e in log[4:]] == [
        "supplement_submitted",
        "status_changed",
        "task_cancelled",
        "task_opened",
        "dossier_read",
    ]
    assert log[6].payload == {"task_id": check["id"]}
    result = replay_dossier(ctx, ADMIN, code)
    assert result.matches_stored is True, result.mismatches + result.problems
    assert result.dossier is not None
    assert [s.task_id for s in result.dossier.current_steps] == [recheck["task_id"]]


def test_a_forged_payload_replay_cannot_redo_is_a_problem_not_a_crash(
    accepted: str, ctx: EngineContext
) -> None:
    with tampering(ctx) as conn:
        conn.execute(
            update(Event)
            .where(Event.chain == dossier_chain(accepted), Event.seq == 4)
            .values(payload={"task_id": "nothing"})
        )
    result = replay_dossier(ctx, ADMIN, accepted)
    assert [(p.kind, p.seq) for p in result.problems] == [
        ("modified", 4),
        ("replay_mismatch", 4),
    ]
    assert result.matches_stored is None and result.at_seq == 3


def test_a_dossier_whose_events_are_all_gone_does_not_match(
    accepted: str, ctx: EngineContext
) -> None:
    with tampering(ctx) as conn:
        conn.execute(delete(Event).where(Event.chain == dossier_chain(accepted)))
    result = replay_dossier(ctx, ADMIN, accepted)
    assert result.events == 0 and result.dossier is None
    assert result.matches_stored is False
    assert [(m.field, m.replayed, m.stored) for m in result.mismatches] == [
        ("dossier", None, accepted)
    ]


def test_uploaded_files_are_replayed_and_a_file_without_its_event_is_a_mismatch(
    http: HttpApi, ctx: EngineContext
) -> None:
    code = http.submit()["code"]
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
    uploaded = http.client.post(
        f"/api/v1/dossiers/{code}/files",
        data={"file": (io.BytesIO(png), "cccd.png")},
        headers={"Authorization": f"Bearer {http.token('citizen')}"},
    )
    assert uploaded.status_code == 201
    assert replay_dossier(ctx, ADMIN, code).matches_stored is True
    with ctx.db.engine.begin() as conn:
        dossier_id = conn.execute(select(Dossier.id).where(Dossier.code == code)).scalar_one()
        conn.execute(
            insert(DossierFile).values(
                dossier_id=dossier_id,
                sha256="ab" * 32,
                name="smuggled.pdf",
                size=10,
                content_type="application/pdf",
                uploaded_at=ctx.clock.now(),
                uploaded_by="nobody",
            )
        )
    result = replay_dossier(ctx, ADMIN, code)
    assert [(m.field, m.replayed, m.stored) for m in result.mismatches] == [
        (f"files[{'ab' * 32}]", None, "stored")
    ]
