"""Files staged on the portal before their dossier exists: the account's quota, attachment in
the submission's transaction, and the scheduler's sweep of what was never attached, with the
clock frozen (engine/services/staging.py). Runs on PostgreSQL too (MOTCUA_TEST_POSTGRES_URL)."""

from __future__ import annotations

import hashlib
import threading
from datetime import timedelta
from pathlib import Path

import pytest

from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.errors import StagedFileGoneError, StagingQuotaExceededError
from engine.file_results import StagedFile
from engine.scheduler import TimerScheduler
from engine.security.authz import Actor
from engine.services import dossiers, files, staging
from engine.services.audit_dossiers import replay_dossier
from engine.services.dossiers import Applicant, SubmitDossier
from engine.settings import Settings, SettingsError
from tests.conftest import ADMIN, make_settings
from tests.support import PROCEDURE, UNIT, applicant, submission

HOUR = timedelta(hours=1)


def pdf(tag: str, size: int = 0) -> bytes:
    """A distinct small PDF (the type is read from the first bytes), padded to `size`."""
    head = b"%PDF-1.4\n% " + tag.encode() + b"\n%%EOF\n"
    return head + b"%" * max(0, size - len(head))


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    return make_settings(
        tmp_path / "var",
        database_url,
        MOTCUA_UPLOAD_MAX_BYTES="2048",
        MOTCUA_STAGED_MAX_BYTES="4096",
        MOTCUA_STAGED_MAX_FILES="3",
        MOTCUA_STAGED_TTL_SECONDS=str(24 * 3600),
    )


def account(ctx: EngineContext, username: str) -> Actor:
    with ctx.uow(write=False) as uow:
        user = uow.users.by_username(username)
        assert user is not None
        return Actor(user.id, user.username, frozenset(user.roles), user.unit_code)


def stored(ctx: EngineContext, staged: StagedFile) -> bool:
    return (ctx.settings.files_dir / staged.sha256[:2] / staged.sha256).is_file()


def submit_with(ctx: EngineContext, actor: Actor, *staged: StagedFile) -> str:
    command = SubmitDossier(
        procedure=PROCEDURE,
        unit=UNIT,
        applicant=Applicant(**applicant()),
        data=submission(),
        files=staged,
    )
    return dossiers.submit_dossier(ctx, actor, command).code


def usage(ctx: EngineContext, actor: Actor) -> tuple[int, int]:
    found = staging.staging_usage(ctx, actor)
    return found.files, found.size


def test_the_sweep_deletes_an_old_unattached_file_and_keeps_a_fresh_one(
    ctx: EngineContext, clock: FrozenClock
) -> None:
    citizen = account(ctx, "citizen")
    old = staging.stage_upload(ctx, citizen, "cu.pdf", pdf("old"))
    clock.advance(20 * HOUR)
    fresh = staging.stage_upload(ctx, citizen, "moi.pdf", pdf("fresh"))
    clock.advance(5 * HOUR)  # old: 25 hours, fresh: 5 hours

    assert staging.sweep_staged_uploads(ctx) == 1
    assert not stored(ctx, old)
    assert stored(ctx, fresh)
    assert usage(ctx, citizen) == (1, fresh.size)  # the swept one no longer counts
    assert staging.sweep_staged_uploads(ctx) == 0  # nothing more is due

    clock.advance(20 * HOUR)
    assert staging.sweep_staged_uploads(ctx) == 1
    assert not stored(ctx, fresh) and usage(ctx, citizen) == (0, 0)


def test_the_scheduler_runs_the_sweep_as_a_periodic_job(
    ctx: EngineContext, clock: FrozenClock
) -> None:
    citizen = account(ctx, "citizen")
    old = staging.stage_upload(ctx, citizen, "cu.pdf", pdf("old"))
    clock.advance(25 * HOUR)
    scheduler = TimerScheduler(ctx, poll_seconds=60)
    scheduler.start()
    try:
        assert scheduler.active
        job = scheduler._scheduler.get_job("staged-uploads")
        assert job is not None
        assert job.trigger.interval == timedelta(seconds=ctx.settings.staging.sweep_seconds)
        assert scheduler.sweep_staged_uploads() == 1
    finally:
        scheduler.stop()
    assert not stored(ctx, old)


