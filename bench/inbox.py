"""Task-inbox latency against a growing history, on PostgreSQL.

The bulk seeder writes rows server-side (`INSERT ... SELECT generate_series`, in chunks), not
through the API: a million dossiers through the engine would take hours. What it writes is what
the inbox reads: `dossier` rows (realistic JSON, a placeholder workflow state: the inbox never
reads it, and a real one would be stored out of line) and `work_item` rows. The measured unit
always has the same open backlog (100 open tasks per officer role); everything else is history
(finished dossiers, each with 4 completed work items) spread over all units. So the numbers
say whether the inbox slows down as history accumulates, which is what a growing deployment
meets. After each bulk load the tables are vacuumed and a checkpoint is taken, as autovacuum
and the checkpointer would have done long before a real database reached that size.
"""

from __future__ import annotations

import http.client
import json
import time

from sqlalchemy import Connection, text

from bench.environment import Backend, unit_code
from bench.load import percentile
from storage.db import make_engine
from tests.support import applicant, submission

BACKLOG_PER_ROLE = 100
CHUNK = 100_000
#: (bpmn id, role) of the procedure's four user tasks, in order.
TASKS = (
    ("check_dossier", "reception"),
    ("appraise", "specialist"),
    ("approve_result", "leader"),
    ("return_result", "reception"),
)

_DOSSIERS = """
INSERT INTO dossier (code, procedure_key, definition_id, unit_code, owner_user_id, applicant,
    channel, return_channel, submission, data, status, status_changed_at, submitted_at,
    received_at, due_at, resolved_at, finished_at, state, version, updated_at)
SELECT
    u.code || '-' || to_char(t.at, 'YYMMDD') || '-' || lpad((g.k % 5000 + 1)::text, 4, '0'),
    'cap_lai_the_bhyt', :definition_id, u.code, NULL,
    jsonb_set(CAST(:applicant AS jsonb), '{id_number}', to_jsonb(lpad(g.i::text, 12, '0'))),
    2, 2, CAST(:submission AS jsonb), CAST(:data AS jsonb),
    :status, t.at, t.at, t.at, t.at + interval '9 days',
    CASE WHEN :finished THEN t.at + interval '3 hours' END,
    CASE WHEN :finished THEN t.at + interval '4 hours' END,
    '{"placeholder": true}', 5, t.at
FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS g0(i)
CROSS JOIN LATERAL (SELECT g0.i AS i, g0.i / CAST(:units AS bigint) AS k) AS g
JOIN (SELECT ordinality - 1 AS n, code FROM unnest(CAST(:units_list AS text[]))
      WITH ORDINALITY AS x(code, ordinality)) AS u ON u.n = g.i % CAST(:units AS bigint)
CROSS JOIN LATERAL (SELECT CAST(:base AS timestamptz) - (g.k / 5000) * interval '1 day'
                           - (g.k % 5000) * interval '1 second' AS at) AS t
RETURNING id, unit_code, submitted_at
"""


def seed(backend: Backend, *, first: int, last: int, units: int, open_step: int | None) -> None:
    """Dossiers numbered first..last. `open_step=None`: finished history with four completed
    work items each; otherwise open at that step (index into TASKS) in unit 0."""
    engine = make_engine(backend.url)
    try:
        with engine.begin() as conn:
            definition_id = conn.execute(text("SELECT max(id) FROM definition")).scalar_one()
        units_list = (
            [unit_code(0)] if open_step is not None else [unit_code(n) for n in range(units)]
        )
        for start in range(first, last + 1, CHUNK):
            end = min(last, start + CHUNK - 1)
            with engine.begin() as conn:
                _seed_chunk(conn, definition_id, start, end, units_list, open_step)
        # What autovacuum would have done by the time a real database had grown this large:
        # statistics, visibility map, and the bulk writes flushed (so they do not compete).
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM (ANALYZE) dossier"))
            conn.execute(text("VACUUM (ANALYZE) work_item"))
            conn.execute(text("CHECKPOINT"))
    finally:
        engine.dispose()


def _seed_chunk(
    conn: Connection,
    definition_id: int,
    first: int,
    last: int,
    units: list[str],
    open_step: int | None,
) -> None:
    finished = open_step is None
    steps = TASKS if open_step is None else (TASKS[open_step],)
    values = ", ".join(f"({n}, '{bpmn}', '{role}')" for n, (bpmn, role) in enumerate(steps))
    # built from this module's constants only
    sql = f"""
    WITH d AS ({_DOSSIERS})
    INSERT INTO work_item (id, dossier_id, unit_code, procedure_key, bpmn_id, name, role, form_key,
        status, claimed_by_id, claimed_by_username, claimed_at, created_at, due_at, completed_at,
        completed_by_username, outcome)
    SELECT gen_random_uuid()::text, d.id, d.unit_code, 'cap_lai_the_bhyt', s.bpmn, s.bpmn, s.role,
        s.bpmn, :item_status, NULL, NULL, NULL, d.submitted_at + s.n * interval '1 hour', NULL,
        CASE WHEN :finished THEN d.submitted_at + (s.n + 1) * interval '1 hour' END,
        CASE WHEN :finished THEN s.role || '0' END, NULL
    FROM d CROSS JOIN (VALUES {values}) AS s(n, bpmn, role)
    """  # noqa: S608
    sample_data = {"applicant": applicant(), "submission": submission(), "decision": "approve"}
    conn.execute(
        text(sql),
        {
            "definition_id": definition_id,
            "applicant": json.dumps(applicant()),
            "submission": json.dumps(submission()),
            "data": json.dumps(sample_data),
            "status": 10 if finished else 4,
            "finished": finished,
            "first": first,
            "last": last,
            "units": len(units),
            "units_list": units,
            "base": "2026-03-09T10:00:00+07:00",
            "item_status": "completed" if finished else "open",
        },
    )


def backlog(backend: Backend, units: int) -> int:
    """The measured unit's open tasks: 100 per role. Returns how many dossiers that is."""
    count = 0
    for step in range(3):
        seed(
            backend,
            first=9_000_000 + count,
            last=9_000_000 + count + BACKLOG_PER_ROLE - 1,
            units=units,
            open_step=step,
        )
        count += BACKLOG_PER_ROLE
    return count


def inbox_latency(port: int, token: str, requests: int = 400, warmup: int = 50) -> dict[str, float]:
    """GET /tasks (page 1) by the measured unit's reception officer, one request at a time."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    headers = {"Authorization": f"Bearer {token}"}
    timings = []
    for n in range(warmup + requests):
        started = time.perf_counter()
        connection.request("GET", "/api/v1/tasks", headers=headers)
        response = connection.getresponse()
        body = json.loads(response.read())
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status == 200 and body["total"] == BACKLOG_PER_ROLE, body
        if n >= warmup:
            timings.append(elapsed)
    connection.close()
    return {
        "p50": percentile(timings, 50),
        "p95": percentile(timings, 95),
        "p99": percentile(timings, 99),
    }
