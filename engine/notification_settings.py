"""Settings of the applicant's notifications and of webhooks (docs/configuration.md):
SMTP (MOTCUA_SMTP_*), the SMS gateway (MOTCUA_SMS_*), webhook delivery (MOTCUA_WEBHOOK_*) and
the 2-hour acknowledgement check (R-2.4). Read with the other settings, at start-up."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


class NotificationSettingsError(ValueError):
    """A notification setting that cannot work (the message names the variable)."""


@dataclass(frozen=True, slots=True)
class SmtpSettings:
    host: str
    port: int = 587
    user: str | None = None
    password: str | None = None
    #: STARTTLS after connecting (port 587); off only for a local relay.
    starttls: bool = True
    timeout_seconds: float = 10.0


@dataclass(frozen=True, slots=True)
class SmsSettings:
    """An HTTP gateway that takes `{"to","text","id"}` as JSON (`engine.peers.sms`)."""

    url: str
    token: str | None = None
    timeout_seconds: float = 5.0


@dataclass(frozen=True, slots=True)
class NotificationSettings:
    smtp: SmtpSettings | None = None
    sms: SmsSettings | None = None
    webhook_timeout_seconds: float = 5.0
    #: R-2.4: an online dossier's acknowledgement must be delivered within this many seconds.
    acknowledgement_seconds: int = 2 * 3600


def notification_settings(env: Mapping[str, str], *, production: bool) -> NotificationSettings:
    smtp = None
    host = (env.get("MOTCUA_SMTP_HOST") or "").strip()
    if host:
        smtp = SmtpSettings(
            host=host,
            port=_number(env, "MOTCUA_SMTP_PORT", 587),
            user=env.get("MOTCUA_SMTP_USER") or None,
            password=env.get("MOTCUA_SMTP_PASSWORD") or None,
            starttls=_flag(env, "MOTCUA_SMTP_STARTTLS", default=True),
            timeout_seconds=float(_number(env, "MOTCUA_SMTP_TIMEOUT_SECONDS", 10)),
        )
    sms = None
    url = (env.get("MOTCUA_SMS_URL") or "").strip()
    if url:
        if not url.startswith(("https://", "http://")) or (
            production and not url.startswith("https://")
        ):
            raise NotificationSettingsError(
                "MOTCUA_SMS_URL must be an https:// URL (http:// only outside production)"
            )
        sms = SmsSettings(
            url=url,
            token=env.get("MOTCUA_SMS_TOKEN") or None,
            timeout_seconds=float(_number(env, "MOTCUA_SMS_TIMEOUT_SECONDS", 5)),
        )
    return NotificationSettings(
        smtp=smtp,
        sms=sms,
        webhook_timeout_seconds=float(_number(env, "MOTCUA_WEBHOOK_TIMEOUT_SECONDS", 5)),
        acknowledgement_seconds=_number(env, "MOTCUA_ACKNOWLEDGEMENT_SECONDS", 2 * 3600),
    )


def _number(env: Mapping[str, str], name: str, default: int) -> int:
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or int(raw) < 1:
        raise NotificationSettingsError(f"{name} must be a whole number of at least 1: {raw!r}")
    return int(raw)


def _flag(env: Mapping[str, str], name: str, *, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if not raw:
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise NotificationSettingsError(f"{name} must be true or false: {raw!r}")
