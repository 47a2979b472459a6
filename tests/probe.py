"""A small procedure with timers (tests/fixtures/timer_probe.bpmn) and helpers to drive it.

`wait_until` waits until the submitted `fire_at`; then reception's `work` task has an
interrupting boundary timer `deadline` of `working_days(1)` that hands it to the leader.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from engine.context import EngineContext
from engine.definitions.bundles import bundle_from_directory
from engine.events import dossier_chain
from engine.security.authz import Actor
from engine.services import definitions, dossiers
from engine.services.dossiers import Applicant, SubmitDossier
from tests.conftest import ADMIN
from tests.support import UNIT

FIXTURES = Path(__file__).resolve().parent / "fixtures"


def deploy_probe(ctx: EngineContext, timer_expression: str | None = None) -> None:
    files = bundle_from_directory(FIXTURES / "timer_probe.bpmn", FIXTURES / "forms")
    if timer_expression is not None:
        text = files["timer_probe.bpmn"].decode()
        files["timer_probe.bpmn"] = text.replace('submission["fire_at"]', timer_expression).encode()
    definitions.deploy(ctx, ADMIN, files)


def actor(ctx: EngineContext, username: str) -> Actor:
    with ctx.uow(write=False) as uow:
        user = uow.users.by_username(username)
        assert user is not None
        return Actor(user.id, user.username, frozenset(user.roles), user.unit_code)


def submit_probe(ctx: EngineContext, fire_at: datetime | str) -> str:
    detail = dossiers.submit_dossier(
        ctx,
        actor(ctx, "citizen"),
        SubmitDossier(
            procedure="timer_probe",
            unit=UNIT,
            applicant=Applicant(full_name="Nguyễn Văn An", id_number="001090012345"),
            data={"fire_at": fire_at if isinstance(fire_at, str) else fire_at.isoformat()},
        ),
    )
    return detail.code


def timer_rows(ctx: EngineContext, code: str) -> list[Any]:
    with ctx.uow(write=False) as uow:
        dossier = uow.dossiers.by_code(code)
        assert dossier is not None
        return [
            (row.id, row.bpmn_id, row.due_at, row.status, row.closed_at)
            for row in uow.timers.for_dossier(dossier.id)
        ]


def events_of(ctx: EngineContext, code: str, type: str) -> list[dict[str, Any]]:
    with ctx.uow(write=False) as uow:
        return [
            {**e.payload, "bpmn_id": e.bpmn_id}
            for e in uow.events.for_chain(dossier_chain(code))
            if e.type == type
        ]


def open_steps(ctx: EngineContext, code: str) -> list[str]:
    with ctx.uow(write=False) as uow:
        dossier = uow.dossiers.by_code(code)
        assert dossier is not None
        return [item.bpmn_id for item in uow.work_items.open_for_dossier(dossier.id)]


def open_items(ctx: EngineContext, code: str) -> list[tuple[str, datetime | None]]:
    with ctx.uow(write=False) as uow:
        dossier = uow.dossiers.by_code(code)
        assert dossier is not None
        return [(i.id, i.due_at) for i in uow.work_items.open_for_dossier(dossier.id)]


def deploy_deadline_probe(
    ctx: EngineContext,
    deadline: str,
    *,
    kind: str = "timeDate",
    interrupting: bool = True,
    automatic: bool = False,
    wait: str = '"2026-01-01T00:00:00+07:00"',
) -> None:
    """The probe with `work`'s boundary timer `deadline` replaced: `kind` (timeDate,
    timeDuration, timeCycle) and `deadline` its expression (e.g. `submission["fire_at"]`, the
    applicant's text), non-interrupting if asked; `wait_until` waits until `wait`."""
    files = bundle_from_directory(FIXTURES / "timer_probe.bpmn", FIXTURES / "forms")
    text = files["timer_probe.bpmn"].decode()
    text = text.replace('submission["fire_at"]', wait)
    text = text.replace(
        '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">working_days(1)</bpmn:timeDate>',
        f'<bpmn:{kind} xsi:type="bpmn:tFormalExpression">{deadline}</bpmn:{kind}>',
    )
    if not interrupting:
        text = text.replace('attachedToRef="work"', 'cancelActivity="false" attachedToRef="work"')
    if automatic:  # the timer leads straight to an end event: nothing waits for anyone
        text = text.replace(
            'sourceRef="deadline" targetRef="escalate"',
            'sourceRef="deadline" targetRef="end_escalated"',
        )
    files["timer_probe.bpmn"] = text.encode()
    definitions.deploy(ctx, ADMIN, files)
