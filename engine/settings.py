"""Settings from the environment (prefix MOTCUA_), read once at start-up; fail fast when wrong."""

from __future__ import annotations

import math
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from engine.calendar.working_days import OfficeHours
from engine.notification_settings import (
    NotificationSettings,
    NotificationSettingsError,
    notification_settings,
)

PRODUCTION = "production"
#: The environments that are a developer's machine or the test suite: only they may let a
#: webhook reach private addresses (`MOTCUA_WEBHOOK_ALLOW_PRIVATE`).
DEVELOPMENT_ENVS = frozenset({"development", "test"})
#: Secrets that must never protect a production deployment.
KNOWN_WEAK_SECRETS = frozenset({"", "secret", "changeme", "dev", "development", "motcua"})
MIN_SECRET_LENGTH = 32
#: A production secret must look random: this many distinct characters, and at least this many
#: bits by a Shannon estimate over its own characters (length x entropy per character).
MIN_SECRET_DISTINCT = 10
MIN_SECRET_BITS = 128


class SettingsError(Exception):
    """The configuration cannot run (e.g. production without a real secret)."""


@dataclass(frozen=True, slots=True)
class PeerSettings:
    """Where a peer system is reached and how (docs/integration.md)."""

    url: str
    #: Sent as `Authorization: Bearer <token>` when set.
    token: str | None
    timeout_seconds: float
    #: National procedure codes (MaTTHC) of procedures whose diagram does not set one.
    procedure_codes: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class OutboxSettings:
    """How the dispatcher retries: exponential back-off with jitter, then parked (dead)."""

    backoff_base_seconds: float = 2.0
    backoff_max_seconds: float = 3600.0
    max_age_seconds: int = 3 * 24 * 3600
    poll_seconds: float = 0.5
    batch: int = 200
    workers: int = 8


@dataclass(frozen=True, slots=True)
class StagingSettings:
    """Files uploaded on the portal's submission steps before the dossier exists
    (engine/services/staging.py): what one account may keep staged, and when the unattached
    ones are swept."""

    #: Staged and not yet attached, per account: at most this many bytes and files.
    max_bytes: int = 200 * 1024 * 1024
    max_files: int = 40
    #: A staged file not attached this long after its (last) upload is deleted by the sweep.
    ttl_seconds: int = 24 * 3600
    #: How often the active scheduler sweeps.
    sweep_seconds: int = 3600


#: A draft of the submission pages lives 4 hours (web/portal/submission_draft.py): its files must
#: outlive it.
MIN_STAGED_TTL_SECONDS = 4 * 3600


