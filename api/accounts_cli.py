"""`motcua task release|assign` (issue 12, B7), the role grants of `motcua user`
(`grant`, `grants`, `approve`, `reject`; issue 12, C11) and `motcua user password`.

On the command line the administrator is the operating-system login (`cli:<login>`): a grant
asked for by one login must be approved by another.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

from api.times import local_iso
from engine.authz import SECOND_ADMIN_ROLES, Actor
from engine.context import EngineContext
from engine.errors import EngineError
from engine.results import RoleGrantView, TaskSummary
from engine.services import admin, grants, tasks
from engine.services.admin import UserChanges

T = TypeVar("T")


def _session() -> tuple[EngineContext, Actor]:
    from api.cli import _cli_actor, _context  # api.cli registers these commands: import late

    return _context(), _cli_actor()


def _run(action: Callable[[EngineContext, Actor], T]) -> tuple[EngineContext, T]:
    from api.cli import _fail  # see _session

    ctx, actor = _session()
    try:
        return ctx, action(ctx, actor)
    except EngineError as exc:
        raise _fail(exc) from exc


@click.group()
def task() -> None:
    """Release or reassign officers' claimed tasks (e.g. of someone on leave)."""


@task.command("release")
@click.argument("task_id")
def task_release(task_id: str) -> None:
    """Give TASK_ID back to its unit's pool, whoever holds it (recorded on the dossier)."""
    _, found = _run(lambda ctx, actor: tasks.release_task(ctx, actor, task_id))
    click.echo(_task_line(found))


@task.command("assign")
@click.argument("task_id")
@click.argument("officer")
def task_assign(task_id: str, officer: str) -> None:
    """Give TASK_ID to OFFICER, an active officer of the task's unit with the task's role."""
    _, found = _run(lambda ctx, actor: tasks.assign_task(ctx, actor, task_id, officer))
    click.echo(_task_line(found))


def _task_line(found: TaskSummary) -> str:
    holder = found.claimed_by or "nobody (the unit's pool)"
    return f"task {found.id} ({found.dossier_code}, {found.bpmn_id}): held by {holder}"


@click.command("grant")
@click.argument("username")
@click.argument("role", type=click.Choice(sorted(str(r) for r in SECOND_ADMIN_ROLES)))
@click.option("--reason", required=True, help="why the account needs the role")
def user_grant(username: str, role: str, reason: str) -> None:
    """Ask for ROLE (reading every unit's dossiers) for USERNAME; another administrator
    approves with `motcua user approve`."""
    ctx, found = _run(lambda ctx, actor: grants.request_grant(ctx, actor, username, role, reason))
    click.echo(f"role grant {found.id}: {role} for {username}, waiting for a second administrator")


@click.command("grants")
@click.option("--status", type=click.Choice(grants.STATUSES), default=None)
def user_grants(status: str | None) -> None:
    """List role grant requests, newest first."""
    ctx, actor = _session()
    page = 1
    while True:
        found = grants.list_grants(ctx, actor, status, page, grants.MAX_PAGE_SIZE)
        for item in found.items:
            click.echo(_grant_line(ctx, item))
        if page * found.page_size >= found.total:
            return
        page += 1


@click.command("approve")
@click.argument("grant_id", type=click.IntRange(1, 2**31 - 1))
def user_approve(grant_id: int) -> None:
    """Approve a pending role grant (not one you asked for)."""
    ctx, found = _run(lambda ctx, actor: grants.approve_grant(ctx, actor, grant_id))
    click.echo(_grant_line(ctx, found))


@click.command("reject")
@click.argument("grant_id", type=click.IntRange(1, 2**31 - 1))
def user_reject(grant_id: int) -> None:
    """Refuse, or withdraw, a pending role grant."""
    ctx, found = _run(lambda ctx, actor: grants.reject_grant(ctx, actor, grant_id))
    click.echo(_grant_line(ctx, found))


@click.command("password")
@click.argument("username")
@click.option("--password", default=None, help="asked for (hidden, twice) when not given")
def user_password(username: str, password: str | None) -> None:
    """Set USERNAME's password; their tokens stop working. An auditor or administrator loses
    those roles until a second administrator approves them back (`motcua user grants`)."""
    ctx, actor = _session()
    before = _run(lambda ctx, actor: admin.get_user(ctx, actor, username))[1]
    if password is None:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    new_password = password
    _, after = _run(
        lambda ctx, actor: admin.update_user(
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


USER_COMMANDS = (user_grant, user_grants, user_approve, user_reject, user_password)
