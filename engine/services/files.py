"""Files of a dossier: upload (the applicant, or reception of its unit), list and read them."""

from __future__ import annotations

import hashlib

from engine.context import EngineContext
from engine.dossier_files import add_file
from engine.errors import InvalidStateError, NotFoundError, PayloadTooLargeError
from engine.file_results import FileContent, FileView
from engine.security.authz import Actor, ensure_can_read_dossier, ensure_can_upload
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
    sha256 = hashlib.sha256(content).hexdigest()
    with conflicts_as_errors(), ctx.uow() as uow:
        dossier = _dossier(uow, code)
        ensure_can_upload(actor, dossier.unit_code, dossier.owner_user_id)
        if dossier.finished_at is not None:
            raise InvalidStateError(f"dossier {code} is closed; no files can be added")
        uow.staged.lock_content(sha256)  # the staging sweep must not delete it meanwhile
        FileStore(ctx.settings.files_dir).put(content)
        stored, created = add_file(
            uow,
            dossier,
            actor=actor,
            now=now,
            sha256=sha256,
            name=safe_name,
            size=len(content),
            content_type=kind.content_type,
        )
        view = _view(stored)
        if created:
            uow.commit()
    return view, created


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
