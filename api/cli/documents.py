"""`motcua documents ...`: render a form from a JSON file, verify a signed PDF, make a dev CA.

None of these commands needs the database: they work on files. engine.documents (Typst, pyHanko)
is imported by the commands themselves: loading it takes longer than the rest of `motcua`, and
`motcua serve` or `migrate` should not pay for it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from api.cli.session import cli_auditor, engine_context
from engine.errors import EngineError, ValidationFailedError

if TYPE_CHECKING:
    from engine.documents import VerificationResult

MAX_INPUT = 2 * 1024 * 1024  # a data file or a PDF larger than this is not a document of record


def _describe(exc: EngineError) -> click.ClickException:
    lines = [exc.detail]
    if isinstance(exc, ValidationFailedError):
        lines += [f"{e.field}: {e.message}" for e in exc.errors]
    return click.ClickException("\n".join(lines))


def _read(path: Path) -> bytes:
    if path.stat().st_size > MAX_INPUT:
        raise click.BadParameter(f"{path} is larger than {MAX_INPUT // 1024} KiB")
    return path.read_bytes()


@click.group()
def documents() -> None:
    """Documents of record (Mẫu 01–07, results): render, sign, verify."""


@documents.command("forms")
def list_forms() -> None:
    """List the forms of the catalogue and the fields each takes."""
    from engine.documents import catalogue

    for spec in catalogue().values():
        fields = ", ".join(
            name + ("?" if field.optional else "") for name, field in spec.fields.items()
        )
        click.echo(f"{spec.form}\t{spec.title}\n\t{fields}")


@documents.command("render")
@click.argument("form")
@click.argument("data_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--html", "html_output", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--sign-with",
    "pkcs12_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="the unit's PKCS#12 file: sign the PDF (PAdES)",
)
@click.option(
    "--passphrase-env",
    metavar="NAME",
    help="environment variable holding the PKCS#12 passphrase (never on the command line)",
)
def render_command(
    form: str,
    data_file: Path,
    output: Path,
    html_output: Path | None,
    pkcs12_file: Path | None,
    passphrase_env: str | None,
) -> None:
    """Render FORM (e.g. mau_01) from DATA_FILE (JSON) into a PDF, optionally signed."""
    from engine.documents import UnitSigner, render, sign

    try:
        data = json.loads(_read(data_file))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise click.BadParameter(f"{data_file} is not JSON: {exc}") from exc
    try:
        document = render(form, data)
        pdf = document.pdf
        if pkcs12_file is not None:
            secret = os.environ.get(passphrase_env, "") if passphrase_env else ""
            signer = UnitSigner.from_pkcs12(_read(pkcs12_file), secret.encode() or None)
            pdf = sign(pdf, signer)
    except EngineError as exc:
        raise _describe(exc) from exc
    output.write_bytes(pdf)
    if html_output is not None:
        html_output.write_text(document.html, encoding="utf-8")
    state = "signed" if pkcs12_file else "unsigned"
    click.echo(
        f"{output}: {form}, {len(pdf)} bytes, {state}, sha256 {hashlib.sha256(pdf).hexdigest()}"
    )


def _report(path: Path, result: VerificationResult) -> None:
    click.echo(f"{path}: {'VALID' if result.valid else 'NOT VALID'}")
    click.echo(f"  sha256      {result.sha256}  ({result.size} bytes)")
    if result.signer is not None:
        click.echo(f"  signer      {result.signer.common_name}")
        click.echo(f"  unit        {result.signer.unit or '-'} ({result.signer.organisation})")
        click.echo(f"  issuer      {result.signer.issuer}")
    if result.signed_at is not None:
        click.echo(f"  signed at   {result.signed_at.isoformat()}")
    if result.development_certificate:
        click.echo("  certificate DEVELOPMENT (not acceptable in production)")
    for problem in result.problems:
        click.echo(f"  problem     {problem}")


@documents.command("verify")
@click.argument("pdf_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--trust-root",
    "trust_root_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="PEM file of a root CA you trust (repeatable; default with --chain: the configured)",
)
@click.option(
    "--chain",
    "check_chain",
    is_flag=True,
    help="also check that a dossier's audit chain recorded this file as issued (database)",
)
def verify_command(pdf_file: Path, trust_root_files: tuple[Path, ...], check_chain: bool) -> None:
    """Verify PDF_FILE's signature (offline unless --chain); exit status 1 when not valid."""
    from engine.documents import load_trust_roots, verify

    if not trust_root_files and not check_chain:
        raise click.UsageError("give --trust-root ROOT.pem, or --chain to use the configured roots")
    ctx = engine_context() if check_chain else None
    try:
        roots = [c for p in trust_root_files for c in load_trust_roots(_read(p), str(p))]
    except EngineError as exc:
        raise _describe(exc) from exc
    if ctx is not None and not roots:
        roots = list(ctx.signers.trust_roots())
    pdf = _read(pdf_file)
    result = verify(pdf, roots)
    _report(pdf_file, result)
    recorded = True
    if ctx is not None:
        from engine.services.documents import recorded_issue

        found = recorded_issue(ctx, hashlib.sha256(pdf).hexdigest())
        recorded = found is not None
        if found is None:
            click.echo("  problem     no dossier's audit chain records this file as issued")
        else:
            click.echo(f"  recorded    dossier {found[0]}, document {found[1]}")
    if not (result.valid and recorded):
        sys.exit(1)


