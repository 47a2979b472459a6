"""`motcua user ...`: accounts (`add`, `list`, `deactivate`, `activate`, `unlock`,
`password`) and the role grants a second administrator approves (`grant`, `grants`,
`approve`, `reject`; issue 12, C11).

On the command line the administrator is the operating-system login (`cli:<login>`): a grant
asked for by one login must be approved by another.
"""

from __future__ import annotations

import click

from api.cli.session import cli_actor, engine_context, every_page, refusal, run, session
from api.times import local_iso
from engine.context import EngineContext
from engine.errors import EngineError, NotFoundError
from engine.results import RoleGrantView
from engine.security.authz import SECOND_ADMIN_ROLES
from engine.services import grants, units, users
from engine.services.account_rules import MAX_PAGE_SIZE, role_errors, roles_from_text
from engine.services.users import NewUser, UserChanges


@click.group()
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
    ctx = engine_context()
    role_list = roles_from_text(roles)
    # Check what can be checked before asking for a password nobody will use.
    problems = role_errors(role_list, unit_code)
    if problems:
        raise click.UsageError("; ".join(f"{p.field}: {p.message}" for p in problems))
    if unit_code is not None:
        try:
            units.get_unit(ctx, cli_actor(), unit_code)
        except NotFoundError as exc:
            raise click.UsageError(f"{exc.detail} (`motcua unit list` shows the units)") from exc
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        created = users.create_user(
            ctx,
            cli_actor(),
            NewUser(username, password, full_name or username, role_list, unit_code),
        )
    except EngineError as exc:
        raise refusal(exc) from exc
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
    run(lambda ctx, actor: users.deactivate_user(ctx, actor, username))
    click.echo(f"user {username} deactivated")


@user.command("list")
@click.option("--unit", "unit_code", default=None, help="only this unit's accounts")
@click.option("--role", default=None, help="only accounts with this role")
def user_list(unit_code: str | None, role: str | None) -> None:
    """List user accounts (citizens' names masked)."""
    ctx = engine_context()
    pages = every_page(
        lambda page: users.list_users(
            ctx, cli_actor(), unit_code=unit_code, role=role, page=page, page_size=MAX_PAGE_SIZE
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
    run(lambda ctx, actor: users.activate_user(ctx, actor, username))
    click.echo(f"user {username} activated")


@user.command("unlock")
@click.argument("username")
def user_unlock(username: str) -> None:
    """Lift a login lock after repeated failed logins."""
    run(lambda ctx, actor: users.unlock_user(ctx, actor, username))
    click.echo(f"user {username} unlocked")


@user.command("grant")
@click.argument("username")
@click.argument("role", type=click.Choice(sorted(str(r) for r in SECOND_ADMIN_ROLES)))
@click.option("--reason", required=True, help="why the account needs the role")
def user_grant(username: str, role: str, reason: str) -> None:
    """Ask for ROLE (reading every unit's dossiers) for USERNAME; another administrator
    approves with `motcua user approve`."""
    ctx, found = run(lambda ctx, actor: grants.request_grant(ctx, actor, username, role, reason))
    click.echo(f"role grant {found.id}: {role} for {username}, waiting for a second administrator")


@user.command("grants")
@click.option("--status", type=click.Choice(grants.STATUSES), default=None)
def user_grants(status: str | None) -> None:
    """List role grant requests, newest first."""
    ctx, actor = session()
    for item in every_page(
        lambda page: grants.list_grants(ctx, actor, status, page, MAX_PAGE_SIZE)
    ):
        click.echo(_grant_line(ctx, item))


@user.command("approve")
@click.argument("grant_id", type=click.IntRange(1, 2**31 - 1))
def user_approve(grant_id: int) -> None:
    """Approve a pending role grant (not one you asked for)."""
    ctx, found = run(lambda ctx, actor: grants.approve_grant(ctx, actor, grant_id))
    click.echo(_grant_line(ctx, found))


@user.command("reject")
@click.argument("grant_id", type=click.IntRange(1, 2**31 - 1))
def user_reject(grant_id: int) -> None:
    """Refuse, or withdraw, a pending role grant."""
    ctx, found = run(lambda ctx, actor: grants.reject_grant(ctx, actor, grant_id))
    click.echo(_grant_line(ctx, found))


@user.command("password")
@click.argument("username")
@click.option("--password", default=None, help="asked for (hidden, twice) when not given")
def user_password(username: str, password: str | None) -> None:
    """Set USERNAME's password; their tokens stop working. An auditor or administrator loses
    those roles until a second administrator approves them back (`motcua user grants`)."""
    ctx, actor = session()
    before = run(lambda ctx, actor: users.get_user(ctx, actor, username))[1]
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    new_password = password
    _, after = run(
        lambda ctx, actor: users.update_user(
            ctx, actor, username, UserChanges(password=new_password)
        )
    )
    click.echo(f"password of {username} set; their tokens are revoked")
    for role in sorted(set(before.roles) - set(after.roles)):
        click.echo(
            f"role {role} withdrawn: waiting for a second administrator "
            "(`motcua user grants --status pending`, `motcua user approve ID`)"
        )


def _grant_line(ctx: EngineContext, grant: RoleGrantView) -> str:
    line = (
        f"{grant.id:>5}  {grant.status:<8} {grant.role:<8} {grant.username:<20} "
        f"asked by {grant.requested_by} at {local_iso(grant.requested_at, ctx.tz)}"
    )
    if grant.decided_by is not None and grant.decided_at is not None:
        line += f"; {grant.status} by {grant.decided_by} at {local_iso(grant.decided_at, ctx.tz)}"
    return f"{line}; reason: {grant.reason}"
