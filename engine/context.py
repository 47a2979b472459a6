"""Wiring: build every long-lived object once (`build`), hand the context to each use case."""

from __future__ import annotations

from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from engine import report_increments
from engine.calendar.working_days import OfficeHours
from engine.clock import Clock, SystemClock
from engine.definitions.cache import DEFINITIONS, DefinitionCache
from engine.identifiers.codes import Circular01CodeGenerator, DossierCodeGenerator
from engine.issuing.render_cache import RenderCache
from engine.issuing.sealers import PdfSealer
from engine.issuing.signers import AnySigners, signers_from_settings
from engine.peers.dvcqg import DVCQG
from engine.peers.mail import MAIL
from engine.peers.sms import SMS
from engine.security.credentials import Passwords, Tokens
from engine.security.signing import KEY_FILE_NAME, SigningKey
from engine.settings import Settings
from storage.db import make_engine
from storage.uow import Database, UnitOfWork


@dataclass
class EngineContext:
    settings: Settings
    db: Database
    clock: Clock
    #: The process's one cache of parsed definitions and their models (`DEFINITIONS`).
    definitions: DefinitionCache
    passwords: Passwords
    tokens: Tokens
    codes: DossierCodeGenerator
    tz: ZoneInfo
    #: Signs audit checkpoints and bundles; created in the var directory on first start.
    audit_key: SigningKey
    #: Each unit's key for documents of record (issue 14): development CA or configured keys.
    signers: AnySigners
    #: What the render-on-demand reads made already (Mẫu 06, HTML views), per process.
    renders: RenderCache = field(default_factory=RenderCache)

    @property
    def office_hours(self) -> OfficeHours:
        """The configured office hours (`engine.calendar.versions.CalendarSetting`)."""
        return self.settings.office_hours

    def uow(self, *, write: bool = True, snapshot: bool = False) -> UnitOfWork:
        return self.db.uow(write=write, snapshot=snapshot)

    def close(self) -> None:
        self.db.dispose()


def destinations(settings: Settings) -> tuple[str, ...]:
    """The peers every outbound message goes to (docs/integration.md)."""
    mail = settings.mail_dir is not None or settings.notify.smtp is not None
    return (
        ((DVCQG,) if settings.dvcqg is not None else ())
        + ((MAIL,) if mail else ())
        + ((SMS,) if settings.notify.sms is not None else ())
    )


def build(settings: Settings, *, clock: Clock | None = None) -> EngineContext:
    signers = signers_from_settings(settings)
    tz = ZoneInfo(settings.timezone)
    return EngineContext(
        settings=settings,
        db=Database(
            make_engine(settings.database_url),
            sealer=PdfSealer(signers, tz),
            destinations=destinations(settings),
            projector=report_increments.projector(tz),
        ),
        clock=clock or SystemClock(),
        definitions=DEFINITIONS,
        passwords=Passwords(
            time_cost=settings.password_time_cost, memory_kib=settings.password_memory_kib
        ),
        tokens=Tokens(settings.secret_key, settings.token_ttl_seconds),
        codes=Circular01CodeGenerator(),
        tz=tz,
        audit_key=SigningKey.load_or_create(settings.var_dir / KEY_FILE_NAME),
        signers=signers,
    )
