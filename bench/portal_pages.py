"""Server time of the citizens' portal pages with 100,000 dossiers on PostgreSQL (issue 15): the
first page of the catalogue and of "Hồ sơ của tôi" (budget: 100 ms p95), plus the pages added
with them: a dossier's page (timeline, documents, rating), the statistics page (first
computation and then from the per-process cache), and the weight of each page with its assets
as sent (budget: 200 KB without images).

The set-up is bench/web.py's (bulk-written history spread over 4 units, the citizen owning
`--owned` dossiers spread over the table), requests go through the composed WSGI app in this
process (routing, session, engine queries, templates; no sockets).

    .venv/bin/python -m bench.portal_pages --postgres-url postgresql://postgres@127.0.0.1:5432/postgres
"""

from __future__ import annotations

import argparse
import json
import re
import time

from sqlalchemy import text
from werkzeug.test import Client

from bench import inbox
from bench.environment import postgres_backend, seed
from bench.web import log_in, page_weight, timed
from engine.context import build
from engine.settings import Settings
from server.app import create_app
from storage.db import make_engine


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres-url", required=True, help="a server where we may create a db")
    parser.add_argument("--dossiers", type=int, default=100_000)
    parser.add_argument("--owned", type=int, default=25, help="dossiers of the measured citizen")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args()
    with postgres_backend(args.postgres_url) as backend:
        seeding = time.perf_counter()
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
        seeded_s = time.perf_counter() - seeding
        # Production settings but MOTCUA_ENV: a bench has no unit's licensed signing key, which
        # production refuses to start without (docs/documents.md); the pages sign nothing.
        ctx = build(Settings.from_env({**backend.env(), "MOTCUA_ENV": "bench"}))
        try:
            client = Client(create_app(context=ctx))
            log_in(client)
            listing = client.get("/ho-so-cua-toi").get_data(as_text=True)
            found = re.search(r'href="(/ho-so-cua-toi/[^"/]+)"', listing)
            assert found is not None, "the citizen owns no dossier"
            detail = found.group(1)
            started = time.perf_counter()
            assert client.get("/thong-ke").status_code == 200
            statistics_first_ms = (time.perf_counter() - started) * 1000
            pages = ("/", "/ho-so-cua-toi", detail, "/thong-ke", "/tra-cuu")
            result = {
                "dossiers": args.dossiers,
                "seeding_s": round(seeded_s, 1),
                "catalogue": timed(lambda: client.get("/").status_code, args.requests, 20),
                "my_dossiers": timed(
                    lambda: client.get("/ho-so-cua-toi").status_code, args.requests, 20
                ),
                "dossier_detail": timed(lambda: client.get(detail).status_code, args.requests, 20),
                "statistics_first_ms": round(statistics_first_ms, 1),
                "statistics_cached": timed(
                    lambda: client.get("/thong-ke").status_code, args.requests, 5
                ),
                "page_bytes": {path: page_weight(client, path) for path in pages},
            }
        finally:
            ctx.close()
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
