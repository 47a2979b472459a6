"""`motcua calendar ...`: the working calendar (the official calendar data, its versions, and
overrides; docs/deadlines.md)."""

from __future__ import annotations

from datetime import datetime

import click

from api.cli.session import cli_actor, engine_context, refusal
from engine.errors import EngineError
from engine.identifiers.numbers import BIGINT_MAX
from engine.services import calendar as calendar_service


@click.group()
def calendar() -> None:
    """The working calendar: the official calendar data (versioned) plus overrides."""


@calendar.command("show")
@click.option("--year", type=click.IntRange(1, 9999), default=None, help="default: this year")
@click.option(
    "--version",
    type=click.IntRange(1, BIGINT_MAX),
    default=None,
    help="a calendar data version (default: in force)",
)
def calendar_show(year: int | None, version: int | None) -> None:
    """List the year's holidays, swapped working days and overrides, with their sources."""
    ctx = engine_context()
    try:
        shown = calendar_service.calendar_year(
            ctx, year or ctx.clock.now().astimezone(ctx.tz).year, version
        )
    except EngineError as exc:
        raise refusal(exc) from exc
    registered = shown.calendar_version
    click.echo(
        f"{shown.year}: {shown.status} ({shown.origin}); calendar data "
        + (
            f"version {registered.version} ({registered.content_hash[:12]})"
            if registered
            else "not registered yet (run motcua migrate)"
        )
        + f"; office hours {', '.join(shown.office_hours)}"
    )
    for notice in shown.notices:
        click.echo(f"  notice {notice.number} of {notice.date:%d/%m/%Y} ({notice.issuer})")
    for day in shown.days:
        mark = "working" if day.working else "day off"
        source = f"{day.source}: {day.origin}" if day.origin else day.source
        if day.notice is not None:
            source += f", {day.notice.number}"
        click.echo(f"  {day.day:%Y-%m-%d %a}  {mark:<8} {day.reason}  [{source}]")


@calendar.command("versions")
def calendar_versions() -> None:
    """List the registered versions of the calendar data (each dossier pins one)."""
    ctx = engine_context()
    for found in calendar_service.list_versions(ctx):
        registered = found.registered_at.astimezone(ctx.tz)
        click.echo(
            f"  {found.version:>4}  {found.content_hash[:12]}  "
            f"{registered:%Y-%m-%d %H:%M%z}  {found.registered_by}"
        )


@calendar.command("set")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("kind", type=click.Choice(["workday", "day_off"]))
@click.option("--note", default="", help="why, e.g. the government notice")
def calendar_set(day: datetime, kind: str, note: str) -> None:
    """Make DAY a working day (workday) or a day off (day_off)."""
    try:
        calendar_service.set_override(engine_context(), cli_actor(), day.date(), kind, note)
    except EngineError as exc:
        raise refusal(exc) from exc
    click.echo(f"{day:%Y-%m-%d}: {kind}")


@calendar.command("unset")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
def calendar_unset(day: datetime) -> None:
    """Remove DAY's override."""
    try:
        calendar_service.remove_override(engine_context(), cli_actor(), day.date())
    except EngineError as exc:
        raise refusal(exc) from exc
    click.echo(f"{day:%Y-%m-%d}: override removed")
