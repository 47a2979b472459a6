"""The `motcua` group and its own commands (`migrate`, `demo`, `consistency`, `scheduler`); it
adds the command groups of the sibling modules. `serve` is added by the composition root,
`server.cli`, which serves the API and the web pages together."""

from __future__ import annotations

import signal
import sys
import threading

import click

from api.cli.audit import audit
from api.cli.calendar import calendar
from api.cli.definitions import deploy, validate
from api.cli.demo import demo
from api.cli.documents import documents
from api.cli.outbox import dvcqg_peer, outbox
from api.cli.report import report as report_group
from api.cli.scenarios import scenario
from api.cli.session import cli_actor, engine_context
from api.cli.tasks import task
from api.cli.timers import timers as timers_group
from api.cli.units import unit
from api.cli.users import user
from api.cli.webhooks import webhook
from api.logs import configure_process_logging
from engine.audit.consistency import check_everything, parse_since
from engine.calendar.data import CalendarDataError
from engine.scheduler import TimerScheduler
from engine.services import calendar as calendar_service
from engine.services.documents import ensure_production_keys
from engine.settings import Settings, SettingsError
from storage.migrate import upgrade


@click.group()
@click.version_option(package_name="motcua", prog_name="motcua", message="%(prog)s %(version)s")
def main() -> None:
    """motcua: BPMN-driven one-stop dossier system (BHXH)."""


@main.command()
def migrate() -> None:
    """Create or upgrade the database schema (MOTCUA_DATABASE_URL; default var/motcua.db), and
    register this release's calendar data as the version in force if it changed."""
    settings = Settings.from_env()
    upgrade(settings.database_url)
    click.echo(f"database up to date: {_safe_url(settings.database_url)}")
    try:
        version, created = calendar_service.register_repository_data(engine_context(), cli_actor())
    except CalendarDataError as exc:
        raise click.ClickException(str(exc)) from exc
    verb = "registered as new version" if created else "unchanged, version"
    click.echo(f"calendar data: {verb} {version.version} ({version.content_hash[:12]})")


@main.command()
@click.option(
    "--changed-since",
    "changed_since",
    metavar="WHEN",
    help="only the dossiers written to since WHEN: an ISO date-time with its UTC offset "
    "(2026-03-10T08:00:00+07:00) or a duration before now (24h, 90m, 7d)",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1, max=64),
    default=1,
    show_default=True,
    help="worker processes checking dossiers at once (each with its own connection)",
)
def consistency(changed_since: str | None, jobs: int) -> None:
    """Check that every dossier's events, work items and workflow state agree (e.g. after a
    crash); lists the dossiers that do not, by code, and exits 1."""
    ctx = engine_context()
    since = None
    if changed_since is not None:
        try:
            since = parse_since(changed_since, ctx.clock.now())
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--changed-since") from exc
    summary = check_everything(ctx, jobs=jobs, changed_since=since)
    for report in summary.inconsistent:
        click.echo(f"{report.code}: " + "; ".join(report.problems))
    scope = f" (changed since {since.isoformat()})" if since is not None else ""
    click.echo(
        f"{summary.checked} dossiers checked, {len(summary.inconsistent)} inconsistent{scope}"
    )
    if summary.inconsistent:
        sys.exit(1)


@main.command()
@click.option("--once", is_flag=True, help="fire every timer due now, then exit")
def scheduler(once: bool) -> None:
    """Run the timer scheduler (exactly one runs per database; others stand by)."""
    ctx = engine_context()
    try:  # a timer step may issue a document of record: the same rule as `motcua serve`
        ensure_production_keys(ctx)
    except SettingsError as exc:
        ctx.close()
        raise click.ClickException(str(exc)) from None
    configure_process_logging(ctx.tz)
    timers = TimerScheduler(ctx)
    if once:
        fired = timers.run_once()
        ctx.close()
        if fired is None:
            click.echo("another scheduler is active; it fires the timers")
        else:
            click.echo(f"{fired} timer(s) fired")
        return
    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stopping.set())
    timers.start()
    stopping.wait()
    timers.stop()
    ctx.close()


for _group in (
    audit,
    calendar,
    demo,
    deploy,
    documents,
    dvcqg_peer,
    outbox,
    report_group,
    scenario,
    task,
    timers_group,
    unit,
    user,
    validate,
    webhook,
):
    main.add_command(_group)


def _safe_url(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return f"{scheme}{sep}{rest}"
