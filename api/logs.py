"""Log lines of the server and scheduler processes.

They never carry personal identifiers or secrets (SEC-5): a filter on our loggers and on
gunicorn's access and error logs masks ID numbers, phone numbers, e-mail addresses, tokens and
sensitive query parameters (e.g. the public lookup's `id_number`) before a line is written.
Every line, ours and gunicorn's, starts with its time in ISO 8601 with the offset, in the
deployment's time zone (`MOTCUA_TIMEZONE`), as the API and the command line show times.
"""

from __future__ import annotations

import logging
from datetime import datetime, tzinfo

from engine.security.masking import mask_text

MASKED_LOGGERS = ("motcua", "gunicorn.access", "gunicorn.error", "werkzeug", "flask_limiter")
LINE_FORMAT = "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s"


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed call; log what was given, masked
            message = f"{record.msg} {record.args}"
        record.msg, record.args = mask_text(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True


class LocalTimeFormatter(logging.Formatter):
    """`2026-12-02T09:30:00.123+07:00 [pid] [LEVEL] logger: message`."""

    def __init__(self, tz: tzinfo, fmt: str = LINE_FORMAT) -> None:
        super().__init__(fmt)
        self.tz = tz

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802
        return datetime.fromtimestamp(record.created, self.tz).isoformat(timespec="milliseconds")


def install_log_masking() -> None:
    """Attach the masking filter to every logger that may see request data (idempotent)."""
    for name in MASKED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskingFilter) for f in logger.filters):
            logger.addFilter(MaskingFilter())


def configure_process_logging(tz: tzinfo) -> None:
    """Log lines of a server worker or scheduler process: ours at INFO; APScheduler only when
    something goes wrong (at INFO it writes several lines for every sweep, every few seconds)."""
    handler = logging.StreamHandler()
    handler.setFormatter(LocalTimeFormatter(tz))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    # On the handler, not a logger: a logger's filter never sees its children's records
    # (`motcua.api`, `motcua.web`, `motcua.scheduler`).
    for each in logging.getLogger().handlers:
        if not any(isinstance(f, MaskingFilter) for f in each.filters):
            each.addFilter(MaskingFilter())
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
