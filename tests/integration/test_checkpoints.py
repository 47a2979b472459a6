"""Signed checkpoints: the key, what gets signed, and tampering with the checkpoints themselves."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import delete, update

from engine.context import EngineContext, build
from engine.errors import PermissionDeniedError
from engine.security.authz import SYSTEM_ACTOR, Actor
from engine.security.signing import KEY_FILE_NAME, SigningKey
from engine.services import audit
from engine.settings import Settings
from storage.audit_models import Checkpoint
from tests.conftest import ADMIN
from tests.support import ACCEPT, HttpApi
from tests.tampering import tampering

AUDITOR = Actor(user_id=None, username="test-auditor", roles=frozenset({"auditor"}), unit_code=None)


def test_the_key_is_made_on_first_start_and_kept(settings: Settings) -> None:
    path = settings.var_dir / KEY_FILE_NAME
    assert not path.exists()
    first = build(settings)
    assert path.stat().st_mode & 0o777 == 0o600
    second = build(settings)
    assert second.audit_key.key_id == first.audit_key.key_id
    assert audit.public_key(first, AUDITOR).pem == second.audit_key.public.pem
    first.close()
    second.close()


def test_several_processes_starting_at_once_share_one_key(tmp_path: Path) -> None:
    path = tmp_path / KEY_FILE_NAME
    keys: list[str] = []
    barrier = threading.Barrier(8)

    def start() -> None:
        barrier.wait()
        keys.append(SigningKey.load_or_create(path).key_id)

    threads = [threading.Thread(target=start) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(keys) == 8 and len(set(keys)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == [KEY_FILE_NAME]


def test_checkpoints_sign_what_moved_and_link_to_each_other(
    http: HttpApi, ctx: EngineContext
) -> None:
    code = http.submit()["code"]
    http.token("reception")  # logged in before: a login moves the system chain too
    first = audit.create_checkpoint(ctx, SYSTEM_ACTOR)  # as the scheduler calls it
    assert first.created and first.checkpoint is not None
    assert first.checkpoint.seq == 1 and first.checkpoint.chains == 2
    assert first.checkpoint.created_by == "system"
    again = audit.create_checkpoint(ctx, AUDITOR)
    assert not again.created and again.checkpoint == first.checkpoint

    http.act(code, "reception", ACCEPT)
    second = audit.create_checkpoint(ctx, AUDITOR)
    assert second.created and second.checkpoint is not None
    assert second.checkpoint.seq == 2 and second.checkpoint.chains == 1  # only the dossier moved
    listed = audit.list_checkpoints(ctx, AUDITOR, page=1, page_size=10)
    assert [c.seq for c in listed.items] == [2, 1] and listed.total == 2
    report = audit.verify_audit_log(ctx, AUDITOR)
    assert report.ok and report.checkpoints == 2


def test_only_auditors_admins_and_the_scheduler_sign(ctx: EngineContext) -> None:
    officer = Actor(user_id=3, username="leader", roles=frozenset({"leader"}), unit_code="x")
    with pytest.raises(PermissionDeniedError):
        audit.create_checkpoint(ctx, officer)
    assert audit.create_checkpoint(ctx, ADMIN).created


def test_concurrent_checkpoints_never_fork_the_sequence(http: HttpApi, ctx: EngineContext) -> None:
    http.submit()
    results: list[audit.CheckpointResult] = []
    barrier = threading.Barrier(4)

    def sign() -> None:
        barrier.wait()
        results.append(audit.create_checkpoint(ctx, AUDITOR))

    threads = [threading.Thread(target=sign) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(results) == 4
    assert sum(r.created for r in results) == 1
    assert audit.verify_audit_log(ctx, AUDITOR).ok


def _kinds(ctx: EngineContext, **options: object) -> list[tuple[str, int | None, str]]:
    report = audit.verify_audit_log(ctx, AUDITOR, **options)  # type: ignore[arg-type]
    return [(p.kind, p.seq, p.detail) for p in report.problems]


def test_editing_or_deleting_a_checkpoint_is_found(http: HttpApi, ctx: EngineContext) -> None:
    code = http.submit()["code"]
    audit.create_checkpoint(ctx, AUDITOR)
    http.act(code, "reception", ACCEPT)
    audit.create_checkpoint(ctx, AUDITOR)
    with tampering(ctx) as conn:
        conn.execute(update(Checkpoint).where(Checkpoint.seq == 2).values(entries=[]))
    assert _kinds(ctx) == [
        (
            "checkpoint_invalid",
            2,
            "checkpoint #2: its list of chain heads was changed after signing",
        )
    ]
    with tampering(ctx) as conn:
        conn.execute(delete(Checkpoint).where(Checkpoint.seq == 1))
    kinds = _kinds(ctx)
    assert (
        "checkpoint_invalid",
        2,
        "checkpoint #2: checkpoint #1 is missing before this one",
    ) in kinds


def test_checkpoints_verify_only_with_a_trusted_key(http: HttpApi, ctx: EngineContext) -> None:
    http.submit()
    audit.create_checkpoint(ctx, AUDITOR)
    assert audit.verify_audit_log(ctx, AUDITOR, public_keys=[ctx.audit_key.public]).ok
    stranger = SigningKey(Ed25519PrivateKey.generate()).public
    kinds = _kinds(ctx, public_keys=[stranger])
    assert [(kind, seq) for kind, seq, _ in kinds] == [("checkpoint_invalid", 1)]
    assert "not a trusted key" in kinds[0][2]
