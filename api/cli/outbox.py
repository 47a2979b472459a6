"""`motcua outbox ...` and `motcua dvcqg-peer`: the messages to other systems
(docs/integration.md) and a fake national portal to deliver them to in development."""

from __future__ import annotations

import json
import signal
import threading

import click

from api.cli.session import refusal, session
from api.times import local_iso
from engine.audit.consistency import parse_since
from engine.errors import EngineError
from engine.peers.fake_dvcqg import FakeDvcqg, PeerBehaviour
from engine.scheduler import deliver_outbox_once
from engine.services import outbox as outbox_service
from storage.statuses import OutboxState

LIST_LIMIT = 200


@click.group()
def outbox() -> None:
    """Messages to other systems (the national portal): list, retry, purge, deliver."""


@outbox.command("list")
@click.option("--state", type=click.Choice([s.value for s in OutboxState]), default=None)
@click.option("--destination", default=None, help="e.g. dvcqg")
@click.option("--dossier", "dossier_code", default=None, help="one dossier's messages")
@click.option("--limit", type=click.IntRange(1, LIST_LIMIT), default=50, show_default=True)
def outbox_list(
    state: str | None, destination: str | None, dossier_code: str | None, limit: int
) -> None:
    """Newest first: id, state, destination, key, attempts, next attempt, last error."""
    ctx, actor = session()
    page = outbox_service.list_messages(
        ctx,
        actor,
        state=state,
        destination=destination,
        dossier_code=dossier_code,
        page=1,
        page_size=limit,
    )
    for message in page.items:
        when = (
            local_iso(message.delivered_at, ctx.tz)
            if message.delivered_at
            else f"next {local_iso(message.next_attempt_at, ctx.tz)}"
        )
        click.echo(
            f"{message.id}  {message.state}  {message.destination}  {message.key}  "
            f"{message.kind}  attempts {message.attempts}  {when}"
            + (f"  {message.last_error}" if message.last_error else "")
        )
    click.echo(f"{len(page.items)} of {page.total} message(s)")


@outbox.command("retry")
@click.argument("message_id", type=int)
def outbox_retry(message_id: int) -> None:
    """Deliver a dead message again at the next pass (its maximum age counts from now)."""
    ctx, actor = session()
    try:
        message = outbox_service.retry(ctx, actor, message_id)
    except EngineError as exc:
        raise refusal(exc) from exc
    click.echo(f"message {message.id} ({message.key}) to {message.destination} is pending again")


@outbox.command("purge-delivered")
@click.option(
    "--older-than",
    required=True,
    help="a duration such as 30d or 12h, or a date-time with its UTC offset",
)
def outbox_purge_delivered(older_than: str) -> None:
    """Delete delivered messages delivered before then (pending and dead ones stay)."""
    ctx, actor = session()
    try:
        before = parse_since(older_than, ctx.clock.now())
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--older-than") from exc
    purged = outbox_service.purge_delivered(ctx, actor, before)
    click.echo(f"{purged} delivered message(s) purged")


@outbox.command("deliver")
def outbox_deliver() -> None:
    """Deliver what is due now and exit (under the scheduler's lock; the scheduler does this
    every MOTCUA_OUTBOX_POLL_SECONDS)."""
    ctx, _actor = session()
    tried = deliver_outbox_once(ctx)
    if tried is None:
        click.echo("another scheduler is active; it delivers the outbox")
    else:
        health = outbox_service.health(ctx)
        click.echo(f"{tried} delivery attempt(s); {health.pending} pending, {health.dead} dead")


@click.command("dvcqg-peer")
@click.option("--port", type=click.IntRange(0, 65535), default=8090, show_default=True)
@click.option("--fail-first", type=click.IntRange(0), default=0, help="answer 503 to the first N")
@click.option(
    "--hang-first", type=click.IntRange(0), default=0, help="hold the first N answers (timeouts)"
)
@click.option("--hang-seconds", type=click.FloatRange(0), default=10.0, show_default=True)
@click.option("--delay", type=click.FloatRange(0), default=0.0, help="seconds before each answer")
def dvcqg_peer(
    port: int, fail_first: int, hang_first: int, hang_seconds: float, delay: float
) -> None:
    """A fake national portal on 127.0.0.1 that records what it receives (once per key):
    set MOTCUA_DVCQG_URL to the URL it prints. GET /_records lists what it accepted."""
    behaviour = PeerBehaviour(
        fail=fail_first, hang=hang_first, hang_seconds=hang_seconds, delay_seconds=delay
    )
    peer = FakeDvcqg(port, behaviour).start()
    click.echo(f"fake DVCQG listening: MOTCUA_DVCQG_URL={peer.url}", err=False)
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    stopping.wait()
    peer.stop()
    records = peer.snapshot()
    click.echo(json.dumps({k: v for k, v in records.items() if k != "accepted"}))
