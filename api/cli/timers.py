"""`motcua timers ...`: the timers the scheduler parked as failed, and resuming one
(docs/deadlines.md "Parked timers")."""

from __future__ import annotations

import click

from api.cli.session import session
from api.times import local_iso
from engine.errors import EngineError
from engine.services import timers as timer_service


@click.group()
def timers() -> None:
    """Timers the scheduler parked as failed."""


@timers.command("parked")
def timers_parked() -> None:
    """List parked timers: id, dossier, element, when parked, due time, reason."""
    ctx, actor = session()
    parked = timer_service.parked_timers(ctx, actor)
    for timer in parked:
        failed_at = local_iso(timer.failed_at, ctx.tz) if timer.failed_at else "-"
        click.echo(
            f"{timer.timer_id}  {timer.dossier_code}  {timer.bpmn_id}  parked {failed_at}  "
            f"due {local_iso(timer.due_at, ctx.tz)}  {timer.reason}"
        )
    click.echo(f"{len(parked)} parked timer(s)")


@timers.command("resume")
@click.argument("timer_id")
def timers_resume(timer_id: str) -> None:
    """Put a parked timer back to pending: the scheduler's next pass fires it (audited)."""
    ctx, actor = session()
    try:
        timer = timer_service.resume_timer(ctx, actor, timer_id)
    except EngineError as exc:
        raise click.ClickException(exc.detail) from exc
    click.echo(f"timer {timer.timer_id} of {timer.dossier_code} ({timer.bpmn_id}) resumed")
