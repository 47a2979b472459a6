"""What every `motcua` command shares: the engine for the command, the actor the command line
acts as, how an engine refusal is shown, and walking a paged list. Command modules import this;
it imports none of them, so the package has no import cycle."""

from __future__ import annotations

import getpass
from collections.abc import Callable, Iterator
from typing import TypeVar

import click

from engine.context import EngineContext, build
from engine.errors import EngineError, InvalidDefinitionError, ValidationFailedError
from engine.results import Page
from engine.security.authz import Actor
from engine.settings import Settings, SettingsError

T = TypeVar("T")


def engine_context() -> EngineContext:
    """The engine for this command; its connections close when the command ends."""
    try:
        context = build(Settings.from_env())
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    click.get_current_context().call_on_close(context.close)
    return context


def cli_actor() -> Actor:
    """An administrator named after the operating-system login (`cli:<login>`): a role grant
    asked for by one login must be approved by another."""
    return Actor(
        user_id=None,
        username=f"cli:{getpass.getuser()}",
        roles=frozenset({"admin"}),
        unit_code=None,
    )


def cli_auditor() -> Actor:
    """An auditor named after the operating-system login (`cli:<login>`), for commands that read
    dossiers (`documents list`): the read is logged under this name."""
    return Actor(
        user_id=None,
        username=f"cli:{getpass.getuser()}",
        roles=frozenset({"auditor"}),
        unit_code=None,
    )


def session() -> tuple[EngineContext, Actor]:
    return engine_context(), cli_actor()


def refusal(exc: EngineError) -> click.ClickException:
    """An engine refusal as the command's error message, one line per problem."""
    lines = [exc.detail]
    if isinstance(exc, InvalidDefinitionError):
        lines += [
            f"{p.file or '-'}:{p.line or 0}: {p.element_id or '-'}: {p.message}"
            for p in exc.problems
        ]
    if isinstance(exc, ValidationFailedError):
        lines += [f"{e.field}: {e.message}" for e in exc.errors]
    return click.ClickException("\n".join(lines))


def run(action: Callable[[EngineContext, Actor], T]) -> tuple[EngineContext, T]:
    """`action` with a new engine and the CLI's actor; a refusal becomes the command's error."""
    ctx, actor = session()
    try:
        return ctx, action(ctx, actor)
    except EngineError as exc:
        raise refusal(exc) from exc


def every_page(fetch: Callable[[int], Page[T]]) -> Iterator[T]:
    """Every item of a paged list, `fetch(page)` from page 1 until the total is reached."""
    page = 1
    while True:
        found = fetch(page)
        yield from found.items
        if page * found.page_size >= found.total:
            return
        page += 1
