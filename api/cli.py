"""The `motcua` command: migrate, deploy, manage units and users (`serve` is added by the
composition root, `server.cli`, which serves the API and the web pages together)."""

from __future__ import annotations

import contextlib
import getpass
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar

import click

from api.accounts_cli import USER_COMMANDS, task
from api.audit_cli import audit
from api.calendar_cli import calendar
from api.cli_authoring import validate
from api.documents_cli import documents
from api.logs import configure_process_logging
from api.timers_cli import timers as timers_group
from api.times import local_iso
from engine.authz import Actor
from engine.calendar_data import CalendarDataError
from engine.consistency import check_everything, parse_since
from engine.context import EngineContext, build
from engine.errors import (
    DuplicateError,
    EngineError,
    InvalidDefinitionError,
    NotFoundError,
    ValidationFailedError,
)
from engine.results import Page
from engine.scheduler import TimerScheduler
from engine.services import accounts, admin, definitions
from engine.services import calendar as calendar_service
from engine.services.accounts import NewUser, roles_from_text
from engine.settings import Settings, SettingsError
from storage.migrate import upgrade

T = TypeVar("T")
DEMO_UNITS = (
    ("000.00.07.H29", "BHXH quận Ba Đình (demo)"),
    ("000.00.08.H29", "BHXH quận Hoàn Kiếm (demo)"),
)
DEMO_USERS = (
    # username, password, full name, roles, unit
    ("citizen", "citizen-demo-2026", "Nguyễn Văn An", "citizen", None),
    ("citizen2", "citizen2-demo-2026", "Trần Thị Bình", "citizen", None),
    ("reception", "reception-demo-2026", "Lê Thị Cúc (một cửa)", "reception", "000.00.07.H29"),
    (
        "specialist",
        "specialist-demo-2026",
        "Phạm Văn Dũng (chuyên viên)",
        "specialist",
        "000.00.07.H29",
    ),
    ("leader", "leader-demo-2026", "Hoàng Văn Em (lãnh đạo)", "leader", "000.00.07.H29"),
    (
        "reception.hk",
        "reception-hk-demo-2026",
        "Vũ Thị Giang (một cửa HK)",
        "reception",
        "000.00.08.H29",
    ),
    ("auditor", "auditor-demo-2026", "Đỗ Thị Hoa (kiểm tra)", "auditor", None),
    ("analyst", "analyst-demo-2026", "Bùi Văn Khánh (phân tích)", "analyst", None),
    ("admin", "admin-demo-2026", "Quản trị hệ thống", "admin", None),
)


def _context() -> EngineContext:
    """The engine for this command; its connections close when the command ends."""
    try:
        context = build(Settings.from_env())
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    click.get_current_context().call_on_close(context.close)
    return context


def _cli_actor() -> Actor:
    return Actor(
        user_id=None,
        username=f"cli:{getpass.getuser()}",
        roles=frozenset({"admin"}),
        unit_code=None,
    )


def _fail(exc: EngineError) -> click.ClickException:
    lines = [exc.detail]
    if isinstance(exc, InvalidDefinitionError):
        lines += [
            f"{p.file or '-'}:{p.line or 0}: {p.element_id or '-'}: {p.message}"
            for p in exc.problems
        ]
    if isinstance(exc, ValidationFailedError):
        lines += [f"{e.field}: {e.message}" for e in exc.errors]
    return click.ClickException("\n".join(lines))


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
        version, created = calendar_service.register_repository_data(_context(), _cli_actor())
    except CalendarDataError as exc:
        raise click.ClickException(str(exc)) from exc
    verb = "registered as new version" if created else "unchanged, version"
    click.echo(f"calendar data: {verb} {version.version} ({version.content_hash[:12]})")


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def deploy(paths: tuple[Path, ...]) -> None:
    """Deploy diagrams: each PATH is a .bpmn file or a folder of them (default: bpmn/).

    Forms are read from forms/<procedure_key>/*.json (MOTCUA_FORMS_DIR).
    """
    ctx = _context()
    targets = list(paths) or [ctx.settings.bpmn_dir]
    failed = False
    for target in targets:
        diagrams = sorted(target.glob("*.bpmn")) if target.is_dir() else [target]
        for diagram in diagrams:
            try:
                result = definitions.deploy(
                    ctx,
                    _cli_actor(),
                    definitions.bundle_from_directory(diagram, ctx.settings.forms_dir),
                )
            except EngineError as exc:
                failed = True
                click.echo(f"{diagram}: not deployed\n{_fail(exc).message}", err=True)
                continue
            verb = "deployed as new version" if result.created else "unchanged, version"
            click.echo(f"{result.key}: {verb} {result.version} ({result.hash[:12]})")
    if failed:
        sys.exit(1)


main.add_command(validate)


@main.command()
def demo() -> None:
    """Create the demo units and accounts (idempotent) and print their credentials."""
    ctx = _context()
    if ctx.settings.is_production:
        raise click.ClickException("demo accounts are refused with MOTCUA_ENV=production")
    for code, name in DEMO_UNITS:
        with contextlib.suppress(DuplicateError):
            accounts.create_unit(ctx, _cli_actor(), code, name)
    click.echo("Demo accounts (development only; refused when MOTCUA_ENV=production):")
    click.echo(f"  {'username':<14} {'password':<24} {'roles':<11} unit")
    for username, password, full_name, roles, unit in DEMO_USERS:
        with contextlib.suppress(DuplicateError):
            accounts.create_user(
                ctx,
                _cli_actor(),
                NewUser(username, password, full_name, roles_from_text(roles), unit, is_demo=True),
            )
        click.echo(f"  {username:<14} {password:<24} {roles:<11} {unit or '-'}")


