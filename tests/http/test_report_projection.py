"""The projection the handling report counts on (engine.report_projection) is kept in the
transactions that record the events: after dossiers went through every outcome over March
through the API, it holds exactly what a rebuild from the event log gives, and the report over
it equals the plain loop over the log for several periods and as-of days (R-6.1)."""

from __future__ import annotations

from datetime import date
from typing import Any

from click.testing import CliRunner
from sqlalchemy import select

from api.cli.root import main
from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.queries.report_figures import FIGURES
from engine.services.reports import rebuild_report_projection
from storage.report_projection import ReportDossier, ReportDue, ReportWait
from tests.http.test_handling_report import march, second_half
from tests.integration.test_report_recomputation import recompute
from tests.support import UNIT, HttpApi

__all__ = ["march"]  # the fixture, shared with the report's own tests


def stored(ctx: EngineContext) -> dict[str, list[tuple[Any, ...]]]:
    with ctx.uow(write=False) as uow:
        return {
            table.__tablename__: sorted(
                tuple(row) for row in uow.session.execute(select(table.__table__))
            )
            for table in (ReportDossier, ReportWait, ReportDue)
        }


def test_the_kept_projection_is_the_rebuilt_one_and_counts_as_the_event_log(
    http: HttpApi, ctx: EngineContext, clock: FrozenClock, march: dict[str, Any]
) -> None:
    second_half(http, clock, march["codes"])
    kept = stored(ctx)
    assert len(kept["report_dossier"]) == 6 and kept["report_wait"] and kept["report_due"]
    assert rebuild_report_projection(ctx) == 6
    assert stored(ctx) == kept
    for start, end, as_of in (
        (date(2026, 3, 1), date(2026, 3, 15), date(2026, 3, 15)),
        (date(2026, 3, 16), date(2026, 3, 31), date(2026, 3, 31)),
        (date(2026, 3, 1), date(2026, 3, 31), date(2026, 3, 17)),
        (date(2026, 3, 10), date(2026, 3, 20), date(2026, 3, 30)),
    ):
        expected = recompute(ctx, start, end, as_of, UNIT)
        query = {"from": start.isoformat(), "to": end.isoformat(), "as_of": as_of.isoformat()}
        body = http.call("GET", "/api/v1/reports/handling", "auditor", query=query)
        figures = {name: len(expected.get(name, ())) for name in FIGURES}
        # the 2-hour check never ran in this history: no late acknowledgement
        assert body["total"] == {**figures, "late_acknowledgements": 0}, query


def test_the_command_line_rebuilds_the_projection_to_the_same_rows(
    ctx: EngineContext, march: dict[str, Any], cli_env: dict[str, str]
) -> None:
    kept = stored(ctx)
    done = CliRunner().invoke(main, ["report", "rebuild-projection"], env=cli_env)
    assert done.exit_code == 0, done.output
    assert "5 dossier(s) folded from the event log" in done.stdout
    assert stored(ctx) == kept
