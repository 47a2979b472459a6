"""Webhooks (docs/integration.md): an administrator registers an endpoint with an event filter;
each matching change reaches it once, in order, signed with its secret, retried with the
outbox's back-off, and listed with its outcome. Bad URLs are refused with 422 naming the field."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from api.cli import main
from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.errors import ValidationFailedError
from engine.peers.addresses import is_public
from engine.peers.base import Outbound, RejectedError, WebhookEndpoint
from engine.peers.webhook import WebhookPeer
from engine.services import webhooks
from engine.settings import Settings, SettingsError
from tests.conftest import ADMIN, make_settings
from tests.outbox.receiver import Received, receiver
from tests.outbox.support import drain
from tests.support import ACCEPT, HttpApi

TOLERANCE_SECONDS = 300


@pytest.fixture
def settings(tmp_path: Path, database_url: str) -> Settings:
    """These tests deliver to a receiver on this machine: they opt in to private addresses, as
    a developer would (without it even the test environment refuses them)."""
    return make_settings(tmp_path / "var", database_url, MOTCUA_WEBHOOK_ALLOW_PRIVATE="1")


def verify(secret: str, received: Received, now: float) -> dict[str, object]:
    """What a receiver does (the snippet of docs/integration.md): check the signature over
    `t.body` in constant time and the timestamp's freshness, then parse."""
    header = received.headers["X-Motcua-Signature"]
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    expected = hmac.new(
        secret.encode(), f"{timestamp}.".encode() + received.body, hashlib.sha256
    ).hexdigest()
    assert hmac.compare_digest(expected, parts["v1"]), "bad signature"
    assert abs(now - timestamp) <= TOLERANCE_SECONDS, "stale timestamp"
    body: dict[str, object] = json.loads(received.body)
    return body


def documented_verify() -> Any:
    """The verification snippet of docs/integration.md, as a reader would paste it."""
    text = (Path(__file__).parents[2] / "docs" / "integration.md").read_text(encoding="utf-8")
    after = text.index("**Verifying a delivery**")
    start = text.index("```python\n", after) + len("```python\n")
    namespace: dict[str, Any] = {}
    exec(text[start : text.index("```", start)], namespace)  # noqa: S102 - our own docs
    return namespace["verify"]


def register(http: HttpApi, url: str, **extra: object) -> tuple[int, str]:
    created = http.call(
        "POST",
        "/api/v1/admin/webhooks",
        "admin",
        expect=201,
        json={"url": url, "events": ["status_changed", "document_issued"], **extra},
    )
    return created["webhook"]["id"], created["secret"]


