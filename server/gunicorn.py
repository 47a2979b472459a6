"""Run the composed WSGI app (API and web pages) under gunicorn from `motcua serve`.

With the scheduler, every worker starts one after it has loaded the app; their singleton lock
lets exactly one fire timers while the others stand by and take over if that worker goes away.
The gunicorn master never runs it: it forks workers at any time, and a fork would copy the
scheduler's threads' locks in whatever state they are in.
"""

from __future__ import annotations

import json
import re
import socket
from datetime import UTC, datetime, tzinfo
from typing import Any, ClassVar

from gunicorn import util as gunicorn_util
from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

from api.logs import LocalTimeFormatter, configure_process_logging
from engine.scheduler import TimerScheduler

SCHEDULER_KEY = "motcua_scheduler"
#: gunicorn's default access line without its `%(t)s` (the line's own time says when).
ACCESS_FORMAT = '%(h)s %(l)s %(u)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"'
#: The account links' one-time tokens (web/auth/accounts.py): never written to the access log,
#: where anyone who reads the log could use a password-reset link before its owner does.
_SECRET_PATH = re.compile(r"/(xac-nhan-tai-khoan|dat-lai-mat-khau)/[^\s?/\"]+")
#: Requests gunicorn refuses itself, before the app sees them (docs/configuration.md):
#: a request line (method, path and query) longer than this is 414 ...
LIMIT_REQUEST_LINE = 4094
#: ... and more header fields, or one longer than this, are 431.
LIMIT_REQUEST_FIELDS = 100
LIMIT_REQUEST_FIELD_SIZE = 8190
#: What gunicorn's own refusals say (never the offending input: it may hold personal data).
_GUNICORN_PROBLEMS = {
    400: ("bad-request", "the request is not valid HTTP"),
    403: ("permission-denied", "the request is refused"),
    414: ("uri-too-long", f"the request line may have at most {LIMIT_REQUEST_LINE} bytes"),
    417: ("expectation-failed", "only 'Expect: 100-continue' is supported"),
    431: (
        "headers-too-large",
        f"at most {LIMIT_REQUEST_FIELDS} header fields of at most "
        f"{LIMIT_REQUEST_FIELD_SIZE} bytes each",
    ),
    501: ("not-implemented", "this transfer coding is not supported"),
}
_PROBLEM_HEADERS = (
    "Content-Type: application/problem+json\r\n"
    "Cache-Control: no-store\r\n"
    "X-Content-Type-Options: nosniff\r\n"
    "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n"
)


class GunicornLogger(Logger):
    """gunicorn's logger with our line format on its error and access logs."""

    tz: ClassVar[tzinfo] = UTC

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        formatter = LocalTimeFormatter(self.tz)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(formatter)

    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        found: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for atom in ("r", "U"):
            if isinstance(found.get(atom), str):
                found[atom] = redact_secret_paths(found[atom])
        return found

    def now(self) -> str:
        """The `%(t)s` atom, should an access format use it."""
        return datetime.now(self.tz).isoformat(timespec="seconds")


def redact_secret_paths(text: str) -> str:
    """`text` with the token of an account link replaced by "…"."""
    return _SECRET_PATH.sub(lambda m: f"/{m.group(1)}/…", text)


def write_problem(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """gunicorn's `util.write_error` as problem+json (RFC 9457), like every answer of the API."""
    code, detail = _GUNICORN_PROBLEMS.get(
        status_int, ("internal-error", "an unexpected error occurred; it has been logged")
    )
    body = json.dumps(
        {
            "type": f"/problems/{code}",
            "title": reason,
            "status": status_int,
            "code": code,
            "detail": detail,
        }
    ).encode()
    head = (
        f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n{_PROBLEM_HEADERS}"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    gunicorn_util.write_nonblock(sock, head.encode("latin-1") + body)


def install_problem_errors() -> None:
    """gunicorn writes its own refusals (414, 431, 400 ...) through `util.write_error`, which
    sends an HTML page; no setting changes that, so the one function is replaced."""
    gunicorn_util.write_error = write_problem


def gunicorn_logger_class(tz: tzinfo) -> type[GunicornLogger]:
    return type("MotcuaGunicornLogger", (GunicornLogger,), {"tz": tz})


class _Server(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from server.app import create_app  # each worker builds its own engine and connection pool

        return create_app()


def serve_forever(
    *, host: str, port: int, workers: int, tz: tzinfo, with_scheduler: bool = False
) -> None:
    """Serve until stopped; `tz` is the zone log lines show times in (MOTCUA_TIMEZONE)."""
    options: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": 4,
        "worker_class": "gthread",
        "timeout": 60,
        "graceful_timeout": 20,
        "accesslog": "-",
        "access_log_format": ACCESS_FORMAT,
        "errorlog": "-",
        "logger_class": gunicorn_logger_class(tz),
        "preload_app": False,
        "post_worker_init": _start_logging,
        "limit_request_line": LIMIT_REQUEST_LINE,
        "limit_request_fields": LIMIT_REQUEST_FIELDS,
        "limit_request_field_size": LIMIT_REQUEST_FIELD_SIZE,
    }
    if with_scheduler:
        options.update(post_worker_init=_start_scheduler, worker_exit=_stop_scheduler)
    install_problem_errors()  # in the master: every worker it forks inherits it
    _Server(options).run()


def _start_logging(worker: Any) -> None:
    configure_process_logging(worker.wsgi.context.tz)


def _start_scheduler(worker: Any) -> None:
    _start_logging(worker)
    app = worker.wsgi
    scheduler = TimerScheduler(app.context)
    scheduler.start()
    app.extensions[SCHEDULER_KEY] = scheduler


def _stop_scheduler(server: Any, worker: Any) -> None:
    app = getattr(worker, "wsgi", None)
    scheduler = app.extensions.get(SCHEDULER_KEY) if app is not None else None
    if scheduler is not None:
        scheduler.stop()
