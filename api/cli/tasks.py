"""`motcua task release|assign` (issue 12, B7): give back or reassign officers' claimed tasks."""

from __future__ import annotations

import click

from api.cli.session import run
from engine.results import TaskSummary
from engine.services import tasks


@click.group()
def task() -> None:
    """Release or reassign officers' claimed tasks (e.g. of someone on leave)."""


@task.command("release")
@click.argument("task_id")
def task_release(task_id: str) -> None:
    """Give TASK_ID back to its unit's pool, whoever holds it (recorded on the dossier)."""
    _, found = run(lambda ctx, actor: tasks.release_task(ctx, actor, task_id))
    click.echo(_task_line(found))


@task.command("assign")
@click.argument("task_id")
@click.argument("officer")
def task_assign(task_id: str, officer: str) -> None:
    """Give TASK_ID to OFFICER, an active officer of the task's unit with the task's role."""
    _, found = run(lambda ctx, actor: tasks.assign_task(ctx, actor, task_id, officer))
    click.echo(_task_line(found))


def _task_line(found: TaskSummary) -> str:
    holder = found.claimed_by or "nobody (the unit's pool)"
    return f"task {found.id} ({found.dossier_code}, {found.bpmn_id}): held by {holder}"
