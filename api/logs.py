"""Logs never carry personal identifiers or secrets (SEC-5): a filter on our loggers and on
gunicorn's access and error logs masks ID numbers, phone numbers, e-mail addresses, tokens and
sensitive query parameters (e.g. the public lookup's `id_number`) before a line is written."""

from __future__ import annotations

import logging

from engine.masking import mask_text

MASKED_LOGGERS = ("motcua", "gunicorn.access", "gunicorn.error", "werkzeug", "flask_limiter")


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


def install_log_masking() -> None:
    """Attach the masking filter to every logger that may see request data (idempotent)."""
    for name in MASKED_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, MaskingFilter) for f in logger.filters):
            logger.addFilter(MaskingFilter())


def configure_process_logging() -> None:
    """Log lines of a server or scheduler process: ours at INFO; APScheduler only when something
    goes wrong (at INFO it writes several lines for every sweep, every few seconds)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # On the handler, not a logger: a logger's filter never sees its children's records
    # (`motcua.api`, `motcua.web`, `motcua.scheduler`).
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
