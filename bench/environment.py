"""A fresh database per backend, seeded through the engine (units, officers, the procedure), and
a real `motcua serve --workers N` on it."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from engine.context import EngineContext, build
from engine.security.authz import Actor
from engine.services import definitions, dossiers, users
from engine.services import units as unit_service
from engine.services.users import NewUser
from engine.settings import Settings
from storage.admin import temporary_database
from storage.migrate import upgrade
from tests.documents_support import licensed_ca
from tests.live_server import REPO, LiveServer, free_port
from tests.support import submission

PASSWORD = "bench-password-2026"  # noqa: S105 - throwaway benchmark accounts
ADMIN = Actor(user_id=None, username="bench", roles=frozenset({"admin"}), unit_code=None)
OFFICER_ROLES = ("reception", "specialist", "leader")


def bench_settings(url: str, var_dir: Path, **extra: str) -> Settings:
    """Settings of a benchmark's own process: cheap password hashing, a throwaway secret."""
    return Settings.from_env(
        {
            "MOTCUA_ENV": "bench",
            "MOTCUA_DATABASE_URL": url,
            "MOTCUA_VAR_DIR": str(var_dir),
            "MOTCUA_SECRET_KEY": "bench-secret-" + "x" * 40,
            "MOTCUA_PASSWORD_TIME_COST": "1",
            "MOTCUA_PASSWORD_MEMORY_KIB": "64",
            **extra,
        }
    )


@contextmanager
def migrated_database(server: str | None, tmp: Path, name: str) -> Iterator[str]:
    """A migrated SQLite file in `tmp`, or a fresh database `name` on a PostgreSQL server."""
    if server is None:
        url = f"sqlite:///{tmp / 'bench.db'}"
        upgrade(url)
        yield url
        return
    with temporary_database(server, name) as url:
        upgrade(url)
        yield url


#: Units a bench may create (`unit_code(0)` … `unit_code(MAX_UNITS - 1)`): each has a signing key.
MAX_UNITS = 64


def unit_code(n: int) -> str:
    return f"000.00.{n:02d}.B01"


@dataclass
class Backend:
    name: str
    url: str
    workdir: Path
    secret: str

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            **self._signing_keys(),
            "MOTCUA_ENV": "production",
            "MOTCUA_DATABASE_URL": self.url,
            "MOTCUA_SECRET_KEY": self.secret,
            "MOTCUA_VAR_DIR": str(self.workdir / "var"),
            # Notifications on: every status change and document writes an outbox message
            # that the server's scheduler renders and delivers to this mail directory.
            "MOTCUA_MAIL_DIR": str(self.workdir / "mail"),
            "MOTCUA_BPMN_DIR": str(REPO / "bpmn"),
            "MOTCUA_FORMS_DIR": str(REPO / "forms"),
        }

    def context(self) -> EngineContext:
        return build(Settings.from_env(self.env()))

    def _signing_keys(self) -> dict[str, str]:
        """Production refuses to start without a licensed key per unit (docs/documents.md):
        a CA like a licensed one, made once per bench, with keys for every unit it may seed."""
        directory = self.workdir / "document-keys"
        roots = directory / "roots.pem"
        if not roots.is_file():
            licensed_ca(directory, [(unit_code(n), f"BHXH bench {n}") for n in range(MAX_UNITS)])
        return {
            "MOTCUA_DOCUMENT_KEYS_DIR": str(directory),
            "MOTCUA_DOCUMENT_TRUST_ROOTS": str(roots),
        }

    @contextmanager
    def server(
        self, workers: int, code: Path | None = None, *, with_scheduler: bool = False
    ) -> Iterator[LiveServer]:
        """`code`: serve another checkout of motcua (e.g. an older commit) on this database;
        `with_scheduler`: the server also fires timers and delivers the outbox."""
        env = self.env()
        if code is not None:
            env["PYTHONPATH"] = str(code)
        log = self.workdir / "server.log"
        server = LiveServer(
            env, free_port(), log, workers, code or REPO, with_scheduler=with_scheduler
        )
        server.start()
        try:
            yield server
        finally:
            server.stop()


@contextmanager
def sqlite_backend() -> Iterator[Backend]:
    with tempfile.TemporaryDirectory(prefix="motcua-bench-") as tmp:
        workdir = Path(tmp)
        yield _prepared("SQLite", f"sqlite:///{workdir / 'bench.db'}", workdir)


@contextmanager
def postgres_backend(admin_url: str) -> Iterator[Backend]:
    with (
        temporary_database(admin_url, "motcua_bench") as url,
        tempfile.TemporaryDirectory(prefix="motcua-bench-") as tmp,
    ):
        yield _prepared("PostgreSQL", url, Path(tmp))


def _prepared(name: str, url: str, workdir: Path) -> Backend:
    upgrade(url)
    return Backend(name, url, workdir, secrets.token_urlsafe(48))


def seed(backend: Backend, units: int) -> None:
    """The procedure, `units` units with one officer per role each, and one citizen."""
    ctx = backend.context()
    try:
        definitions.deploy_directory(ctx, ADMIN, REPO / "bpmn", REPO / "forms")
        for n in range(units):
            unit_service.create_unit(ctx, ADMIN, unit_code(n), f"BHXH bench {n}")
            for role in OFFICER_ROLES:
                users.create_user(
                    ctx, ADMIN, NewUser(f"{role}{n}", PASSWORD, role, (role,), unit_code(n))
                )
        users.create_user(ctx, ADMIN, NewUser("citizen", PASSWORD, "Công dân", ("citizen",), None))
    finally:
        ctx.close()


def login(server: LiveServer, username: str) -> str:
    status, body = server.request(
        "POST", "/auth/token", None, {"username": username, "password": PASSWORD}
    )
    assert status == 200, body
    return str(body["access_token"])


def submit_sample_dossier(ctx: EngineContext, citizen: Actor, unit: str) -> str:
    """Submit one `cap_lai_the_bhyt` dossier with the tests' valid data; its code."""
    return dossiers.submit_dossier(
        ctx,
        citizen,
        dossiers.SubmitDossier(
            procedure="cap_lai_the_bhyt",
            unit=unit,
            applicant=dossiers.Applicant("Nguyễn Văn An", "001090012345", "0912345678"),
            data=submission(),
        ),
    ).code
