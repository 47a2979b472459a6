"""A year of dossiers (2026) and their events written by PostgreSQL itself (INSERT … SELECT over
generate_series), for the handling report's bench at a million dossiers: the engine and the
Python history generator would take an hour for what this does in minutes. Not a chain (the
hashes are zeros; the report never reads them), and the report's projection written alongside
as the engine's fold would make it (`bench/reports.py --rebuild` replaces it by the engine's
rebuild from the events and checks that the report's figures are the same).

Each dossier: submitted at a random moment of 2026, then refused (8 %), or accepted with a
statutory due date 2–14 days later and then withdrawn (6 %), stopped (6 %), still in process
(13 %), waiting for a supplement (7 %) or resolved (60 %; 70 % of those returned later), plus
`filler` events per dossier of kinds the report does not read (tasks opened)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Connection, text

_SEED = """
CREATE TEMP TABLE seed ON COMMIT DROP AS
SELECT g AS id,
       'B' || lpad(g::text, 8, '0') AS code,
       timestamptz '2026-01-01 01:00+00' + floor(random() * 364 * 86400) * interval '1 second'
           AS submitted_at,
       (1 + floor(random() * 30)) * interval '1 hour' AS accepting,
       random() AS path,
       random() AS returned,
       (1 + floor(random() * 400)) * interval '1 hour' AS handling,
       (1 + floor(random() * 100)) * interval '1 hour' AS return_delay,
       (2 + floor(random() * 13))::int AS due_days,
       (ARRAY[1, 2, 2, 3])[1 + (g % 4)] AS channel,
       g % :units AS unit_n,
       (g / 7) % :procedures AS procedure_n
FROM generate_series(1, :count) AS g
"""
_FACTS = """
CREATE TEMP TABLE facts ON COMMIT DROP AS
SELECT id, code, submitted_at, channel, unit_n, procedure_n,
       CASE WHEN path < 0.08 THEN 3 WHEN path < 0.14 THEN 7 WHEN path < 0.20 THEN 8
            WHEN path < 0.33 THEN 4 WHEN path < 0.40 THEN 5 ELSE 9 END AS final,
       submitted_at + accepting AS accepted_at,
       date_trunc('day', submitted_at + accepting + due_days * interval '1 day')
           + interval '9 hours 30 minutes' AS due_at,
       submitted_at + accepting + handling AS ended_at,
       CASE WHEN path >= 0.40 AND returned < 0.7
            THEN submitted_at + accepting + handling + return_delay END AS returned_at
FROM seed
"""
_DOSSIERS = """
INSERT INTO dossier (id, code, procedure_key, definition_id, unit_code, applicant, channel,
                     return_channel, submission, data, status, status_changed_at, submitted_at,
                     resolved_at, finished_at, state, version, updated_at)
SELECT id, code, (CAST(:keys AS text[]))[1 + procedure_n],
       (CAST(:definitions AS int[]))[1 + procedure_n], (CAST(:unit_codes AS text[]))[1 + unit_n],
       '{}', channel, channel, '{}', '{}',
       CASE WHEN returned_at IS NOT NULL THEN 10 ELSE final END,
       coalesce(returned_at, ended_at), submitted_at,
       CASE WHEN final = 9 THEN ended_at END,
       CASE WHEN returned_at IS NOT NULL THEN returned_at
            WHEN final IN (3, 7, 8) THEN ended_at END,
       '{}', 1, coalesce(returned_at, ended_at)
FROM facts
"""
_EVENTS = """
INSERT INTO event (chain, seq, dossier_id, occurred_at, type, actor_username, actor_role,
                   payload, prev_hash, hash)
SELECT 'dossier:' || f.code, e.seq, f.id, e.at, e.type, 'seed', 'system', e.payload::text,
       decode(repeat('0', 64), 'hex'), decode(repeat('0', 64), 'hex')
