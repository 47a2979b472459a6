"""Server time of the portal's pages with a large history, on PostgreSQL (issue 15: the first
page of the catalogue and of "Hồ sơ của tôi" within 100 ms p95 with 100,000 dossiers), and the
weight of each page with its assets as sent (HTML + gzip-compressed assets, no images).

The dossiers are bulk-written server-side (bench/inbox.py's seeder: finished history spread over
the units); the citizen owns `--owned` of them, spread over the whole table, so that no query can
stop early. Requests go through the composed WSGI app in this process (server time: routing,
session, engine queries, templates), not through sockets.

    .venv/bin/python -m bench.web --postgres-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections.abc import Callable

from sqlalchemy import text
from werkzeug.test import Client

from bench import inbox
from bench.environment import PASSWORD, postgres_backend, seed
from bench.load import percentile
from server.app import create_app
from storage.db import make_engine

PAGES = ("/", "/?q=cap+lai+the", "/thu-tuc/cap_lai_the_bhyt", "/tra-cuu", "/ho-so-cua-toi")
_ASSET = re.compile(r'(?:src|href)="(/assets/[^"]+)"')


def timed(call: Callable[[], int], requests: int, warmup: int) -> dict[str, float]:
    """Wall and CPU time per request (the CPU of this process: routing, session, engine,
    ORM, templates; not the database server's). On a busy shared machine the wall time mostly
    measures the neighbours; the CPU time is what the page costs."""
    for _ in range(warmup):
        assert call() == 200
    wall, cpu = [], []
    for _ in range(requests):
        started, started_cpu = time.perf_counter(), time.process_time()
        status = call()
        wall.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
        assert status == 200, status
    return {
        "p50_ms": percentile(wall, 50),
        "p95_ms": percentile(wall, 95),
        "cpu_p50_ms": percentile(cpu, 50),
        "cpu_p95_ms": percentile(cpu, 95),
    }


def log_in(client: Client) -> None:
    form = client.get("/dang-nhap").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form)
    assert token is not None
    answer = client.post(
        "/dang-nhap",
        data={"csrf_token": token.group(1), "username": "citizen", "password": PASSWORD},
    )
    assert answer.status_code == 302, answer.status_code


def page_weight(client: Client, path: str) -> int:
    html = client.get(path).data
    total = len(html)
    for url in set(_ASSET.findall(html.decode())):
        total += len(client.get(url, headers={"Accept-Encoding": "gzip"}).data)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres-url", required=True, help="a server where we may create a db")
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--owned", type=int, default=25, help="dossiers of the measured citizen")
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    with postgres_backend(args.postgres_url) as backend:
        seed(backend, units=4)
        inbox.seed(backend, first=1, last=args.dossiers, units=4, open_step=None)
        engine = make_engine(backend.url)
        with engine.begin() as conn:
            citizen = conn.execute(
                text("SELECT id FROM user_account WHERE username = 'citizen'")
            ).scalar_one()
            step = max(1, args.dossiers // args.owned)
            conn.execute(
                text("UPDATE dossier SET owner_user_id = :uid WHERE id % :step = 0"),
                {"uid": citizen, "step": step},
            )
        engine.dispose()
        ctx = backend.context()
        try:
            client = Client(create_app(context=ctx))
            log_in(client)
            found = {
                "dossiers": args.dossiers,
                "catalogue": timed(lambda: client.get("/").status_code, args.requests, 30),
                "my_dossiers": timed(
                    lambda: client.get("/ho-so-cua-toi").status_code, args.requests, 30
                ),
                "page_bytes": {path: page_weight(client, path) for path in PAGES},
            }
        finally:
            ctx.close()
    print(json.dumps(found, indent=2))


if __name__ == "__main__":
    main()
