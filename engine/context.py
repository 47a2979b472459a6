"""Wiring: build every long-lived object once (`build`), hand the context to each use case."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from engine.audit.signing import KEY_FILE_NAME, SigningKey
from engine.clock import Clock, SystemClock
from engine.codes import Circular01CodeGenerator, DossierCodeGenerator
from engine.definitions import DefinitionCache
from engine.document_signers import AnySigners, signers_from_settings
from engine.issuing import PdfSealer
from engine.security import Passwords, Tokens
from engine.settings import Settings
from storage.db import make_engine
from storage.uow import Database, UnitOfWork


@dataclass
class EngineContext:
    settings: Settings
    db: Database
    clock: Clock
    definitions: DefinitionCache
    passwords: Passwords
    tokens: Tokens
    codes: DossierCodeGenerator
    tz: ZoneInfo
    #: Signs audit checkpoints and bundles; created in the var directory on first start.
    audit_key: SigningKey
    #: Each unit's key for documents of record (issue 14): development CA or configured keys.
    signers: AnySigners

    def uow(self, *, write: bool = True, snapshot: bool = False) -> UnitOfWork:
        return self.db.uow(write=write, snapshot=snapshot)

    def close(self) -> None:
        self.db.dispose()


def build(settings: Settings, *, clock: Clock | None = None) -> EngineContext:
    signers = signers_from_settings(settings)
    tz = ZoneInfo(settings.timezone)
    return EngineContext(
        settings=settings,
        db=Database(make_engine(settings.database_url), sealer=PdfSealer(signers, tz)),
        clock=clock or SystemClock(),
        definitions=DefinitionCache(),
        passwords=Passwords(
            time_cost=settings.password_time_cost, memory_kib=settings.password_memory_kib
        ),
        tokens=Tokens(settings.secret_key, settings.token_ttl_seconds),
        codes=Circular01CodeGenerator(),
        tz=tz,
        audit_key=SigningKey.load_or_create(settings.var_dir / KEY_FILE_NAME),
        signers=signers,
    )