def test_submitting_attaches_the_staged_files_and_the_sweep_keeps_their_bytes(
    ctx: EngineContext, clock: FrozenClock
) -> None:
    citizen = account(ctx, "citizen")
    staged = staging.stage_upload(ctx, citizen, "don.pdf", pdf("attached"))
    code = submit_with(ctx, citizen, staged)
    assert usage(ctx, citizen) == (0, 0)  # attached in the submission's transaction
    assert [f.sha256 for f in files.list_files(ctx, citizen, code)] == [staged.sha256]
    replayed = replay_dossier(ctx, ADMIN, code)  # the file's event replays with the rest
    assert replayed.matches_stored is True and replayed.mismatches == []
    # The same document staged again for another draft, then abandoned.
    staging.stage_upload(ctx, citizen, "don.pdf", pdf("attached"))
    clock.advance(25 * HOUR)

    assert staging.sweep_staged_uploads(ctx) == 0
    assert usage(ctx, citizen) == (0, 0)  # the abandoned staging is gone ...
    assert files.read_file(ctx, citizen, code, staged.sha256).content == pdf("attached")


def test_the_sweep_keeps_content_that_a_counter_or_supplement_upload_gave_a_dossier(
    ctx: EngineContext, clock: FrozenClock
) -> None:
    """`files.upload_file` (API, counter scans, supplements) takes the same content lock."""
    citizen = account(ctx, "citizen")
    code = submit_with(ctx, citizen)
    staged = staging.stage_upload(ctx, citizen, "scan.pdf", pdf("scan"))
    files.upload_file(ctx, citizen, code, "bo-sung.pdf", pdf("scan"))
    clock.advance(25 * HOUR)

    assert staging.sweep_staged_uploads(ctx) == 0
    assert stored(ctx, staged)
    assert files.read_file(ctx, citizen, code, staged.sha256).content == pdf("scan")


def test_the_sweep_keeps_content_another_account_staged_recently(
    ctx: EngineContext, clock: FrozenClock
) -> None:
    citizen, other = account(ctx, "citizen"), account(ctx, "citizen2")
    first = staging.stage_upload(ctx, citizen, "mau.pdf", pdf("shared form"))
    clock.advance(20 * HOUR)
    staging.stage_upload(ctx, other, "mau.pdf", pdf("shared form"))
    clock.advance(5 * HOUR)

    assert staging.sweep_staged_uploads(ctx) == 0
    assert stored(ctx, first)
    assert usage(ctx, citizen) == (0, 0) and usage(ctx, other) == (1, first.size)
    # The other account can still submit with it, until its own staging expires.
    code = submit_with(ctx, other, first)
    assert [f.sha256 for f in files.list_files(ctx, other, code)] == [first.sha256]


def test_taking_a_file_back_frees_the_quota_and_deletes_bytes_nothing_else_holds(
    ctx: EngineContext,
) -> None:
    citizen, other = account(ctx, "citizen"), account(ctx, "citizen2")
    mine = staging.stage_upload(ctx, citizen, "a.pdf", pdf("mine"))
    shared = staging.stage_upload(ctx, citizen, "b.pdf", pdf("shared"))
    staging.stage_upload(ctx, other, "b.pdf", pdf("shared"))

    assert staging.discard_staged(ctx, citizen, mine.sha256) is True
    assert staging.discard_staged(ctx, citizen, shared.sha256) is True
    assert staging.discard_staged(ctx, citizen, shared.sha256) is False  # not staged any more
    assert not stored(ctx, mine)
    assert stored(ctx, shared)  # citizen2 still has it staged
    assert usage(ctx, citizen) == (0, 0)


def test_the_quota_counts_files_and_bytes_and_the_same_content_once(ctx: EngineContext) -> None:
    citizen = account(ctx, "citizen")
    staging.stage_upload(ctx, citizen, "a.pdf", pdf("a", 1500))
    staging.stage_upload(ctx, citizen, "a-lan-2.pdf", pdf("a", 1500))  # the same content
    staging.stage_upload(ctx, citizen, "b.pdf", pdf("b", 1500))
    assert usage(ctx, citizen) == (2, 3000)
    with pytest.raises(StagingQuotaExceededError) as refused:
        staging.stage_upload(ctx, citizen, "c.pdf", pdf("c", 1500))  # 4500 > 4096 bytes
    assert (refused.value.files, refused.value.size) == (2, 3000)
    staging.stage_upload(ctx, citizen, "d.pdf", pdf("d", 500))
    with pytest.raises(StagingQuotaExceededError):
        staging.stage_upload(ctx, citizen, "e.pdf", pdf("e", 10))  # a 4th file > 3 files
    assert usage(ctx, citizen) == (3, 3500)
    # Refused uploads left nothing on disk.
    for tag, size in (("c", 1500), ("e", 10)):
        assert not stored(ctx, StagedFile(_sha(pdf(tag, size)), "x.pdf", size, "application/pdf"))
    # Another account has its own quota.
    assert staging.stage_upload(ctx, account(ctx, "citizen2"), "c.pdf", pdf("c", 1500))


