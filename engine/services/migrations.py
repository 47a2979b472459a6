"""Move a running dossier to the latest version of its procedure (an administrator's decision).

Dossiers stay on the version they started on (R-0.1); an administrator may move one when
SpiffWorkflow's diff says it is safe. The appointment date, deadlines and timer due times are
kept; the `dossier_migrated` event records from/to version and hash so replay can redo it.
"""

from __future__ import annotations

from collections.abc import Iterable

from engine import deadlines, events
from engine.context import EngineContext
from engine.definitions.cache import model_of
from engine.definitions.queries import version_diff
from engine.definitions.results import MigrationResult
from engine.errors import MigrationRefusedError, NotFoundError
from engine.procedures.model import ProcedureModel
from engine.progress import apply_step
from engine.security.authz import Actor, ensure_admin
from engine.spiff import runtime, versions
from engine.statuses import DossierStatus
from engine.transactions import conflicts_as_errors
from engine.views import dossier_detail
from storage.models import WorkItem

MIGRATED = "dossier_migrated"


def migrate_dossier(ctx: EngineContext, actor: Actor, code: str) -> MigrationResult:
    """Move dossier `code` to its procedure's latest version, in one transaction.

    Raises:
        NotFoundError: no such dossier.
        MigrationRefusedError: closed, already on the latest version, or the change is unsafe.
    """
    ensure_admin(actor)
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        dossier = uow.dossiers.by_code(code, for_update=True)
        if dossier is None:
            raise NotFoundError(f"no dossier {code}")
        if DossierStatus(dossier.status).is_final:
            raise MigrationRefusedError(f"dossier {code} is closed; it stays on its version")
        current = uow.definitions.get(dossier.definition_id)
        latest = uow.definitions.latest(dossier.procedure_key)
        assert current is not None and latest is not None
        if latest.id == current.id:
            raise MigrationRefusedError(
                f"dossier {code} is already on the latest version ({current.version})"
            )
        model = model_of(latest)
        env = deadlines.step_environment(ctx, uow, model, dossier, now)
        workflow = runtime.load(ctx.definitions.get(current), dossier.state, env.functions, now=now)
        migration = versions.migrate(workflow, ctx.definitions.get(latest))
        diff = version_diff(ctx, current, latest)
        dossier.definition_id = latest.id
        events.record_for_dossier(
            uow,
            dossier,
            type=MIGRATED,
            actor=actor,
            now=now,
            payload={
                "from": {"version": current.version, "hash": current.content_hash},
                "to": {"version": latest.version, "hash": latest.content_hash},
                "reset_mask": "READY",
                "timers": migration.timers,
                "open_steps": [task.bpmn_id for task in migration.step.ready],
                "changes": {
                    "added": [c.bpmn_id for c in diff.added],
                    "removed": [c.bpmn_id for c in diff.removed],
                    "changed": [c.bpmn_id for c in diff.changed],
                },
            },
        )
        apply_step(
            uow,
            dossier=dossier,
            model=model,
            workflow=workflow,
            outcome=migration.step,
            actor=actor,
            now=now,
            calendar=env.calendar,
        )
        rename_open_items(uow.work_items.open_for_dossier(dossier.id), model)
        uow.flush()
        result = MigrationResult(
            dossier=dossier_detail(uow, dossier),
            from_version=current.version,
            to_version=latest.version,
            diff=diff,
            timers=migration.timers,
        )
        uow.commit()
    return result


def rename_open_items(open_items: Iterable[WorkItem], model: ProcedureModel) -> None:
    """Open work items show the new version's step name, role and form; a claim on a step whose
    role changed is released, since its holder may no longer be allowed to act on it."""
    for item in open_items:
        node = model.node(item.bpmn_id)
        if node is None or node.role is None:
            continue
        if node.role != item.role:
            item.claimed_by_id = item.claimed_by_username = item.claimed_at = None
        item.name, item.role, item.form_key = node.name, node.role, node.form_key