FROM facts f
CROSS JOIN LATERAL (VALUES
    (1, f.submitted_at, 'dossier_submitted',
        jsonb_build_object('channel', f.channel,
                           'unit', (CAST(:unit_codes AS text[]))[1 + f.unit_n])),
    (2, f.accepted_at, 'status_changed',
        jsonb_build_object('to', CASE WHEN f.final = 3 THEN 3 ELSE 2 END)),
    (3, CASE WHEN f.final <> 3 THEN f.accepted_at END, 'deadline_set',
        jsonb_build_object('due_at', to_char(f.due_at AT TIME ZONE 'UTC',
                                             'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'))),
    (4, CASE WHEN f.final <> 3 THEN f.accepted_at END, 'status_changed',
        jsonb_build_object('to', 4)),
    (5, CASE WHEN f.final NOT IN (3, 4) THEN f.ended_at END, 'status_changed',
        jsonb_build_object('to', f.final)),
    (6, f.returned_at, 'status_changed', jsonb_build_object('to', 10))
) AS e(seq, at, type, payload)
WHERE e.at IS NOT NULL
"""
_FILLER = """
INSERT INTO event (chain, seq, dossier_id, occurred_at, type, actor_username, actor_role,
                   payload, prev_hash, hash)
SELECT 'dossier:' || f.code, 10 + k, f.id, f.accepted_at, 'task_opened', 'seed', 'system',
       '{"what": "bench"}', decode(repeat('0', 64), 'hex'), decode(repeat('0', 64), 'hex')
FROM facts f CROSS JOIN generate_series(1, :filler) AS k
"""

#: The projection as the engine's fold makes it of these events (bench --rebuild checks it).
_PROJECTION = (
    """
INSERT INTO report_dossier (dossier_id, code, unit_code, procedure_key, channel, submitted_at,
                            handled_at, outcome, timeliness, returned_at, current_wait,
                            current_due_at, state_since)
SELECT id, code, (CAST(:unit_codes AS text[]))[1 + unit_n],
       (CAST(:keys AS text[]))[1 + procedure_n], (ARRAY['direct', 'online', 'postal'])[channel],
       submitted_at,
       CASE WHEN final = 3 THEN accepted_at WHEN final IN (7, 8, 9) THEN ended_at END,
       CASE final WHEN 3 THEN 'refused' WHEN 7 THEN 'withdrawn' WHEN 8 THEN 'stopped'
                  WHEN 9 THEN 'resolved' END,
       CASE WHEN final <> 9 THEN NULL
            WHEN (ended_at AT TIME ZONE :tz)::date < (due_at AT TIME ZONE :tz)::date THEN 'early'
            WHEN (ended_at AT TIME ZONE :tz)::date = (due_at AT TIME ZONE :tz)::date
                THEN 'on_time'
            ELSE 'late' END,
       returned_at,
       CASE WHEN final = 5 THEN 'supplement' END,
       CASE WHEN final <> 3 THEN due_at END,
       coalesce(returned_at, CASE WHEN final IN (5, 7, 8, 9) THEN ended_at END, accepted_at)
FROM facts
""",
    """
INSERT INTO report_wait (dossier_id, seq, kind, from_at, to_at)
SELECT id, 0, 'supplement', ended_at, NULL FROM facts WHERE final = 5
""",
    """
INSERT INTO report_due (dossier_id, seq, due_at, from_at, to_at)
SELECT id, 0, due_at, accepted_at, NULL FROM facts WHERE final <> 3
""",
)


def seed_year(
    conn: Connection,
    count: int,
    units: Sequence[str],
    procedures: Sequence[tuple[int, str]],
    filler: int,
) -> None:
    """Write `count` dossiers of 2026 and their events (one transaction; the caller commits)."""
    conn.execute(text("SET LOCAL TimeZone = 'UTC'"))  # due dates at 16:30 in Vietnam
    conn.execute(text("SELECT setseed(0.17)"))
    conn.execute(text(_SEED), {"count": count, "units": len(units), "procedures": len(procedures)})
    conn.execute(text(_FACTS))
    names = {
        "unit_codes": list(units),
        "keys": [key for _, key in procedures],
        "definitions": [definition_id for definition_id, _ in procedures],
    }
    conn.execute(text(_DOSSIERS), names)
    conn.execute(text(_EVENTS), {"unit_codes": list(units)})
    if filler:
        conn.execute(text(_FILLER), {"filler": filler})
    for statement in _PROJECTION:
        conn.execute(text(statement), names | {"tz": "Asia/Ho_Chi_Minh"})
