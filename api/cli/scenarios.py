"""`motcua scenario run`: a procedure's scenario files against a throwaway database
(docs/scenarios.md)."""

from __future__ import annotations

import secrets
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from api.cli.session import refusal
from api.scenario_files import Scenario, ScenarioFileError, load_scenario, scenario_files
from api.scenarios import ScenarioResult, prepare, run_scenario
from engine.clock import FrozenClock
from engine.context import EngineContext, build
from engine.errors import EngineError
from engine.settings import Settings
from storage.migrate import upgrade

#: A cheap password hash for the throwaway accounts (they live for one scenario).
THROWAWAY_HASHING = {"MOTCUA_PASSWORD_TIME_COST": "1", "MOTCUA_PASSWORD_MEMORY_KIB": "64"}


@click.group()
def scenario() -> None:
    """A procedure's scenarios: who does what, and what must result."""


@scenario.command("run")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--only", default=None, help="run only the scenario with this file name (stem)")
@click.option(
    "--forms",
    "forms_root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="where forms/<procedure_key>/ live (default: $MOTCUA_FORMS_DIR or forms/)",
)
def run(paths: tuple[Path, ...], only: str | None, forms_root: Path | None) -> None:
    """Run the scenarios of each diagram (bpmn/<key>/scenarios/*.yaml) on a fresh database.

    Each PATH is a .bpmn file or a folder of them. Prints one line per scenario; exits with 1
    when one fails, 2 when a file cannot be read or there is nothing to run.
    """
    forms_root = forms_root or Settings.from_env().forms_dir
    diagrams = [
        diagram
        for path in paths
        for diagram in (sorted(path.glob("*.bpmn")) if path.is_dir() else [path])
    ]
    planned: list[tuple[Path, Path]] = [
        (diagram, file)
        for diagram in diagrams
        for file in scenario_files(diagram)
        if only is None or file.stem == only
    ]
    if not planned:
        click.echo("no scenario to run (they live in bpmn/<key>/scenarios/*.yaml)", err=True)
        sys.exit(2)
    unreadable = failed = 0
    click.echo(f"{'procedure':<22} {'scenario':<32} {'steps':>5}  result")
    with _template() as template:
        for diagram, file in planned:
            try:
                loaded = load_scenario(file)
            except ScenarioFileError as exc:
                unreadable += 1
                click.echo(f"{diagram.stem:<22} {file.stem:<32} {'-':>5}  UNREADABLE  {exc}")
                continue
            result = _run_one(template, diagram, forms_root, loaded)
            failed += not result.passed
            steps = f"{result.steps_run}/{len(loaded.steps)}"
            verdict = "PASS" if result.passed else f"FAIL  {result.failure}"
            click.echo(f"{diagram.stem:<22} {file.stem:<32} {steps:>5}  {verdict}")
    total = len(planned)
    click.echo(f"{total - failed - unreadable} passed, {failed} failed, {unreadable} unreadable")
    if unreadable:
        sys.exit(2)
    if failed:
        sys.exit(1)


@contextmanager
def _template() -> Iterator[Path]:
    """A migrated, empty SQLite file that each scenario copies (migrating once per command)."""
    with tempfile.TemporaryDirectory(prefix="motcua-scenarios-") as directory:
        path = Path(directory) / "template.db"
        upgrade(f"sqlite:///{path}")
        yield path


def _run_one(template: Path, diagram: Path, forms_root: Path, loaded: Scenario) -> ScenarioResult:
    with tempfile.TemporaryDirectory(prefix="motcua-scenario-") as directory:
        database = Path(directory) / "motcua.db"
        shutil.copyfile(template, database)
        clock = FrozenClock(loaded.start)
        ctx = _throwaway_context(Path(directory), database, forms_root, clock)
        try:
            procedure = prepare(ctx, diagram, forms_root, loaded)
            return run_scenario(ctx, clock, procedure, loaded)
        except EngineError as exc:  # the diagram does not deploy: say why, as a failure
            reason = refusal(exc).message.replace("\n", "; ")
            return ScenarioResult(loaded, failure=f"the procedure cannot be prepared: {reason}")
        finally:
            ctx.close()


def _throwaway_context(
    directory: Path, database: Path, forms_root: Path, clock: FrozenClock
) -> EngineContext:
    settings = Settings.from_env(
        {
            "MOTCUA_ENV": "development",
            "MOTCUA_VAR_DIR": str(directory / "var"),
            "MOTCUA_DATABASE_URL": f"sqlite:///{database}",
            "MOTCUA_SECRET_KEY": secrets.token_urlsafe(48),
            "MOTCUA_FORMS_DIR": str(forms_root),
            **THROWAWAY_HASHING,
        }
    )
    return build(settings, clock=clock)
