"""An exported bundle verifies offline, and changing any byte of it makes verification fail."""

from __future__ import annotations

import json
import random

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from engine.audit.bundle import render, verify_bundle
from engine.context import EngineContext
from engine.events import canonical_json
from engine.security.signing import SigningKey
from engine.services import audit
from engine.services.audit_dossiers import export_dossier
from tests.conftest import ADMIN
from tests.support import ACCEPT, APPRAISE, HttpApi


@pytest.fixture
def bundle(http: HttpApi, ctx: EngineContext) -> bytes:
    code = http.submit()["code"]
    http.act(code, "reception", ACCEPT)
    audit.create_checkpoint(ctx, ADMIN)
    http.act(code, "specialist", APPRAISE)
    return export_dossier(ctx, ADMIN, code)


def test_a_bundle_holds_what_an_offline_check_needs(bundle: bytes, ctx: EngineContext) -> None:
    content = json.loads(bundle)["bundle"]
    assert [e["seq"] for e in content["events"]] == list(range(1, 15))
    assert content["events"][-1]["payload"] == {"what": "export"}
    [definition] = content["definitions"]
    assert definition["key"] == "cap_lai_the_bhyt" and definition["version"] == 1
    assert "<bpmn:process" in definition["sources"]["cap_lai_the_bhyt.bpmn"]
    assert "submission" in definition["forms"]
    assert content["checkpoint"]["entry"][1] == 10  # the head when the checkpoint was signed
    assert content["public_key"]["key_id"] == ctx.audit_key.key_id
    report = verify_bundle(bundle, ctx.audit_key.public)
    assert report.ok and report.problems == [] and report.key_pinned
    assert (report.events, report.checkpoint) == (14, 1)


def test_changing_any_byte_makes_verification_fail(bundle: bytes) -> None:
    sample = random.Random(352)
    positions = sorted(
        {0, 1, len(bundle) - 2, len(bundle) - 1, *sample.sample(range(len(bundle)), 400)}
    )
    for position in positions:
        changed = bytearray(bundle)
        changed[position] ^= 0x01
        report = verify_bundle(bytes(changed))
        assert not report.ok, (
            f"byte {position} ({bundle[position : position + 1]!r}) changed unnoticed"
        )


def test_a_bundle_re_signed_after_removing_certified_events_is_caught(
    bundle: bytes, ctx: EngineContext
) -> None:
    """Even with the server's key, events a checkpoint certified cannot quietly go."""
    content = json.loads(bundle)["bundle"]
    content["events"] = content["events"][:5]
    forged = render({"bundle": content, "signature": ctx.audit_key.sign(canonical_json(content))})
    report = verify_bundle(forged)
    assert not report.ok
    assert report.problems == [
        "event 10: truncated: checkpoint #1 certified it; the bundle does not have it"
    ]


def test_a_bundle_signed_by_another_key_fails_against_the_trusted_key(
    bundle: bytes, ctx: EngineContext
) -> None:
    stranger = SigningKey(Ed25519PrivateKey.generate())
    content = json.loads(bundle)["bundle"]
    content["public_key"] = {
        "algorithm": "Ed25519",
        "key_id": stranger.key_id,
        "pem": stranger.public.pem,
    }
    forged = render({"bundle": content, "signature": stranger.sign(canonical_json(content))})
    assert any(
        "not with the key you trust" in p
        for p in verify_bundle(forged, ctx.audit_key.public).problems
    )
    loose = verify_bundle(forged)  # without a pinned key, the checkpoint's signature still fails
    assert loose.problems == ["checkpoint #1 is signed by another key"]


@pytest.mark.parametrize("garbage", [b"", b"{}", b"[1, 2]", b'{"bundle": 1}\n', b"\xff\xfe"])
def test_garbage_is_refused_without_a_crash(garbage: bytes) -> None:
    report = verify_bundle(garbage)
    assert not report.ok and report.problems