def test_uploads_at_once_cannot_pass_the_quota_together(ctx: EngineContext) -> None:
    """Eight threads, eight different files, a quota of three: exactly three are staged."""
    citizen = account(ctx, "citizen")
    barrier = threading.Barrier(8)
    outcomes: list[str] = []

    def upload(n: int) -> None:
        barrier.wait()
        try:
            staging.stage_upload(ctx, citizen, f"{n}.pdf", pdf(f"racing {n}"))
        except StagingQuotaExceededError:
            outcomes.append("refused")
        else:
            outcomes.append("staged")

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["refused"] * 5 + ["staged"] * 3
    assert usage(ctx, citizen)[0] == 3
    on_disk = [p for p in ctx.settings.files_dir.rglob("*") if p.is_file()]
    assert len(on_disk) == 3


def test_a_submission_whose_staged_file_was_swept_is_refused_whole(
    ctx: EngineContext, clock: FrozenClock
) -> None:
    citizen = account(ctx, "citizen")
    kept = staging.stage_upload(ctx, citizen, "giu.pdf", pdf("kept"))
    clock.advance(25 * HOUR)
    fresh = staging.stage_upload(ctx, citizen, "moi.pdf", pdf("fresh"))
    staging.sweep_staged_uploads(ctx)

    with pytest.raises(StagedFileGoneError) as gone:
        submit_with(ctx, citizen, kept, fresh)
    assert gone.value.names == ["giu.pdf"]
    assert usage(ctx, citizen) == (1, fresh.size)  # nothing was attached
    # Nothing was registered either: the next dossier is the day's first.
    code = submit_with(ctx, citizen, fresh)
    assert code.endswith("-0001")
    assert [f.name for f in files.list_files(ctx, citizen, code)] == ["moi.pdf"]


def test_a_file_staged_by_another_account_cannot_be_attached_by_naming_its_hash(
    ctx: EngineContext,
) -> None:
    """A content's SHA-256 is no secret: naming it must not hand the bytes to another account
    (the portal's signed draft is not the only guard; the engine checks who holds the file)."""
    citizen, thief = account(ctx, "citizen"), account(ctx, "citizen2")
    staged = staging.stage_upload(ctx, citizen, "cccd.pdf", pdf("identity card"))

    with pytest.raises(StagedFileGoneError) as refused:
        submit_with(ctx, thief, staged)
    assert refused.value.names == ["cccd.pdf"]
    assert usage(ctx, citizen) == (1, staged.size)  # the owner's staging is untouched
    assert submit_with(ctx, citizen, staged).endswith("-0001")  # and nothing was registered


def test_a_document_staged_for_two_drafts_goes_with_both(ctx: EngineContext) -> None:
    """The first submission takes the staging row; the second draft names a file of the
    account's own dossier, which it may attach again."""
    citizen = account(ctx, "citizen")
    staged = staging.stage_upload(ctx, citizen, "ho-khau.pdf", pdf("household"))
    first = submit_with(ctx, citizen, staged)
    second = submit_with(ctx, citizen, staged)
    for code in (first, second):
        assert [f.name for f in files.list_files(ctx, citizen, code)] == ["ho-khau.pdf"]


def test_the_settings_refuse_a_quota_below_one_file_and_a_ttl_below_a_draft(
    tmp_path: Path,
) -> None:
    base = {"MOTCUA_VAR_DIR": str(tmp_path), "MOTCUA_SECRET_KEY": "x" * 40}
    with pytest.raises(SettingsError, match="MOTCUA_STAGED_MAX_BYTES"):
        Settings.from_env({**base, "MOTCUA_STAGED_MAX_BYTES": "2048"})
    with pytest.raises(SettingsError, match="MOTCUA_STAGED_TTL_SECONDS"):
        Settings.from_env({**base, "MOTCUA_STAGED_TTL_SECONDS": "3600"})
    defaults = Settings.from_env(base).staging
    assert (defaults.max_files, defaults.max_bytes, defaults.ttl_seconds) == (
        40,
        200 * 1024 * 1024,
        24 * 3600,
    )


def _sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()
