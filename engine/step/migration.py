"""Moving a running dossier to a newer version of its procedure (`dossier_migrated`): live by
`engine.services.migrations`, and again by replay (`engine.audit.replay_handlers`)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from engine.event_types import DossierMigrated, EventType, VersionChanges, VersionRef
from engine.procedures.model import ProcedureModel
from engine.security.authz import Actor
from engine.spiff import versions
from engine.spiff.parser import ParsedProcedure
from engine.spiff.versions import MigrationOutcome
from engine.step.causes import RunningDossier
from storage.models import Definition, WorkItem

#: `dossier_migrated`: which workflow tasks a migration re-predicts (pitfall P6).
RESET_MASK = "READY"


def migrate(
    running: RunningDossier,
    *,
    source: Definition,
    target: Definition,
    parsed: ParsedProcedure,
    model: ProcedureModel,
    changes: VersionChanges,
    actor: Actor,
    now: datetime,
) -> MigrationOutcome:
    """Move the dossier from version `source` of its procedure to `target` (`parsed` and `model`
    are the target's), keeping its appointment, deadlines and timer due times (R-0.1)."""
    migration = versions.migrate(running.workflow, parsed)
    running.dossier.definition_id = target.id
    moved = dataclasses.replace(running, model=model)
    moved.record(
        EventType.DOSSIER_MIGRATED,
        DossierMigrated(
            {
                "from": VersionRef(version=source.version, hash=source.content_hash),
                "to": VersionRef(version=target.version, hash=target.content_hash),
                "reset_mask": RESET_MASK,
                "timers": migration.timers,
                "open_steps": [task.bpmn_id for task in migration.step.ready],
                "changes": changes,
            }
        ),
        actor=actor,
        now=now,
    )
    moved.apply(migration.step, actor=actor, now=now)
    rename_open_items(moved.store.work_items.open_for_dossier(moved.dossier.id), model)
    moved.store.flush()
    return migration


def rename_open_items(open_items: Sequence[WorkItem], model: ProcedureModel) -> None:
    """Open work items show the new version's step name, role and form; a claim on a step whose
    role changed is released, since its holder may no longer be allowed to act on it."""
    for item in open_items:
        node = model.node(item.bpmn_id)
        if node is None or node.role is None:
            continue
        if node.role != item.role:
            item.claimed_by_id = item.claimed_by_username = item.claimed_at = None
        item.name, item.role, item.form_key = node.name, node.role, node.form_key