@dataclass(frozen=True, slots=True)
class Settings:
    env: str
    database_url: str
    var_dir: Path
    bpmn_dir: Path
    forms_dir: Path
    secret_key: str
    secret_from_environment: bool
    token_ttl_seconds: int
    timezone: str
    password_time_cost: int
    password_memory_kib: int
    office_hours: OfficeHours
    scheduler_poll_seconds: int
    scheduler_lookahead_seconds: int
    checkpoint_interval_seconds: int
    #: flask-limiter storage: `memory://` (one process) or e.g. `redis://host:6379` (shared).
    ratelimit_storage_url: str
    ratelimit_login: str
    ratelimit_public: str
    #: Reverse proxies in front of the app whose X-Forwarded-For/-Proto headers are trusted.
    proxy_count: int
    login_max_failures: int
    login_lockout_seconds: int
    upload_max_bytes: int
    #: Production: a directory of `<unit code>.p12` signing keys (one per unit, issue 14) and
    #: the PEM file of the CA roots that issued them. Development: var/documents-ca.
    document_keys_dir: Path | None = None
    document_trust_roots: Path | None = None
    #: Per user, on the endpoints that render on demand (Mẫu 06, Mẫu 07, a document's HTML view).
    ratelimit_render: str = "30/minute;300/hour"
    #: Per client address, on the public health check (`GET /api/v1/health`).
    ratelimit_health: str = "60/minute"
    #: Per client address, on the portal's posts that carry files (submission, supplement).
    ratelimit_upload: str = "20/minute;200/hour"
    #: The national portal (DVCQG, docs/integration.md): unset, no message is written for it.
    dvcqg: PeerSettings | None = None
    outbox: OutboxSettings = OutboxSettings()
    #: Development e-mail sink: notifications to applicants written as .eml files here
    #: (docs/integration.md); unset, no e-mail is queued.
    mail_dir: Path | None = None
    mail_from: str = "motcua@localhost"
    #: The site's public address (`MOTCUA_PUBLIC_URL`, e.g. https://dichvucong.baohiemxahoi.gov.vn):
    #: links sent by e-mail or SMS start with it, never with the request's Host header (which
    #: a client chooses). Unset: production sends no account link; elsewhere the request's host.
    public_url: str | None = None
    #: SMTP, the SMS gateway, webhooks, the 2-hour acknowledgement (engine.notification_settings).
    notify: NotificationSettings = NotificationSettings()
    #: `MOTCUA_WEBHOOK_ALLOW_PRIVATE`: a development or test deployment's explicit consent to
    #: webhooks reaching loopback and private networks (a local receiver); refused elsewhere.
    webhook_allow_private: bool = False
    staging: StagingSettings = StagingSettings()

    @property
    def is_production(self) -> bool:
        return self.env == PRODUCTION

    @property
    def webhook_private_allowed(self) -> bool:
        """Whether a webhook may point at a non-public address: only when a development or test
        environment opted in (the flag is ignored once `env` says otherwise)."""
        return self.webhook_allow_private and self.env in DEVELOPMENT_ENVS

    @property
    def files_dir(self) -> Path:
        """Uploaded files, content-addressed by SHA-256."""
        return self.var_dir / "files"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env_vars = os.environ if environ is None else environ
        env = env_vars.get("MOTCUA_ENV", "development").strip().lower()
        var_dir = Path(env_vars.get("MOTCUA_VAR_DIR", "var"))
        database_url = env_vars.get("MOTCUA_DATABASE_URL") or f"sqlite:///{var_dir / 'motcua.db'}"
        secret = env_vars.get("MOTCUA_SECRET_KEY", "")
        from_env = bool(secret)
        if env == PRODUCTION:
            weakness = secret_weakness(secret)
            if weakness:
                raise SettingsError(
                    f"MOTCUA_ENV=production needs MOTCUA_SECRET_KEY: a random secret of at least "
                    f"{MIN_SECRET_LENGTH} characters and {MIN_SECRET_BITS} bits of entropy "
                    f"({weakness}; e.g. `python -c 'import secrets; "
                    f"print(secrets.token_urlsafe(48))'`)"
                )
        elif not secret:
            secret = _local_secret(var_dir)
        return cls(
            env=env,
            database_url=database_url,
            var_dir=var_dir,
            bpmn_dir=Path(env_vars.get("MOTCUA_BPMN_DIR", "bpmn")),
            forms_dir=Path(env_vars.get("MOTCUA_FORMS_DIR", "forms")),
            secret_key=secret,
            secret_from_environment=from_env,
            token_ttl_seconds=_int(env_vars, "MOTCUA_TOKEN_TTL_SECONDS", 1800, minimum=30),
            timezone=env_vars.get("MOTCUA_TIMEZONE", "Asia/Ho_Chi_Minh"),
            password_time_cost=_int(env_vars, "MOTCUA_PASSWORD_TIME_COST", 3, minimum=1),
            password_memory_kib=_int(env_vars, "MOTCUA_PASSWORD_MEMORY_KIB", 65536, minimum=8),
            office_hours=_office_hours(env_vars.get("MOTCUA_OFFICE_HOURS")),
            scheduler_poll_seconds=_int(env_vars, "MOTCUA_SCHEDULER_POLL_SECONDS", 2, minimum=1),
            scheduler_lookahead_seconds=_int(
                env_vars, "MOTCUA_SCHEDULER_LOOKAHEAD_SECONDS", 300, minimum=10
            ),
            checkpoint_interval_seconds=_int(
                env_vars, "MOTCUA_CHECKPOINT_SECONDS", 3600, minimum=60
            ),
            ratelimit_storage_url=env_vars.get("MOTCUA_RATELIMIT_STORAGE_URL") or "memory://",
            ratelimit_login=env_vars.get("MOTCUA_RATELIMIT_LOGIN") or "60/minute;1000/hour",
            ratelimit_public=env_vars.get("MOTCUA_RATELIMIT_PUBLIC") or "30/minute;300/hour",
            ratelimit_render=env_vars.get("MOTCUA_RATELIMIT_RENDER") or "30/minute;300/hour",
            ratelimit_health=env_vars.get("MOTCUA_RATELIMIT_HEALTH") or "60/minute",
            ratelimit_upload=env_vars.get("MOTCUA_RATELIMIT_UPLOAD") or "20/minute;200/hour",
            proxy_count=_int(env_vars, "MOTCUA_PROXY_COUNT", 0, minimum=0),
            login_max_failures=_int(env_vars, "MOTCUA_LOGIN_MAX_FAILURES", 5, minimum=1),
            login_lockout_seconds=_int(env_vars, "MOTCUA_LOGIN_LOCKOUT_SECONDS", 60, minimum=1),
            upload_max_bytes=_int(
                env_vars, "MOTCUA_UPLOAD_MAX_BYTES", 10 * 1024 * 1024, minimum=1024
            ),
            document_keys_dir=_path(env_vars.get("MOTCUA_DOCUMENT_KEYS_DIR")),
            document_trust_roots=_path(env_vars.get("MOTCUA_DOCUMENT_TRUST_ROOTS")),
            dvcqg=_dvcqg(env_vars),
            mail_dir=_path(env_vars.get("MOTCUA_MAIL_DIR")),
            mail_from=env_vars.get("MOTCUA_MAIL_FROM") or "motcua@localhost",
            public_url=_public_url(env_vars.get("MOTCUA_PUBLIC_URL")),
            notify=_notify(env_vars, production=env == PRODUCTION),
            webhook_allow_private=_webhook_allow_private(env_vars, env),
            staging=_staging(env_vars),
            outbox=OutboxSettings(
                backoff_base_seconds=_float(env_vars, "MOTCUA_OUTBOX_BACKOFF_SECONDS", 2.0),
                backoff_max_seconds=_float(env_vars, "MOTCUA_OUTBOX_BACKOFF_MAX_SECONDS", 3600.0),
                max_age_seconds=_int(
                    env_vars, "MOTCUA_OUTBOX_MAX_AGE_SECONDS", 3 * 24 * 3600, minimum=60
                ),
                poll_seconds=_float(env_vars, "MOTCUA_OUTBOX_POLL_SECONDS", 0.5),
                batch=_int(env_vars, "MOTCUA_OUTBOX_BATCH", 200, minimum=1),
                workers=_int(env_vars, "MOTCUA_OUTBOX_WORKERS", 8, minimum=1),
            ),
        )


