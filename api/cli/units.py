"""`motcua unit add|list`: the units (BHXH offices)."""

from __future__ import annotations

import click

from api.cli.session import cli_actor, engine_context, every_page, run
from engine.services import units
from engine.services.account_rules import MAX_PAGE_SIZE


@click.group()
def unit() -> None:
    """Manage units (BHXH offices)."""


@unit.command("add")
@click.argument("code")
@click.argument("name")
def unit_add(code: str, name: str) -> None:
    """Add a unit, e.g. `motcua unit add 000.00.07.H29 "BHXH quận Ba Đình"`."""
    _, created = run(lambda ctx, actor: units.create_unit(ctx, actor, code, name))
    click.echo(f"unit {created.code} added")


@unit.command("list")
def unit_list() -> None:
    """List the units."""
    ctx = engine_context()
    for item in every_page(lambda page: units.list_units(ctx, cli_actor(), page, MAX_PAGE_SIZE)):
        click.echo(f"{item.code:<16} {item.name}")
