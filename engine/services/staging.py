"""Files uploaded before their dossier exists (the portal's submission steps): stage one within
the account's quota, take one back, and sweep those never attached (docs/web.md).

A staged file is bytes in the file store under its SHA-256 and a `staged_upload` row (account,
SHA-256, size, type, time). Submitting the dossier attaches the draft's files and deletes their
rows in the submission's transaction (`dossiers.submit_dossier`). The scheduler deletes the rows
older than `MOTCUA_STAGED_TTL_SECONDS`, and their bytes when nothing else holds the same content:
no dossier's file and no other staging (the same document uploaded by another account, or again
by the same one). Every writer of a content holds its lock (engine/dossier_files.py), so the
sweep's "nothing holds it" cannot go stale before the bytes are gone.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from engine.context import EngineContext
from engine.errors import PayloadTooLargeError, PermissionDeniedError, StagingQuotaExceededError
from engine.file_results import StagedFile, StagingUsage
from engine.security.authz import Actor, ensure_can_submit
from engine.transactions import conflicts_as_errors
from engine.uploads import SHA256_PATTERN, FileStore, checked_upload
from storage.uow import UnitOfWork

log = logging.getLogger("motcua.staging")
#: Contents looked at per read of the sweep; each is then its own short transaction.
SWEEP_BATCH = 200
#: At most this many contents per sweep: a backlog is worked off over several sweeps, so a
#: sweep never keeps the scheduler's job thread for long.
SWEEP_MAX = 10_000


def stage_upload(ctx: EngineContext, actor: Actor, name: str, content: bytes) -> StagedFile:
    """Check and store a file chosen before its dossier exists and record it against the
    account's quota; `dossiers.submit_dossier` attaches it. The same checks as `upload_file`.
    Staging the same content again renews it and counts once.

    Raises:
        PayloadTooLargeError, UnsupportedMediaTypeError, ValidationFailedError: as `upload_file`.
        StagingQuotaExceededError: the account would keep more staged, unattached files or bytes
            than `MOTCUA_STAGED_MAX_FILES` / `MOTCUA_STAGED_MAX_BYTES` allow.
        PermissionDeniedError: the actor may not submit dossiers, or has no account.
    """
    ensure_can_submit(actor, actor.unit_code or "")
    if actor.user_id is None:
        raise PermissionDeniedError("only an account can stage files")
    limit = ctx.settings.upload_max_bytes
    if len(content) > limit:
        raise PayloadTooLargeError(f"a file may have at most {limit} bytes")
    safe_name, kind = checked_upload(name, content)
    sha256 = hashlib.sha256(content).hexdigest()
    quota = ctx.settings.staging
    with conflicts_as_errors(), ctx.uow() as uow:
        uow.staged.lock_account(actor.user_id)  # two uploads at once see each other's bytes
        if not uow.staged.has(actor.user_id, sha256):
            files, size = uow.staged.usage(actor.user_id)
            if files + 1 > quota.max_files or size + len(content) > quota.max_bytes:
                raise StagingQuotaExceededError(
                    f"the account has {files} files ({size} bytes) staged and not submitted; "
                    f"at most {quota.max_files} files and {quota.max_bytes} bytes",
                    files=files,
                    size=size,
                    max_files=quota.max_files,
                    max_bytes=quota.max_bytes,
                )
        uow.staged.lock_content(sha256)  # the sweep must not delete these bytes meanwhile
        FileStore(ctx.settings.files_dir).put(content)
        uow.staged.record(actor.user_id, sha256, len(content), kind.content_type, ctx.clock.now())
        uow.commit()
    return StagedFile(
        sha256=sha256, name=safe_name, size=len(content), content_type=kind.content_type
    )


def discard_staged(ctx: EngineContext, actor: Actor, sha256: str) -> bool:
    """Take a staged file back (removed from the draft): its row goes, and its bytes too unless
    something else holds them; the quota is free again at once. True if the account had it."""
    if actor.user_id is None or not SHA256_PATTERN.match(sha256):
        return False
    with conflicts_as_errors(), ctx.uow() as uow:
        uow.staged.lock_content(sha256)
        if not uow.staged.forget(actor.user_id, [sha256]):
            return False
        _delete_if_unreferenced(uow, FileStore(ctx.settings.files_dir), sha256)
        uow.commit()
    return True


def staging_usage(ctx: EngineContext, actor: Actor) -> StagingUsage:
    """What the account has staged and not attached, and what it may."""
    quota = ctx.settings.staging
    files, size = 0, 0
    if actor.user_id is not None:
        with ctx.uow(write=False) as uow:
            files, size = uow.staged.usage(actor.user_id)
    return StagingUsage(
        files=files,
        size=size,
        max_files=quota.max_files,
        max_bytes=quota.max_bytes,
        ttl_seconds=quota.ttl_seconds,
    )


def sweep_staged_uploads(ctx: EngineContext) -> int:
    """Forget the stagings older than the TTL and delete their bytes where nothing else holds
    them (no dossier's file, no other staging); how many files were deleted. Each content is
    its own transaction under the content's lock; what a crash leaves is swept next time."""
    cutoff = ctx.clock.now() - timedelta(seconds=ctx.settings.staging.ttl_seconds)
    store = FileStore(ctx.settings.files_dir)
    deleted = looked_at = 0
    while looked_at < SWEEP_MAX:
        with ctx.uow(write=False) as uow:
            batch = uow.staged.expired_contents(cutoff, SWEEP_BATCH)
        for sha256 in batch:
            with conflicts_as_errors(), ctx.uow() as uow:
                uow.staged.lock_content(sha256)
                uow.staged.forget_expired(sha256, cutoff)
                deleted += _delete_if_unreferenced(uow, store, sha256)
                uow.commit()
        looked_at += len(batch)
        if len(batch) < SWEEP_BATCH:
            break
    if deleted:
        log.info("staged uploads swept: %d files deleted", deleted)
    return deleted


def _delete_if_unreferenced(uow: UnitOfWork, store: FileStore, sha256: str) -> bool:
    """Delete the content's bytes if no dossier holds it and no account has it staged (the
    caller holds the content's lock, and its own stagings of it are already deleted).

    The bytes go before the transaction commits: if it then fails, the rows stay and the next
    sweep finds them (expired, pointing at nothing); the other order could leave bytes nothing
    points at, which no sweep would ever find."""
    if uow.staged.referenced(sha256):
        return False
    return store.delete(sha256)
