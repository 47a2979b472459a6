"""How replay redoes each event type of the foundation (see `engine.audit.registry`).

Each handler mirrors its use case in `engine/services/`: the same runtime call on the workflow,
the logged event appended, then the same `apply_step`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.audit.registry import consequences, replays
from engine.definitions.cache import model_of
from engine.events import dossier_code_of
from engine.progress import Completion
from engine.services.dossiers import (
    SUPPLEMENT_MESSAGE,
    new_dossier,
    process_input,
    supplemented,
)
from engine.services.migrations import MIGRATED, rename_open_items
from engine.spiff import runtime, versions
from storage.audit import EventRow
from storage.models import DossierFile

if TYPE_CHECKING:
    from engine.audit.replay import Replay

consequences("status_changed", "task_opened", "task_cancelled")


@replays("dossier_submitted")
def _submitted(replay: Replay, event: EventRow) -> None:
    payload = event.payload
    definition = replay.pinned_definition(
        payload["procedure"], payload["definition_version"], payload["definition_hash"]
    )
    dossier = new_dossier(
        code=dossier_code_of(event.chain) or "",
        definition=definition,
        unit=payload["unit"],
        owner_user_id=payload["owner_user_id"],
        applicant=payload["applicant"],
        submission=payload["data"],
        channel=payload["channel"],
        return_channel=payload["return_channel"],
        now=event.occurred_at,
    )
    dossier.id = event.dossier_id or 0
    dossier.version = 0
    replay.begin(dossier, definition)
    workflow, outcome = runtime.start(
        replay.parsed,
        process_input(dossier),
        replay.environment().functions,
        now=event.occurred_at,
    )
    replay.use_workflow(workflow)
    replay.take(event)
    replay.step(event, outcome)


@replays("task_claimed")
def _claimed(replay: Replay, event: EventRow) -> None:
    item = replay.open_item(event)
    item.claimed_by_id = event.actor_user_id
    item.claimed_by_username = event.actor_username
    item.claimed_at = event.occurred_at
    replay.take(event)


@replays("task_released")
def _released(replay: Replay, event: EventRow) -> None:
    item = replay.open_item(event)
    item.claimed_by_id = None
    item.claimed_by_username = None
    item.claimed_at = None
    replay.take(event)


@replays("task_assigned")
def _assigned(replay: Replay, event: EventRow) -> None:
    item = replay.open_item(event)
    item.claimed_by_id = event.payload["officer_id"]
    item.claimed_by_username = event.payload["officer"]
    item.claimed_at = event.occurred_at
    replay.take(event)


@replays("task_completed")
def _completed(replay: Replay, event: EventRow) -> None:
    item = replay.open_item(event)
    data = event.payload["data"]
    outcome = replay.workflow.complete_user_task(replay.workflow_task_id(item.id), data)
    replay.take(event)
    replay.step(event, outcome, completion=Completion.of_form(item.id, event.actor_username, data))


@replays("supplement_submitted")
def _supplemented(replay: Replay, event: EventRow) -> None:
    merged = supplemented(replay.dossier, event.payload["data"])
    outcome = replay.workflow.deliver_message(SUPPLEMENT_MESSAGE, {"submission": merged})
    replay.take(event)
    replay.dossier.submission = merged
    replay.step(event, outcome)


@replays(MIGRATED)
def _migrated(replay: Replay, event: EventRow) -> None:
    target = event.payload["to"]
    definition = replay.pinned_definition(
        replay.dossier.procedure_key, target["version"], target["hash"]
    )
    replay.use_definition(definition)
    migration = versions.migrate(replay.workflow, replay.parsed)
    replay.dossier.definition_id = definition.id
    replay.take(event)
    replay.step(event, migration.step)
    rename_open_items(
        replay.store.work_items.open_for_dossier(replay.dossier.id), model_of(definition)
    )


@replays("file_uploaded")
def _file_uploaded(replay: Replay, event: EventRow) -> None:
    payload = event.payload
    replay.files.append(
        DossierFile(
            dossier_id=replay.dossier.id,
            sha256=payload["sha256"],
            name=payload["name"],
            size=payload["size"],
            content_type=payload["content_type"],
            uploaded_at=event.occurred_at,
            uploaded_by=event.actor_username,
        )
    )
    replay.take(event)


@replays("dossier_read")
def _read(replay: Replay, event: EventRow) -> None:
    replay.take(event)  # reading changes nothing