def _webhook_allow_private(env_vars: Mapping[str, str], env: str) -> bool:
    raw = (env_vars.get("MOTCUA_WEBHOOK_ALLOW_PRIVATE") or "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw not in ("1", "true", "yes", "on"):
        raise SettingsError(f"MOTCUA_WEBHOOK_ALLOW_PRIVATE must be true or false: {raw!r}")
    if env not in DEVELOPMENT_ENVS:
        raise SettingsError(
            "MOTCUA_WEBHOOK_ALLOW_PRIVATE is accepted only with MOTCUA_ENV=development or test: "
            f"a '{env}' deployment's webhooks reach public addresses only"
        )
    return True


def _staging(env: Mapping[str, str]) -> StagingSettings:
    default = StagingSettings()
    upload_max = _int(env, "MOTCUA_UPLOAD_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
    staging = StagingSettings(
        max_bytes=_int(env, "MOTCUA_STAGED_MAX_BYTES", default.max_bytes, minimum=1024),
        max_files=_int(env, "MOTCUA_STAGED_MAX_FILES", default.max_files, minimum=1),
        ttl_seconds=_int(
            env, "MOTCUA_STAGED_TTL_SECONDS", default.ttl_seconds, minimum=MIN_STAGED_TTL_SECONDS
        ),
        sweep_seconds=_int(env, "MOTCUA_STAGED_SWEEP_SECONDS", default.sweep_seconds, minimum=60),
    )
    if staging.max_bytes < upload_max:
        raise SettingsError(
            "MOTCUA_STAGED_MAX_BYTES must be at least MOTCUA_UPLOAD_MAX_BYTES "
            f"({upload_max}): otherwise the largest file allowed could never be staged"
        )
    return staging


def _notify(env: Mapping[str, str], *, production: bool) -> NotificationSettings:
    try:
        return notification_settings(env, production=production)
    except NotificationSettingsError as exc:
        raise SettingsError(str(exc)) from exc


def _dvcqg(env: Mapping[str, str]) -> PeerSettings | None:
    url = (env.get("MOTCUA_DVCQG_URL") or "").strip()
    if not url:
        return None
    if not url.startswith(("http://", "https://")):
        raise SettingsError(f"MOTCUA_DVCQG_URL must be an http(s) URL, not {url!r}")
    production = env.get("MOTCUA_ENV", "development").strip().lower() == PRODUCTION
    if production and not url.startswith("https://"):
        raise SettingsError("MOTCUA_DVCQG_URL must be https:// in production")
    codes: dict[str, str] = {}
    for pair in (env.get("MOTCUA_DVCQG_PROCEDURE_CODES") or "").split(","):
        if not pair.strip():
            continue
        key, sep, code = pair.partition("=")
        if not sep or not key.strip() or not code.strip():
            raise SettingsError(
                f"MOTCUA_DVCQG_PROCEDURE_CODES: {pair!r} is not procedure_key=MaTTHC"
            )
        codes[key.strip()] = code.strip()
    return PeerSettings(
        url=url,
        token=env.get("MOTCUA_DVCQG_TOKEN") or None,
        timeout_seconds=_float(env, "MOTCUA_DVCQG_TIMEOUT_SECONDS", 3.0),
        procedure_codes=codes,
    )


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a number, not {raw!r}") from exc
    if not math.isfinite(value) or value <= 0:
        raise SettingsError(f"{name} must be a positive number")
    return value


def _public_url(raw: str | None) -> str | None:
    if raw is None or not raw.strip():
        return None
    parts = urlsplit(raw.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise SettingsError(
            "MOTCUA_PUBLIC_URL must be an http(s) address without query or fragment, "
            "e.g. https://dichvucong.example.vn"
        )
    return raw.strip().rstrip("/")


def _path(raw: str | None) -> Path | None:
    return Path(raw) if raw and raw.strip() else None


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be an integer, not {raw!r}") from exc
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}")
    return value


def _office_hours(raw: str | None) -> OfficeHours:
    if not raw:
        return OfficeHours()
    try:
        return OfficeHours.parse(raw)
    except ValueError as exc:
        raise SettingsError(f"MOTCUA_OFFICE_HOURS: {exc} (e.g. 07:30-12:00,13:00-16:30)") from exc


def secret_weakness(secret: str) -> str | None:
    """Why `secret` cannot protect a production deployment, or None. Never names the secret."""
    if secret.strip().lower() in KNOWN_WEAK_SECRETS:
        return "missing or a well-known default"
    if len(secret) < MIN_SECRET_LENGTH:
        return f"it has {len(secret)} characters"
    distinct = len(set(secret))
    if distinct < MIN_SECRET_DISTINCT:
        return f"it uses only {distinct} distinct characters"
    if secret in (secret + secret)[1:-1]:
        return "it repeats a shorter pattern"
    bits = len(secret) * -sum(
        (n / len(secret)) * math.log2(n / len(secret))
        for n in (secret.count(c) for c in set(secret))
    )
    if bits < MIN_SECRET_BITS:
        return f"its characters carry about {bits:.0f} bits"
    return None


def _local_secret(var_dir: Path) -> str:
    """Outside production: a random secret kept in var/ (mode 0600) so tokens survive restarts."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(secret)
    return secret
