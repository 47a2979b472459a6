"""`motcua report handling ...`: the handling report (docs/reports.md) on the command line, as
an auditor named after the operating-system login: a table, JSON, or the 06a workbook / CSV."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from api.cli.session import cli_auditor, engine_context, refusal
from engine.errors import EngineError
from engine.queries.handling_report import HandlingQuery, as_plain_data
from engine.queries.report_figures import FIGURES
from engine.queries.report_files import FIGURE_LABELS, report_csv, report_pdf, report_xlsx
from engine.services.reports import (
    read_handling_dossiers,
    read_handling_report,
    rebuild_report_projection,
)

_DAY = click.DateTime(formats=["%Y-%m-%d"])


@click.group()
def report() -> None:
    """Reports on the handling of dossiers (issue 17)."""


def _day(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


@report.command("handling")
@click.option("--from", "start", type=_DAY, required=True, help="first day, YYYY-MM-DD")
@click.option("--to", "end", type=_DAY, required=True, help="last day, YYYY-MM-DD")
@click.option("--as-of", type=_DAY, help="count the events recorded up to this day (today)")
@click.option("--unit", help="one unit's code")
@click.option("--unit-group", help="the units whose code ends in this segment, e.g. H29")
@click.option("--procedure", help="one procedure's key")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json", "xlsx", "csv", "pdf"]),
    default="table",
    show_default=True,
)
@click.option("--figure", type=click.Choice(FIGURES), help="list the dossiers behind a figure")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--progress/--no-progress",
    default=None,
    help="a progress bar on standard error (default: when it is a terminal)",
)
def handling(
    start: datetime,
    end: datetime,
    as_of: datetime | None,
    unit: str | None,
    unit_group: str | None,
    procedure: str | None,
    output_format: str,
    figure: str | None,
    output: Path | None,
    progress: bool | None,
) -> None:
    """The handling report for a period, per unit and procedure, as of a day."""
    query = HandlingQuery(
        start=start.date(),
        end=end.date(),
        as_of=_day(as_of),
        unit=unit,
        unit_group=unit_group,
        procedure=procedure,
    )
    ctx = engine_context()
    try:
        if figure is not None:
            for dossier in read_handling_dossiers(ctx, cli_auditor(), query, figure):
                click.echo(f"{dossier.code}\t{dossier.unit}\t{dossier.procedure}")
            return
        if output_format in ("xlsx", "csv", "pdf") and output is None:
            raise click.UsageError(f"--format {output_format} needs -o FILE")
        shown = sys.stderr.isatty() if progress is None else progress
        with _bar(shown) as bar:
            news = bar.advance if shown else None
            result = read_handling_report(ctx, cli_auditor(), query, output_format, news)
            if output_format == "pdf":
                today = ctx.clock.now().astimezone(ctx.tz).date()
                content = report_pdf(result, today)
            elif output_format in ("xlsx", "csv"):
                content = report_xlsx(result) if output_format == "xlsx" else report_csv(result)
            bar.finish()
    except EngineError as exc:
        raise refusal(exc) from exc
    if output_format in ("xlsx", "csv", "pdf"):
        assert output is not None
        output.write_bytes(content)
        click.echo(f"{output}: {len(result.rows)} row(s), {result.total['to_handle']} dossier(s)")
        return
    if output_format == "json":
        text = json.dumps(as_plain_data(result), default=_json, ensure_ascii=False, indent=2)
    else:
        text = _table(result.total, result.scope_name, result.as_of)
    if output is not None:
        output.write_text(text + "\n", encoding="utf-8")
    else:
        click.echo(text)


@report.command("rebuild-projection")
def rebuild_projection() -> None:
    """Fold the whole event log into the handling report's projection again (one transaction)."""
    ctx = engine_context()
    with ctx.uow(write=False) as uow:
        total = len(uow.report_projection.dossier_ids())
    try:
        with click.progressbar(length=total, label="Đang dựng lại", file=sys.stderr) as bar:
            held = rebuild_report_projection(ctx, bar.update)
    except EngineError as exc:
        raise refusal(exc) from exc
    click.echo(f"report projection: {held} dossier(s) folded from the event log")


class _Bar:
    """A click progress bar over the report's groups of units, then the file written; or
    nothing when not shown (`advance` is then a no-op)."""

    def __init__(self, shown: bool) -> None:
        self.shown = shown
        self.bar: Any = None
        self.done = 0

    def advance(self, done: int, total: int) -> None:
        if not self.shown:
            return
        if self.bar is None:  # one step more for the file
            self.bar = click.progressbar(
                length=total + 1, label="Đang tổng hợp báo cáo", file=sys.stderr
            )
            self.bar._is_atty = True  # asked for (--progress): drawn on a pipe too
            self.bar.__enter__()
        self.bar.update(done - self.done)
        self.done = done

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.update(1)


@contextmanager
def _bar(shown: bool) -> Iterator[_Bar]:
    bar = _Bar(shown)
    try:
        yield bar
    finally:
        if bar.bar is not None:
            bar.bar.__exit__(None, None, None)


def _json(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def _table(total: dict[str, int], scope: str, as_of: date) -> str:
    lines = [f"{scope} — số liệu đến hết ngày {as_of:%d/%m/%Y}"]
    width = max(len(name) for name in FIGURES)
    lines += [f"{name:<{width}}  {total[name]:>8}  {FIGURE_LABELS[name]}" for name in FIGURES]
    return "\n".join(lines)
