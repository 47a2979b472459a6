"""Server time of the workspace's inbox page (issue 16: ≤ 150 ms p95 with 1,000,000 dossiers in
the database, on PostgreSQL) as the history grows.

The dossiers are bulk-written server-side by bench/inbox.py's seeder: finished history (four
completed work items each) spread over four units, and the measured unit's open backlog (100
open tasks per officer role, the same at every size). The history is grown step by step to each
size in `--sizes` and the pages are timed at each, so the numbers say how the page's time grows
with the database. Requests go through the pages' WSGI app (`web.create_app`) in this process
(routing, session, engine queries, templates), not through sockets; wall and CPU time per
request (bench/web.py's `timed`).

    .venv/bin/python -m bench.inbox_page --postgres-url postgresql://postgres@127.0.0.1:5432/postgres
    .venv/bin/python -m bench.inbox_page --postgres-url ... --sizes 100000,300000
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event, text
from werkzeug.test import Client

import web
from bench import inbox
from bench.environment import PASSWORD, Backend, postgres_backend, seed
from bench.load import percentile
from bench.web import timed
from storage.db import make_engine

#: The inbox as officers open it: first page, a filter, an order on a computed column, a page.
PAGES = {
    "inbox": "/can-bo/hop-cong-viec",
    "overdue": "/can-bo/hop-cong-viec?han=qua-han",
    "by_step_due": "/can-bo/hop-cong-viec?sap-xep=han-buoc&thu-tu=giam",
    "unclaimed_page_3": "/can-bo/hop-cong-viec?nguoi-xu-ly=chua-nhan&trang=3",
    "results_refresh": "/can-bo/hop-cong-viec",  # what htmx polls: the results alone
}
_REFRESH = {"HX-Request": "true", "HX-Target": "ket-qua-hop-cong-viec"}


def log_in(client: Client, username: str) -> None:
    form = client.get("/dang-nhap").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    answer = client.post(
        "/dang-nhap",
        data={"csrf_token": token.group(1), "username": username, "password": PASSWORD},
    )
    assert answer.status_code == 302, answer.status_code


class StatementClock:
    """Time spent in the database driver (statements sent and answered), and how many
    statements: on a busy shared machine the page's wall time mostly measures the neighbours;
    this and the CPU time say what the page costs."""

    def __init__(self, engine: Engine) -> None:
        self.seconds = 0.0
        self.statements = 0
        self._started: list[float] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, *_: Any) -> None:
        self._started.append(time.perf_counter())

    def _after(self, *_: Any) -> None:
        self.seconds += time.perf_counter() - self._started.pop()
        self.statements += 1


def measure(client: Client, requests: int, sql: StatementClock) -> dict[str, dict[str, float]]:
    found = {}
    for name, path in PAGES.items():
        headers = _REFRESH if name == "results_refresh" else {}
        per_request: list[float] = []
        counts: list[int] = []

        def call(
            path: str = path,
            headers: dict[str, str] = headers,
            per_request: list[float] = per_request,
            counts: list[int] = counts,
        ) -> int:
            before, count = sql.seconds, sql.statements
            status = client.get(path, headers=headers).status_code
            per_request.append((sql.seconds - before) * 1000)
            counts.append(sql.statements - count)
            return status

        found[name] = timed(call, requests, 20)
        measured = per_request[-requests:]
        found[name]["sql_p50_ms"] = percentile(measured, 50)
        found[name]["sql_p95_ms"] = percentile(measured, 95)
        found[name]["statements"] = max(counts)
    return found


def measured(backend: Backend, size: int, seconds: float, requests: int) -> dict[str, Any]:
    ctx = backend.context()
    try:
        sql = StatementClock(ctx.db.engine)
        client = Client(web.create_app(context=ctx))
        log_in(client, "reception0")
        page = client.get(PAGES["inbox"]).get_data(as_text=True)
        assert "100 công việc khớp bộ lọc" in page, page[:3000]
        return {"dossiers": size, "seed_seconds": round(seconds), **measure(client, requests, sql)}
    finally:
        ctx.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres-url", required=True, help="a server where we may create a db")
    parser.add_argument("--sizes", default="100000,300000,1000000", help="dossiers, ascending")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument(
        "--seeded",
        metavar="URL",
        help="measure again on a database this script's seeding already filled (kept, not seeded)",
    )
    args = parser.parse_args()
    if args.seeded:
        workdir = Path(tempfile.mkdtemp())
        backend = Backend("PostgreSQL", args.seeded, workdir, secrets.token_urlsafe(48))
        size = int(backend_count(args.seeded))
        print(json.dumps(measured(backend, size, 0, args.requests), indent=2))
        return
    results = []
    with postgres_backend(args.postgres_url) as backend:
        seed(backend, units=4)
        backlog = inbox.backlog(backend, units=4)
        seeded = 0
        for size in [int(s) for s in args.sizes.split(",")]:
            started = time.perf_counter()
            history = size - backlog
            inbox.seed(backend, first=seeded + 1, last=history, units=4, open_step=None)
            seeded = history
            results.append(measured(backend, size, time.perf_counter() - started, args.requests))
            print(json.dumps(results[-1], indent=2), flush=True)
    print(json.dumps(results, indent=2))


def backend_count(url: str) -> int:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return int(conn.execute(text("SELECT count(*) FROM dossier")).scalar_one())
    finally:
        engine.dispose()


if __name__ == "__main__":
    main()
