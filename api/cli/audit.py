"""`motcua audit ...`: verify the log, sign checkpoints, replay, export and check bundles."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import click

from api.cli.session import refusal, session
from api.times import local_iso, shown
from engine.audit.bundle import verify_bundle
from engine.audit.integrity import IntegrityProblem
from engine.audit.results import ReplayResult, VerifyReport
from engine.audit.verify import Progress
from engine.errors import EngineError
from engine.identifiers.numbers import BIGINT_MAX
from engine.security.signing import PublicKeyError, VerifyingKey
from engine.services import audit as audit_service
from engine.services import audit_dossiers

_KEY_OPTION = click.option(
    "--public-key",
    "public_key_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="PEM file of the public key you trust (default: the server's own)",
)


def _trusted_key(path: Path | None) -> VerifyingKey | None:
    if path is None:
        return None
    try:
        return VerifyingKey.from_pem(path.read_bytes())
    except PublicKeyError as exc:
        raise click.BadParameter(str(exc), param_hint="--public-key") from exc


@click.group()
def audit() -> None:
    """Audit: verify the tamper-evident log, sign checkpoints, replay, export bundles."""


@audit.command()
@click.option("--dossier", default=None, help="verify only this dossier's chain")
@_KEY_OPTION
@click.option("--replay", is_flag=True, help="also replay every dossier against its stored state")
@click.option("--json", "as_json", is_flag=True, help="print the report as JSON")
def verify(dossier: str | None, public_key_file: Path | None, replay: bool, as_json: bool) -> None:
    """Check every hash chain and signed checkpoint; exit code 1 if anything is wrong."""
    key = _trusted_key(public_key_file)
    ctx, actor = session()
    try:
        with _progress_bar("verifying events") as progress:
            report = audit_service.verify_audit_log(
                ctx,
                actor,
                dossier=dossier,
                public_keys=[key] if key else [],
                replay=replay,
                progress=progress,
            )
    except EngineError as exc:
        raise refusal(exc) from exc
    if as_json:
        click.echo(_as_json(report, ctx.tz))
    else:
        _print_report(report, ctx.tz)
    sys.exit(0 if report.ok else 1)


@audit.command()
def checkpoint() -> None:
    """Sign a checkpoint of every chain head that moved since the last one."""
    ctx, actor = session()
    try:
        result = audit_service.create_checkpoint(ctx, actor)
    except EngineError as exc:
        raise refusal(exc) from exc
    signed = result.checkpoint
    if result.created and signed is not None:
        click.echo(
            f"checkpoint #{signed.seq} signed: {signed.chains} chain heads, "
            f"root {signed.root[:16]}…, key {signed.key_id[:16]}…"
        )
    elif signed is not None:
        click.echo(f"nothing new to sign since checkpoint #{signed.seq}")
    else:
        click.echo("nothing to sign: the audit log is empty")
    for problem in result.refused:
        click.echo(f"not signed: {problem.describe()}", err=True)
    sys.exit(1 if result.refused else 0)


@audit.command()
@click.argument("code")
@click.option(
    "--until", type=click.IntRange(min=1, max=BIGINT_MAX), default=None, help="stop at event N"
)
@click.option("--json", "as_json", is_flag=True, help="print the result as JSON")
def replay(code: str, until: int | None, as_json: bool) -> None:
    """Rebuild dossier CODE from its definition and events; exit code 1 on any mismatch."""
    ctx, actor = session()
    try:
        result = audit_dossiers.replay_dossier(ctx, actor, code, until)
    except EngineError as exc:
        raise refusal(exc) from exc
    if as_json:
        click.echo(_as_json(result, ctx.tz))
    else:
        _print_replay(result, ctx.tz)
    sys.exit(0 if not result.problems and result.matches_stored is not False else 1)


@audit.command()
@click.argument("code")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True, help="file"
)
def export(code: str, output: Path) -> None:
    """Write dossier CODE's signed audit bundle (events, definitions, checkpoint, public key)."""
    ctx, actor = session()
    try:
        bundle = audit_dossiers.export_dossier(ctx, actor, code)
    except EngineError as exc:
        raise refusal(exc) from exc
    output.write_bytes(bundle)
    click.echo(f"{output}: audit bundle of dossier {code} ({len(bundle)} bytes)")