@main.group()
def unit() -> None:
    """Manage units (BHXH offices)."""


@unit.command("add")
@click.argument("code")
@click.argument("name")
def unit_add(code: str, name: str) -> None:
    """Add a unit, e.g. `motcua unit add 000.00.07.H29 "BHXH quận Ba Đình"`."""
    try:
        created = accounts.create_unit(_context(), _cli_actor(), code, name)
    except EngineError as exc:
        raise _fail(exc) from exc
    click.echo(f"unit {created.code} added")


@unit.command("list")
def unit_list() -> None:
    """List the units."""
    ctx = _context()
    for item in _every_page(lambda page: admin.list_units(ctx, _cli_actor(), page, 100)):
        click.echo(f"{item.code:<16} {item.name}")


@main.group()
def user() -> None:
    """Manage user accounts."""


@user.command("add")
@click.argument("username")
@click.option(
    "--password", default=None, help="asked for (hidden, twice) when not given, after the checks"
)
@click.option(
    "--role",
    "roles",
    required=True,
    help="comma-separated: citizen, reception, specialist, leader, auditor, analyst, admin",
)
@click.option("--unit", "unit_code", default=None, help="unit code (required for officers)")
@click.option("--full-name", default=None)
def user_add(
    username: str, password: str | None, roles: str, unit_code: str | None, full_name: str | None
) -> None:
    """Add a user account."""
    ctx = _context()
    role_list = roles_from_text(roles)
    # Check what can be checked before asking for a password nobody will use.
    problems = accounts.role_errors(role_list, unit_code)
    if problems:
        raise click.UsageError("; ".join(f"{p.field}: {p.message}" for p in problems))
    if unit_code is not None:
        try:
            admin.get_unit(ctx, _cli_actor(), unit_code)
        except NotFoundError as exc:
            raise click.UsageError(f"{exc.detail} (`motcua unit list` shows the units)") from exc
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        created = accounts.create_user(
            ctx,
            _cli_actor(),
            NewUser(username, password, full_name or username, role_list, unit_code),
        )
    except EngineError as exc:
        raise _fail(exc) from exc
    click.echo(f"user {created.username} added with roles {', '.join(created.roles) or '-'}")
    for withheld in sorted(set(role_list) - set(created.roles)):
        click.echo(
            f"role {withheld}: waiting for a second administrator "
            "(`motcua user grants --status pending`, `motcua user approve ID`)"
        )


@user.command("deactivate")
@click.argument("username")
def user_deactivate(username: str) -> None:
    """Deactivate a user: their tokens stop working at once; their history stays."""
    try:
        accounts.deactivate_user(_context(), _cli_actor(), username)
    except EngineError as exc:
        raise _fail(exc) from exc
    click.echo(f"user {username} deactivated")


@user.command("list")
@click.option("--unit", "unit_code", default=None, help="only this unit's accounts")
@click.option("--role", default=None, help="only accounts with this role")
def user_list(unit_code: str | None, role: str | None) -> None:
    """List user accounts (citizens' names masked)."""
    ctx = _context()
    pages = _every_page(
        lambda page: admin.list_users(
            ctx, _cli_actor(), unit_code=unit_code, role=role, page=page, page_size=100
        )
    )
    for item in pages:
        state = "active" if item.active else "inactive"
        if item.locked_until is not None:
            state += f", locked until {local_iso(item.locked_until, ctx.tz)}"
        roles = ",".join(item.roles)
        click.echo(
            f"{item.username:<20} {roles:<20} {item.unit_code or '-':<16} {state:<10} "
            f"{item.full_name}"
        )


@user.command("activate")
@click.argument("username")
def user_activate(username: str) -> None:
    """Let a deactivated user log in again."""
    try:
        admin.activate_user(_context(), _cli_actor(), username)
    except EngineError as exc:
        raise _fail(exc) from exc
    click.echo(f"user {username} activated")


@user.command("unlock")
@click.argument("username")
def user_unlock(username: str) -> None:
    """Lift a login lock after repeated failed logins."""
    try:
        admin.unlock_user(_context(), _cli_actor(), username)
    except EngineError as exc:
        raise _fail(exc) from exc
    click.echo(f"user {username} unlocked")


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
    ctx = _context()
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
    ctx = _context()
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


main.add_command(audit)
main.add_command(calendar)
main.add_command(documents)
main.add_command(task)
main.add_command(timers_group)
for _command in USER_COMMANDS:
    user.add_command(_command)


def _every_page(fetch: Callable[[int], Page[T]]) -> Iterator[T]:
    page = 1
    while True:
        found = fetch(page)
        yield from found.items
        if page * found.page_size >= found.total:
            return
        page += 1


def _safe_url(url: str) -> str:
    scheme, sep, rest = url.partition("://")
    if "@" in rest:
        rest = "***@" + rest.split("@", 1)[1]
    return f"{scheme}{sep}{rest}"
