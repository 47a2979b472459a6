"""Files of a dossier: upload (the applicant, or reception of its unit), list and read them."""

from __future__ import annotations

from engine import events
from engine.context import EngineContext
from engine.errors import InvalidStateError, NotFoundError, PayloadTooLargeError
from engine.event_types import EventType, FileUploaded
from engine.results import FileContent, FileView, StagedFile
from engine.security.authz import (
    Actor,
    ensure_can_read_dossier,
    ensure_can_submit,
    ensure_can_upload,
)
from engine.services.reads import log_read
from engine.transactions import conflicts_as_errors
from engine.uploads import SHA256_PATTERN, FileStore, checked_upload
from storage.models import Dossier, DossierFile
from storage.uow import UnitOfWork


def upload_file(
    ctx: EngineContext, actor: Actor, code: str, name: str, content: bytes
) -> tuple[FileView, bool]:
    """Store a file for the dossier and record its SHA-256 (SEC-2); (view, created).

    Uploading the same content to the same dossier again changes nothing.

    Raises:
        PayloadTooLargeError: larger than `upload_max_bytes`.
        UnsupportedMediaTypeError: not a PDF, JPEG or PNG (judged by content), or a name
            whose extension claims another type.
        InvalidStateError: the dossier is closed.
    """
    limit = ctx.settings.upload_max_bytes
    if len(content) > limit:
        raise PayloadTooLargeError(f"a file may have at most {limit} bytes")
    safe_name, kind = checked_upload(name, content)
    now = ctx.clock.now()
    with conflicts_as_errors(), ctx.uow() as uow:
        dossier = _dossier(uow, code)
        ensure_can_upload(actor, dossier.unit_code, dossier.owner_user_id)
        if dossier.finished_at is not None:
            raise InvalidStateError(f"dossier {code} is closed; no files can be added")
        sha256 = FileStore(ctx.settings.files_dir).put(content)
        existing = uow.files.get(dossier.id, sha256)
        if existing is not None:
            return _view(existing), False
        stored = DossierFile(
            dossier_id=dossier.id,
            sha256=sha256,
            name=safe_name,
            size=len(content),
            content_type=kind.content_type,
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
            payload=FileUploaded(
                sha256=sha256, name=safe_name, size=len(content), content_type=kind.content_type
            ),
        )
        view = _view(stored)
        uow.commit()
    return view, True


def stage_upload(ctx: EngineContext, actor: Actor, name: str, content: bytes) -> StagedFile:
    """Check and store a file chosen before its dossier exists (the portal's submission steps);
    `attach_staged` adds it to the dossier once submitted. The same rules as `upload_file`;
    nothing is recorded until then (a stored file that is never attached is only bytes).

    Raises:
        PayloadTooLargeError, UnsupportedMediaTypeError, ValidationFailedError: as `upload_file`.
        PermissionDeniedError: the actor may not submit dossiers.
    """
    ensure_can_submit(actor, actor.unit_code or "")
    limit = ctx.settings.upload_max_bytes
    if len(content) > limit:
        raise PayloadTooLargeError(f"a file may have at most {limit} bytes")
    safe_name, kind = checked_upload(name, content)
    sha256 = FileStore(ctx.settings.files_dir).put(content)
    return StagedFile(
        sha256=sha256, name=safe_name, size=len(content), content_type=kind.content_type
    )


def attach_staged(
    ctx: EngineContext, actor: Actor, code: str, staged: StagedFile
) -> tuple[FileView, bool]:
    """Add a staged file to the dossier exactly as an upload of its content would
    (`upload_file`: same checks, same event)."""
    content = FileStore(ctx.settings.files_dir).get(staged.sha256)
    return upload_file(ctx, actor, code, staged.name, content)


def list_files(ctx: EngineContext, actor: Actor, code: str) -> list[FileView]:
    """The dossier's files (the read is logged, see `reads.log_read`)."""
    with ctx.uow(write=False) as uow:
        dossier = _dossier(uow, code)
        ensure_can_read_dossier(actor, dossier.unit_code, dossier.owner_user_id)
        found = [_view(f) for f in uow.files.for_dossier(dossier.id)]
    log_read(ctx, actor, code, "files")
    return found


def read_file(ctx: EngineContext, actor: Actor, code: str, sha256: str) -> FileContent:
    """One file's content (the read is logged, see `reads.log_read`)."""
    with ctx.uow(write=False) as uow:
        dossier = _dossier(uow, code)
        ensure_can_read_dossier(actor, dossier.unit_code, dossier.owner_user_id)
        stored = uow.files.get(dossier.id, sha256) if SHA256_PATTERN.match(sha256) else None
        if stored is None:
            raise NotFoundError(f"dossier {code} has no file {sha256}")
        view = _view(stored)
    content = FileStore(ctx.settings.files_dir).get(sha256)
    log_read(ctx, actor, code, "file", sha256=sha256)
    return FileContent(file=view, content=content)


def _dossier(uow: UnitOfWork, code: str) -> Dossier:
    dossier = uow.dossiers.by_code(code)
    if dossier is None:
        raise NotFoundError(f"no dossier {code}")
    return dossier


def _view(stored: DossierFile) -> FileView:
    return FileView(
        sha256=stored.sha256,
        name=stored.name,
        size=stored.size,
        content_type=stored.content_type,
        uploaded_at=stored.uploaded_at,
        uploaded_by=stored.uploaded_by,
    )
