"""Adding files to a dossier inside a use case's transaction: an upload to an existing dossier
(`files.upload_file`) and the staged files of a dossier being submitted (`dossiers.submit_dossier`)
record the same row and the same `file_uploaded` event.

Every writer of a content takes its lock (`uow.staged.lock_content`) before it stores the bytes or
records a reference to them, and the staging sweep takes it before it deletes them, so the sweep
never deletes bytes a transaction is about to refer to (engine/services/staging.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from engine import events
from engine.errors import StagedFileGoneError
from engine.event_types import EventType, FileUploaded
from engine.file_results import StagedFile
from engine.security.authz import Actor
from engine.uploads import FileStore
from storage.models import Dossier, DossierFile
from storage.uow import UnitOfWork


def add_file(
    uow: UnitOfWork,
    dossier: Dossier,
    *,
    actor: Actor,
    now: datetime,
    sha256: str,
    name: str,
    size: int,
    content_type: str,
) -> tuple[DossierFile, bool]:
    """The dossier's file of this content, recorded (row and event) unless it was already; the
    bytes must be stored and the content locked by the caller. (row, created)."""
    existing = uow.files.get(dossier.id, sha256)
    if existing is not None:
        return existing, False
    stored = DossierFile(
        dossier_id=dossier.id,
        sha256=sha256,
        name=name,
        size=size,
        content_type=content_type,
        uploaded_at=now,
        uploaded_by=actor.username,
    )
    uow.files.add(stored)
    events.record_for_dossier(
        uow,
        dossier,
        type=EventType.FILE_UPLOADED,
        actor=actor,
        now=now,
        payload=FileUploaded(sha256=sha256, name=name, size=size, content_type=content_type),
    )
    return stored, True


def lock_staged(
    uow: UnitOfWork, store: FileStore, staged: Sequence[StagedFile], *, actor: Actor
) -> None:
    """Lock the staged files' contents (in one order, so two submissions sharing files cannot
    deadlock) and check that the submitter holds each of them and that its bytes are still
    stored. Holding is checked here, not only by the caller's signed draft: a content's hash
    is no secret (another account's dossier, a leaked key), and attaching it must not hand
    the bytes to whoever names it.

    Raises:
        StagedFileGoneError: some were swept (or removed from another draft) meanwhile, or
            were never the submitter's.
    """
    for sha256 in sorted({f.sha256 for f in staged}):
        uow.staged.lock_content(sha256)
    held = (
        uow.staged.held_by(actor.user_id, (f.sha256 for f in staged))
        if actor.user_id is not None
        else set()
    )
    gone = [(f.sha256, f.name) for f in staged if f.sha256 not in held or not store.has(f.sha256)]
    if gone:
        raise StagedFileGoneError("some staged files are no longer stored; upload them again", gone)


def attach_staged(
    uow: UnitOfWork, dossier: Dossier, staged: Sequence[StagedFile], *, actor: Actor, now: datetime
) -> None:
    """Add the staged files (locked by `lock_staged`) to the new dossier and forget the account's
    stagings of them: from now on the dossier holds the bytes, and the quota is free again."""
    for file in staged:
        add_file(
            uow,
            dossier,
            actor=actor,
            now=now,
            sha256=file.sha256,
            name=file.name,
            size=file.size,
            content_type=file.content_type,
        )
    if actor.user_id is not None:
        uow.staged.forget(actor.user_id, [f.sha256 for f in staged])