@documents.command("list")
@click.argument("code")
def list_command(code: str) -> None:
    """List the documents issued for dossier CODE (form, number, title, issued, by, sha256);
    a correction says which document it corrects, a corrected document which one corrects it."""
    from engine.services.documents import list_documents

    ctx = engine_context()
    try:
        items = list_documents(ctx, cli_auditor(), code)
    except EngineError as exc:
        raise _describe(exc) from exc
    numbers = {item.id: item.number or str(item.id) for item in items}
    for item in items:
        issued = item.issued_at.astimezone(ctx.tz).strftime("%Y-%m-%d %H:%M")
        links = "".join(
            f"\t{label} {numbers.get(other, other)}"
            for label, other in (("corrects", item.corrects), ("corrected by", item.corrected_by))
            if other is not None
        )
        click.echo(
            f"{item.id}\t{item.template or item.form}\t{item.number or '-'}\t{issued}\t"
            f"{item.issued_by}\t{item.sha256 or '-'}\t{item.title}{links}"
        )


@documents.command("check")
@click.option("--dossier", "code", help="only this dossier's documents")
def check_command(code: str | None) -> None:
    """Check the stored documents: each PDF hashes to the SHA-256 its dossier's audit chain
    recorded, and its signature is valid; exit status 1 on any problem."""
    from engine.services.documents import verify_stored

    checks = verify_stored(engine_context(), code)
    bad = [c for c in checks if c.problems]
    for check in bad:
        for problem in check.problems:
            click.echo(f"{check.dossier_code} {check.document.number}: {problem}")
    click.echo(f"{len(checks)} documents checked, {len(bad)} with problems")
    if bad:
        sys.exit(1)


@documents.command("dev-ca")
@click.option("--out", "directory", type=click.Path(file_okay=False, path_type=Path), required=True)
@click.option(
    "--unit",
    "units",
    multiple=True,
    metavar="CODE=NAME",
    help="a unit to issue a signing certificate for (default: the demo units)",
)
def dev_ca(directory: Path, units: tuple[str, ...]) -> None:
    """Create a DEVELOPMENT root CA and a PKCS#12 signing file per unit in DIR."""
    from api.cli.demo import DEMO_UNITS  # only when the command runs, like engine.documents
    from engine.documents import create_development_ca

    pairs = [tuple(u.split("=", 1)) for u in units] if units else list(DEMO_UNITS)
    if any(len(pair) != 2 or not all(pair) for pair in pairs):
        raise click.BadParameter("each --unit is CODE=NAME", param_hint="--unit")
    ca = create_development_ca([(code, name) for code, name in pairs], datetime.now(UTC))
    for path in ca.write(directory):
        click.echo(str(path))
    click.echo("DEVELOPMENT certificates: never configure them in production.")