@audit.command("verify-bundle")
@click.argument("bundle", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@_KEY_OPTION
def verify_bundle_command(bundle: Path, public_key_file: Path | None) -> None:
    """Verify an exported bundle offline (no database); exit code 1 if it does not hold."""
    report = verify_bundle(bundle.read_bytes(), _trusted_key(public_key_file))
    click.echo(
        f"dossier {report.dossier}: {report.events} events"
        + (f", certified by checkpoint #{report.checkpoint}" if report.checkpoint else "")
    )
    for note in report.notes:
        click.echo(f"note: {note}")
    for problem in report.problems:
        click.echo(f"FAIL: {problem}")
    click.echo("bundle verified" if report.ok else "bundle does NOT verify")
    sys.exit(0 if report.ok else 1)


@audit.command("public-key")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
def public_key(output: Path | None) -> None:
    """Print (or write) the server's Ed25519 public key in PEM form."""
    ctx, actor = session()
    view = audit_service.public_key(ctx, actor)
    if output is None:
        click.echo(view.pem, nl=False)
    else:
        output.write_text(view.pem)
    click.echo(f"key id {view.key_id}", err=True)


@contextmanager
def _progress_bar(label: str) -> Iterator[Progress | None]:
    """A progress bar on a terminal; nothing when the output is a file or a pipe."""
    if not sys.stderr.isatty():
        yield None
        return
    with click.progressbar(length=1, label=label, file=sys.stderr) as bar:

        def update(done: int, total: int) -> None:
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        yield update


def _print_report(report: VerifyReport, tz: tzinfo) -> None:
    scope = f"dossier {report.dossier}" if report.dossier else "audit log"
    click.echo(
        f"{scope}: {report.events} events in {report.chains} chains, {report.dossiers} dossiers, "
        f"{report.checkpoints} checkpoints"
        + (f", {report.replayed} dossiers replayed" if report.replayed else "")
    )
    if report.latest_checkpoint is not None:
        latest = report.latest_checkpoint
        click.echo(f"latest checkpoint #{latest.seq} of {local_iso(latest.created_at, tz)}")
    for problem in report.problems:
        click.echo(f"FAIL: {problem.describe()}")
    click.echo("OK: nothing was changed, removed or added" if report.ok else "NOT OK")


def _print_replay(result: ReplayResult, tz: tzinfo) -> None:
    click.echo(f"dossier {result.code}: replayed events 1 to {result.at_seq} of {result.events}")
    if result.dossier is not None:
        detail = result.dossier
        click.echo(f"status: {detail.status.code} {detail.status.label} ({detail.status.label_en})")
        for name in ("received_at", "due_at", "resolved_at", "finished_at"):
            value = getattr(detail, name)
            click.echo(f"{name}: {local_iso(value, tz) if value else '-'}")
        for step in detail.current_steps:
            claimed = f", claimed by {step.claimed_by}" if step.claimed_by else ""
            click.echo(f"open task: {step.name} [{step.bpmn_id}] for {step.role}{claimed}")
    click.echo(f"data: {json.dumps(result.data, ensure_ascii=False, sort_keys=True)}")
    for problem in result.problems:
        click.echo(f"FAIL: {problem.describe()}")
    for mismatch in result.mismatches:
        click.echo(
            f"MISMATCH {mismatch.field}: replayed {shown(mismatch.replayed, tz)}, "
            f"stored {shown(mismatch.stored, tz)}"
        )
    if result.matches_stored is True:
        click.echo("replay equals the stored dossier")
    elif result.matches_stored is False:
        click.echo("replay does NOT equal the stored dossier")


def _as_json(result: Any, tz: tzinfo) -> str:
    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return value.astimezone(tz).isoformat()  # as the HTTP API writes it
        if isinstance(value, IntegrityProblem):
            return {**dataclasses.asdict(value), "dossier": value.dossier}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, list):
            return [plain(item) for item in value]
        if isinstance(value, dict):
            return {key: plain(item) for key, item in value.items()}
        return value

    return json.dumps(plain(result), ensure_ascii=False, indent=2, default=str)
