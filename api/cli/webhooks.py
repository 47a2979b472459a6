"""`motcua webhook ...`: register, list, disable and delete the webhooks of other systems and
see their deliveries (docs/integration.md)."""

from __future__ import annotations

import click

from api.cli.session import refusal, session
from api.times import local_iso
from engine.errors import EngineError, ValidationFailedError
from engine.services import webhooks as webhook_service
from engine.services.webhooks import EVENTS


@click.group()
def webhook() -> None:
    """Webhooks: signed notices of dossier events to other systems."""


@webhook.command("create")
@click.argument("url")
@click.option(
    "--event",
    "events",
    type=click.Choice(EVENTS),
    multiple=True,
    required=True,
    help="repeat for several",
)
@click.option("--status", "statuses", type=click.IntRange(1, 10), multiple=True, help="filter")
@click.option("--description", default="")
def webhook_create(
    url: str, events: tuple[str, ...], statuses: tuple[int, ...], description: str
) -> None:
    """Register URL; prints the signing secret, shown this once."""
    ctx, actor = session()
    try:
        created = webhook_service.create(
            ctx, actor, url=url, events=events, statuses=statuses, description=description
        )
    except ValidationFailedError as exc:
        raise click.ClickException(
            "; ".join(f"{e.field}: {e.message}" for e in exc.errors)
        ) from exc
    except EngineError as exc:
        raise refusal(exc) from exc
    click.echo(f"webhook {created.webhook.id} registered for {', '.join(created.webhook.events)}")
    click.echo(f"secret (shown this once): {created.secret}")


@webhook.command("list")
def webhook_list() -> None:
    """id, state, URL, events, statuses."""
    ctx, actor = session()
    for view in webhook_service.list_webhooks(ctx, actor):
        state = "active" if view.active else "disabled"
        statuses = ",".join(str(s) for s in view.statuses) or "all"
        click.echo(f"{view.id}  {state}  {view.url}  {','.join(view.events)}  statuses {statuses}")


@webhook.command("disable")
@click.argument("webhook_id", type=int)
def webhook_disable(webhook_id: int) -> None:
    """No new messages; the undelivered ones are parked."""
    ctx, actor = session()
    try:
        webhook_service.disable(ctx, actor, webhook_id)
    except EngineError as exc:
        raise refusal(exc) from exc
    click.echo(f"webhook {webhook_id} disabled")


@webhook.command("delete")
@click.argument("webhook_id", type=int)
def webhook_delete(webhook_id: int) -> None:
    """Delete it with its deliveries."""
    ctx, actor = session()
    try:
        webhook_service.delete(ctx, actor, webhook_id)
    except EngineError as exc:
        raise refusal(exc) from exc
    click.echo(f"webhook {webhook_id} deleted")


@webhook.command("deliveries")
@click.argument("webhook_id", type=int)
@click.option("--limit", type=click.IntRange(1, 200), default=50, show_default=True)
def webhook_deliveries(webhook_id: int, limit: int) -> None:
    """Newest first: id, state, key, attempts, when, last error."""
    ctx, actor = session()
    try:
        page = webhook_service.deliveries(ctx, actor, webhook_id, page=1, page_size=limit)
    except EngineError as exc:
        raise refusal(exc) from exc
    for item in page.items:
        when = local_iso(item.delivered_at or item.next_attempt_at, ctx.tz)
        click.echo(
            f"{item.id}  {item.state}  {item.key}  {item.kind}  attempts {item.attempts}  {when}"
            + (f"  {item.last_error}" if item.last_error else "")
        )
    click.echo(f"{len(page.items)} of {page.total} deliveries")
