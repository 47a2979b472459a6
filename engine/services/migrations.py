"""Move a running dossier to the latest version of its procedure (an administrator's decision).

Dossiers stay on the version they started on (R-0.1); an administrator may move one when
SpiffWorkflow's diff says it is safe. The appointment date, deadlines and timer due times are
kept; the `dossier_migrated` event records from/to version and hash so replay can redo it.
"""

from __future__ import annotations

from engine.context import EngineContext
from engine.definitions.cache import model_of
from engine.definitions.results import MigrationResult
from engine.errors import MigrationRefusedError, NotFoundError
from engine.event_types import VersionChanges
from engine.queries.definitions import version_diff
from engine.security.authz import Actor, ensure_admin
from engine.statuses import DossierStatus
from engine.step import live, migration
from engine.transactions import conflicts_as_errors
from engine.views import dossier_detail


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
        running = live.setting(ctx, uow, dossier, current, now, model=model).resume(
            uow, dossier, now
        )
        diff = version_diff(ctx, current, latest)
        moved = migration.migrate(
            running,
            source=current,
            target=latest,
            parsed=ctx.definitions.get(latest),
            model=model,
            changes=VersionChanges(
                added=[c.bpmn_id for c in diff.added],
                removed=[c.bpmn_id for c in diff.removed],
                changed=[c.bpmn_id for c in diff.changed],
            ),
            actor=actor,
            now=now,
        )
        result = MigrationResult(
            dossier=dossier_detail(uow, dossier),
            from_version=current.version,
            to_version=latest.version,
            diff=diff,
            timers=moved.timers,
        )
        uow.commit()
    return result
