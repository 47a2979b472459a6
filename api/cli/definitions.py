"""`motcua deploy` and `motcua validate` (the deploy checks as a linter, for analysts and CI)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from api.cli.session import cli_actor, engine_context, refusal
from engine.definitions.bundles import bundle_from_directory, validate_bundle
from engine.errors import DefinitionProblem, EngineError, InvalidDefinitionError
from engine.services import definitions
from engine.settings import Settings


@click.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def deploy(paths: tuple[Path, ...]) -> None:
    """Deploy diagrams: each PATH is a .bpmn file or a folder of them (default: bpmn/).

    Forms are read from forms/<procedure_key>/*.json (MOTCUA_FORMS_DIR).
    """
    ctx = engine_context()
    targets = list(paths) or [ctx.settings.bpmn_dir]
    failed = False
    for target in targets:
        diagrams = sorted(target.glob("*.bpmn")) if target.is_dir() else [target]
        for diagram in diagrams:
            try:
                result = definitions.deploy(
                    ctx,
                    cli_actor(),
                    bundle_from_directory(diagram, ctx.settings.forms_dir),
                )
            except EngineError as exc:
                failed = True
                click.echo(f"{diagram}: not deployed\n{refusal(exc).message}", err=True)
                continue
            verb = "deployed as new version" if result.created else "unchanged, version"
            click.echo(f"{result.key}: {verb} {result.version} ({result.hash[:12]})")
    if failed:
        sys.exit(1)


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--forms",
    "forms_root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="where forms/<procedure_key>/ live (default: $MOTCUA_FORMS_DIR or forms/)",
)
def validate(paths: tuple[Path, ...], forms_root: Path | None) -> None:
    """Check diagrams without deploying them; print `file:line: element_id: message`.

    Each PATH is a .bpmn file or a folder of them; each diagram is checked with its forms
    from forms/<procedure_key>/. Extra .dmn and form .json files given as PATHs join every
    diagram's bundle. Exits with status 1 when any diagram has an error, 2 when there is no
    diagram to check.
    """
    forms_root = forms_root or Settings.from_env().forms_dir
    diagrams: list[Path] = []
    extras: dict[str, Path] = {}
    for path in paths:
        if path.is_dir():
            diagrams += sorted(path.glob("*.bpmn"))
        elif path.suffix.lower() == ".bpmn":
            diagrams.append(path)
        else:
            extras[path.name] = path
    if not diagrams:
        raise click.UsageError(
            "nothing to check: no .bpmn file in "
            + ", ".join(str(path) for path in paths)
            + "; give diagrams or folders holding them, e.g. `motcua validate bpmn/`"
        )
    errors = warnings = 0
    for diagram in diagrams:
        files = bundle_from_directory(diagram, forms_root)
        where = {diagram.name: diagram}
        where |= {name: forms_root / diagram.stem / name for name in files if name != diagram.name}
        for name, path in extras.items():
            files[name] = path.read_bytes()
            where[name] = path
        try:
            problems = validate_bundle(files).warnings
        except InvalidDefinitionError as exc:
            problems = exc.problems
        for problem in problems:
            click.echo(_line(problem, where, diagram))
        errors += sum(p.severity == "error" for p in problems)
        warnings += sum(p.severity != "error" for p in problems)
    click.echo(
        f"{len(diagrams)} diagram(s) checked: {errors} error(s), {warnings} warning(s)", err=True
    )
    if errors:
        sys.exit(1)


def _line(problem: DefinitionProblem, where: dict[str, Path], diagram: Path) -> str:
    path = where.get(problem.file or "", diagram)
    kind = "" if problem.severity == "error" else f"{problem.severity}: "
    return f"{path}:{problem.line or 0}: {problem.element_id or '-'}: {kind}{problem.message}"