def test_every_matching_event_arrives_signed_once_and_in_order(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    with receiver() as hook:
        webhook_id, secret = register(http, hook.url)
        code = http.submit()["code"]
        http.act(code, "reception", ACCEPT)
        drain(ctx, clock)
        drain(ctx, clock)  # nothing delivered twice
        http.forget_tokens()  # the clock moved past them

        now = clock.now().timestamp()
        bodies = [verify(secret, received, now) for received in hook.received]
    assert [(b["type"], b["dossier"]["status"]) for b in bodies] == [  # type: ignore[index]
        ("status_changed", 1),
        ("status_changed", 2),
        ("document_issued", 2),
        ("status_changed", 4),
    ]
    ids = [received.headers["X-Motcua-Delivery"] for received in hook.received]
    assert ids == [body["id"] for body in bodies] and len(set(ids)) == len(ids)
    assert all(i.startswith(f"{code}:") for i in ids)
    assert "applicant_name" not in bodies[0]["dossier"]  # type: ignore[operator]
    assert bodies[2]["document"]["form"] == "01"  # type: ignore[index]

    # the snippet of docs/integration.md accepts them too (the clock is frozen in March 2026)
    documented = documented_verify()
    for received, body in zip(hook.received, bodies, strict=True):
        header = received.headers["X-Motcua-Signature"]
        assert documented(secret, header, received.body, tolerance=10**9) == body

    listed = http.call("GET", f"/api/v1/admin/webhooks/{webhook_id}/deliveries", "admin")
    assert listed["total"] == 4
    assert {item["state"] for item in listed["items"]} == {"delivered"}
    # the secret is shown once: never in the list
    assert secret not in json.dumps(http.call("GET", "/api/v1/admin/webhooks", "admin"))


def test_a_failing_receiver_is_retried_and_a_tampered_body_fails_verification(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    with receiver() as hook:
        hook.answers = [503, 500]
        webhook_id, secret = register(http, hook.url, events=["status_changed"], statuses=[1])
        http.submit()
        drain(ctx, clock)
        http.forget_tokens()
    assert len(hook.received) == 3  # two failures, then delivered
    listed = http.call("GET", f"/api/v1/admin/webhooks/{webhook_id}/deliveries", "admin")
    [delivery] = listed["items"]
    assert (delivery["state"], delivery["attempts"]) == ("delivered", 3)

    last = hook.received[-1]
    tampered = Received(last.path, last.headers, last.body.replace(b'"status":1', b'"status":9'))
    with pytest.raises(AssertionError, match="bad signature"):
        verify(secret, tampered, clock.now().timestamp())


def test_a_redirect_or_a_refusal_parks_the_delivery_with_its_reason(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    with receiver() as hook, receiver() as elsewhere:
        hook.answers, hook.location = [302], elsewhere.url
        webhook_id, _ = register(http, hook.url, events=["status_changed"], statuses=[1])
        http.submit()
        drain(ctx, clock)
        http.forget_tokens()
    assert elsewhere.received == []  # not followed
    [delivery] = http.call("GET", f"/api/v1/admin/webhooks/{webhook_id}/deliveries", "admin")[
        "items"
    ]
    assert delivery["state"] == "dead"
    assert "redirects are not followed" in delivery["last_error"]


def test_the_filter_picks_the_statuses_and_a_disabled_webhook_gets_nothing(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    with receiver() as accepted_only, receiver() as disabled:
        register(http, accepted_only.url, events=["status_changed"], statuses=[2])
        off, _ = register(http, disabled.url)
        http.call("POST", f"/api/v1/admin/webhooks/{off}/disable", "admin")
        code = http.submit()["code"]
        http.act(code, "reception", ACCEPT)
        drain(ctx, clock)
        http.forget_tokens()
    assert [json.loads(r.body)["dossier"]["status"] for r in accepted_only.received] == [2]
    assert disabled.received == []
    http.call("DELETE", f"/api/v1/admin/webhooks/{off}", "admin", expect=204)
    http.call("GET", f"/api/v1/admin/webhooks/{off}/deliveries", "admin", expect=404)
    # Where dossier events go is an administrator's change on the system chain.
    with ctx.uow(write=False) as uow:
        changes = [
            (e.type, e.payload["id"], e.actor_username)
            for e in uow.events.for_chain("system")
            if e.type.startswith("webhook_")
        ]
    assert changes[-3:] == [
        ("webhook_registered", off, "admin"),
        ("webhook_disabled", off, "admin"),
        ("webhook_deleted", off, "admin"),
    ]


@pytest.mark.parametrize(
    ("env", "url", "why"),
    [
        ("staging", "http://hooks.example.vn/x", "must start with https://"),
        ("production", "https://127.0.0.1/x", "non-public address"),
        ("production", "https://localhost/x", "non-public address"),
        ("production", "https://10.1.2.3/x", "non-public address"),
        ("production", "https://169.254.169.254/latest", "non-public address"),
        ("production", "https://[::ffff:192.168.1.1]/x", "non-public address"),
        ("production", "https://224.0.0.1/x", "non-public address"),
        ("production", "https://user:pw@hooks.example.vn/x", "user name or password"),
        ("production", "https://unresolvable.invalid/x", "does not resolve"),
        ("development", "ftp://hooks.example.vn/x", "must start with https:// or http://"),
        # private addresses are refused in every environment that did not opt in
        ("staging", "https://10.1.2.3/x", "non-public address"),
        ("staging", "https://localhost/x", "non-public address"),
        ("uat", "https://169.254.169.254/latest", "non-public address"),
        ("development", "http://127.0.0.1:8080/x", "non-public address"),
        ("test", "http://localhost:8080/x", "non-public address"),
        ("test", "https://[fd00::1]/x", "non-public address"),
        # IPv6 carrying a private IPv4 address: judged by the IPv4 address it leads to
        ("staging", "https://[2002:7f00:1::1]/x", "non-public address"),  # 6to4 -> 127.0.0.1
        ("staging", "https://[2002:a9fe:a9fe::]/x", "non-public address"),  # -> 169.254.169.254
        ("staging", "https://[64:ff9b::a01:203]/x", "non-public address"),  # NAT64 -> 10.1.2.3
        ("staging", "https://[::ffff:7f00:1]/x", "non-public address"),  # mapped -> 127.0.0.1
        # Teredo: server 65.54.227.120, client 192.168.1.2 (stored inverted)
        ("staging", "https://[2001:0:4136:e378:8000:63bf:3f57:fefd]/x", "non-public address"),
    ],
)
def test_a_url_that_is_not_allowed_is_refused_naming_the_field(
    ctx: EngineContext, env: str, url: str, why: str
) -> None:
    strict = replace(ctx, settings=replace(ctx.settings, env=env, webhook_allow_private=False))
    with pytest.raises(ValidationFailedError) as refused:
        webhooks.create(strict, ADMIN, url=url, events=["status_changed"])
    [error] = refused.value.errors
    assert error.field == "url" and why in error.message


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        ("2606:4700::1111", True),
        ("2002:808:808::1", True),  # 6to4 of 8.8.8.8
        ("2002:7f00:1::", False),  # 6to4 of 127.0.0.1: Python calls the IPv6 address global
        ("2002:c0a8:101::", False),  # 6to4 of 192.168.1.1
        ("64:ff9b::808:808", True),  # NAT64 of 8.8.8.8
        ("64:ff9b::7f00:1", False),
        ("64:ff9b::a9fe:a9fe", False),
        ("64:ff9b:1::808:808", False),  # the local-use NAT64 prefix is not public
        ("::ffff:8.8.8.8", True),
        ("::ffff:10.0.0.1", False),
        ("2001:0:4136:e378:8000:63bf:f7f7:f7f7", True),  # Teredo: 65.54.227.120 -> 8.8.8.8
        ("2001:0:4136:e378:8000:63bf:3f57:fefd", False),  # Teredo -> 192.168.1.2
        ("2001:0:a00:1:8000:63bf:f7f7:f7f7", False),  # Teredo server 10.0.0.1
        ("::127.0.0.1", False),
        ("fe80::1", False),
        ("fec0::1", False),  # site-local: deprecated, still routed inside some networks
        ("ff02::1", False),
    ],
)
def test_an_ipv6_address_carrying_an_ipv4_one_is_judged_by_it(address: str, public: bool) -> None:
    assert is_public(ipaddress.ip_address(address)) is public


def test_a_name_without_an_address_is_registered_outside_production_and_judged_at_delivery(
    ctx: EngineContext, clock: FrozenClock
) -> None:
    staging = replace(ctx, settings=replace(ctx.settings, env="staging"))
    created = webhooks.create(
        staging, ADMIN, url="https://unresolvable.invalid/x", events=["status_changed"]
    )
    assert created.webhook.url == "https://unresolvable.invalid/x"
    peer = WebhookPeer(clock, env="staging", private_allowed=False, timeout=1.0)
    message = _status_change_to("https://unresolvable.invalid/x")
    with pytest.raises(RejectedError, match="does not resolve"):
        peer.deliver(message)


def test_only_a_development_or_test_deployment_may_opt_in_to_private_addresses(
    tmp_path: Path,
) -> None:
    base = {
        "MOTCUA_VAR_DIR": str(tmp_path),
        "MOTCUA_SECRET_KEY": "Zq7-xK2pLm9vB4nR8tW1yC6dF3gH5jQ0sE-aUoIiPeY",
        "MOTCUA_WEBHOOK_ALLOW_PRIVATE": "1",
    }
    for env in ("development", "test"):
        assert Settings.from_env({**base, "MOTCUA_ENV": env}).webhook_private_allowed
    for env in ("production", "staging", "uat"):
        with pytest.raises(SettingsError, match="MOTCUA_WEBHOOK_ALLOW_PRIVATE"):
            Settings.from_env({**base, "MOTCUA_ENV": env})
    with pytest.raises(SettingsError, match="true or false"):
        Settings.from_env({**base, "MOTCUA_WEBHOOK_ALLOW_PRIVATE": "maybe"})
    # without the variable, no environment reaches private addresses, development included
    for env in ("development", "test", "staging"):
        unset = {k: v for k, v in base.items() if k != "MOTCUA_WEBHOOK_ALLOW_PRIVATE"}
        assert not Settings.from_env({**unset, "MOTCUA_ENV": env}).webhook_private_allowed


def test_without_the_opt_in_a_local_receiver_gets_nothing_and_the_reason_is_listed(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock
) -> None:
    """Registered while the deployment allowed it; delivered once it no longer does: the
    delivery's own check refuses it (the same check that defeats DNS rebinding)."""
    with receiver() as hook:
        webhook_id, _ = register(http, hook.url, events=["status_changed"], statuses=[1])
        ctx.settings = replace(ctx.settings, webhook_allow_private=False)
        http.submit()
        drain(ctx, clock)
        http.forget_tokens()
    assert hook.received == []
    [delivery] = http.call("GET", f"/api/v1/admin/webhooks/{webhook_id}/deliveries", "admin")[
        "items"
    ]
    assert delivery["state"] == "dead"
    assert "non-public address (127.0.0.1)" in delivery["last_error"]
    http.call(
        "POST",
        "/api/v1/admin/webhooks",
        "admin",
        expect=422,
        json={"url": hook.url, "events": ["status_changed"]},
    )


def test_bad_input_over_http_is_422_naming_the_field(http: HttpApi, ctx: EngineContext) -> None:
    ctx.settings = replace(ctx.settings, env="staging")
    problem = http.call(
        "POST",
        "/api/v1/admin/webhooks",
        "admin",
        expect=422,
        json={"url": "http://hooks.example.vn/x", "events": ["status_changed"]},
    )
    assert "url" in json.dumps(problem)
    problem = http.call(
        "POST",
        "/api/v1/admin/webhooks",
        "admin",
        expect=422,
        json={"url": "https://hooks.example.vn/x", "events": ["lunch"]},
    )
    assert "events" in json.dumps(problem)


def _status_change_to(url: str) -> Outbound:
    return Outbound(
        1,
        "X:1",
        "status_changed",
        {"dossier": {"code": "X", "status": 1}},
        endpoint=WebhookEndpoint(1, url, "whsec_x"),
    )


def test_at_delivery_a_name_that_now_resolves_inside_is_refused(clock: FrozenClock) -> None:
    """DNS rebinding: registered while public, the name points at loopback when delivering."""
    peer = WebhookPeer(clock, env="production", private_allowed=False, timeout=1.0)
    message = _status_change_to("https://localhost:9/hook")
    with pytest.raises(RejectedError, match="non-public address"):
        peer.deliver(message)


def test_the_command_line_registers_lists_and_removes_a_webhook(ctx: EngineContext) -> None:
    env = {
        "MOTCUA_ENV": "test",
        "MOTCUA_DATABASE_URL": ctx.settings.database_url,
        "MOTCUA_VAR_DIR": str(ctx.settings.var_dir),
        "MOTCUA_SECRET_KEY": ctx.settings.secret_key,
    }

    def cli(*args: str, code: int = 0) -> str:
        result = CliRunner().invoke(main, ["webhook", *args], env=env)
        assert result.exit_code == code, result.output
        return result.output

    created = cli(
        "create", "https://hooks.example.vn/x", "--event", "status_changed", "--status", "2"
    )
    assert (
        "webhook 1 registered for status_changed" in created
        and "secret (shown this once): whsec_" in created
    )
    assert "1  active  https://hooks.example.vn/x  status_changed  statuses 2" in cli("list")
    assert "0 of 0 deliveries" in cli("deliveries", "1")
    assert "webhook 1 disabled" in cli("disable", "1")
    assert "webhook 1 deleted" in cli("delete", "1")
    assert "url: url must start with" in cli(
        "create", "ftp://x/y", "--event", "status_changed", code=1
    )
