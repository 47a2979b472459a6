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
import time

from werkzeug.test import Client

import web
from bench import inbox
from bench.environment import PASSWORD, postgres_backend, seed
from bench.web import timed

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


def measure(client: Client, requests: int) -> dict[str, dict[str, float]]:
    found = {}
    for name, path in PAGES.items():
        headers = _REFRESH if name == "results_refresh" else {}

        def call(path: str = path, headers: dict[str, str] = headers) -> int:
            return client.get(path, headers=headers).status_code

        found[name] = timed(call, requests, 20)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres-url", required=True, help="a server where we may create a db")
    parser.add_argument("--sizes", default="100000,300000,1000000", help="dossiers, ascending")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = []
    with postgres_backend(args.postgres_url) as backend:
        seed(backend, units=4)
        backlog = inbox.backlog(backend, units=4)
        seeded = 0
        for size in sizes:
            started = time.perf_counter()
            history = size - backlog
            inbox.seed(backend, first=seeded + 1, last=history, units=4, open_step=None)
            seeded = history
            seconds = time.perf_counter() - started
            ctx = backend.context()
            try:
                client = Client(web.create_app(context=ctx))
                log_in(client, "reception0")
                page = client.get(PAGES["inbox"]).get_data(as_text=True)
                assert "100 công việc khớp bộ lọc" in page, page[:3000]
                results.append(
                    {
                        "dossiers": size,
                        "seed_seconds": round(seconds),
                        **measure(client, args.requests),
                    }
                )
            finally:
                ctx.close()
            print(json.dumps(results[-1], indent=2), flush=True)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
