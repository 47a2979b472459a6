"""Profile the server side of the dossier path in one process (no gunicorn, no sockets), to see
what dominates a request: `.venv/bin/python bench/profile_path.py [--postgres] [--dossiers N]`.

Uses pyinstrument (the `bench` extra). Prints the call tree of the measured dossiers, the time
per dossier by component (`COMPONENTS`: documents, projection, workflow engine, ...; the rest by
the library it was spent in) and the mean wall and CPU time per request kind.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pyinstrument import Profiler

from api import create_app
from bench.environment import PASSWORD, postgres_backend, seed, sqlite_backend, unit_code
from bench.load import STEPS
from engine.settings import Settings
from tests.support import PROCEDURE, applicant, submission

#: (component, path fragments): a sample belongs to the outermost frame of the first component
#: whose code is on its stack, so "documents" includes the SQL a document's numbering runs.
COMPONENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("documents: render, sign, compress", ("engine/records.py", "engine/documents/")),
    ("report projection", ("engine/report_projection.py",)),
    ("authentication", ("engine/services/logins.py",)),
    ("form validation", ("engine/form_checks.py", "/forms/")),
    ("workflow engine (SpiffWorkflow, state)", ("engine/spiff/", "SpiffWorkflow/")),
    ("calendar", ("engine/calendar/",)),
    ("audit chain (hashing, event rows)", ("engine/events.py",)),
)
#: Where the rest of a sample's time went, by its innermost frame's library.
LIBRARIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("SQL: SQLAlchemy, psycopg, waiting for the database", ("sqlalchemy/", "psycopg", "sqlite3")),
    (
        "HTTP framework: Flask, werkzeug, marshmallow",
        ("flask", "werkzeug", "marshmallow", "webargs"),
    ),
)


def breakdown(frame_records: Any, dossiers: int) -> list[tuple[str, float]]:
    """Milliseconds per dossier by component (see COMPONENTS and LIBRARIES)."""
    spent: dict[str, float] = defaultdict(float)
    for stack, seconds in frame_records:
        spent[_component(stack)] += seconds
    return sorted(((name, s * 1000 / dossiers) for name, s in spent.items()), key=lambda p: -p[1])


def _component(stack: list[str]) -> str:
    files = [frame.split("\x00")[1] if "\x00" in frame else frame for frame in stack]
    for name, fragments in COMPONENTS:
        if any(fragment in f for f in files for fragment in fragments):
            return name
    leaf = files[-1] if files else ""
    for name, fragments in LIBRARIES:
        if any(fragment in leaf for fragment in fragments):
            return name
    return "other (our use cases, repositories, JSON, Python itself)"


def walk(client: Any, tokens: dict[str, str], timings: dict[str, list[float]]) -> None:
    def post(label: str, path: str, user: str, body: Any) -> Any:
        started, cpu_started = time.perf_counter(), time.process_time()
        response = client.post(
            "/api/v1" + path, json=body, headers={"Authorization": f"Bearer {tokens[user]}"}
        )
        timings[label].append((time.perf_counter() - started) * 1000)
        timings[label + " cpu"].append((time.process_time() - cpu_started) * 1000)
        assert response.status_code < 300, response.get_data(as_text=True)
        return response.get_json()

    body = {
        "procedure": PROCEDURE,
        "unit": unit_code(0),
        "applicant": applicant(),
        "data": submission(),
    }
    steps = post("submit", "/dossiers", "citizen", body)["current_steps"]
    while steps:
        role, data = STEPS[steps[0]["bpmn_id"]]
        task_id = steps[0]["task_id"]
        post("claim", f"/tasks/{task_id}/claim", role, None)
        steps = post("complete", f"/tasks/{task_id}/complete", role, {"data": data})[
            "current_steps"
        ]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--dossiers", type=int, default=100)
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--no-profiler", action="store_true", help="e.g. to sample with py-spy")
    args = parser.parse_args()
    manager = postgres_backend(args.postgres_url) if args.postgres else sqlite_backend()
    with manager as backend:
        seed(backend, 1)
        app = create_app(Settings.from_env(backend.env()))
        client = app.test_client()
        tokens = {}
        for user in ("citizen", "reception0", "specialist0", "leader0"):
            response = client.post(
                "/api/v1/auth/token", json={"username": user, "password": PASSWORD}
            )
            tokens[user.rstrip("0")] = response.get_json()["access_token"]
        timings: dict[str, list[float]] = defaultdict(list)
        for _ in range(10):  # warm caches
            walk(client, tokens, timings)
        timings.clear()
        profiler = Profiler(interval=0.0005)
        if not args.no_profiler:
            profiler.start()
        started, cpu_started = time.perf_counter(), time.process_time()
        for _ in range(args.dossiers):
            walk(client, tokens, timings)
        elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
        app.extensions["motcua"].close()
    if not args.no_profiler:
        session = profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        print("time per dossier by component (profiler on):")
        for name, ms in breakdown(session.frame_records, args.dossiers):
            print(f"  {ms:7.1f} ms  {name}")
    profiled = "off" if args.no_profiler else "on"
    print(f"{args.dossiers / elapsed:.1f} dossiers/s in one process (profiler {profiled})")
    print(f"  Python CPU per dossier {cpu / args.dossiers * 1000:.1f} ms")
    for label, values in timings.items():
        print(f"  {label:<9} mean {sum(values) / len(values):.2f} ms over {len(values)}")


if __name__ == "__main__":
    main()
