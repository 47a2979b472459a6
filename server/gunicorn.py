"""Run the composed WSGI app (API and web pages) under gunicorn from `motcua serve`.

With the scheduler, every worker starts one after it has loaded the app; their singleton lock
lets exactly one fire timers while the others stand by and take over if that worker goes away.
The gunicorn master never runs it: it forks workers at any time, and a fork would copy the
scheduler's threads' locks in whatever state they are in.
"""

from __future__ import annotations

from typing import Any

from gunicorn.app.base import BaseApplication

from api.logs import configure_process_logging
from engine.scheduler import TimerScheduler

SCHEDULER_KEY = "motcua_scheduler"


class _Server(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self._options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from server.app import create_app  # each worker builds its own engine and connection pool

        configure_process_logging()  # our loggers write masked lines, scheduler or not
        return create_app()


def serve_forever(*, host: str, port: int, workers: int, with_scheduler: bool = False) -> None:
    options: dict[str, Any] = {
        "bind": f"{host}:{port}",
        "workers": workers,
        "threads": 4,
        "worker_class": "gthread",
        "timeout": 60,
        "graceful_timeout": 20,
        "accesslog": "-",
        "errorlog": "-",
        "preload_app": False,
    }
    if with_scheduler:
        options.update(post_worker_init=_start_scheduler, worker_exit=_stop_scheduler)
    _Server(options).run()


def _start_scheduler(worker: Any) -> None:
    configure_process_logging()
    app = worker.wsgi
    scheduler = TimerScheduler(app.context)
    scheduler.start()
    app.extensions[SCHEDULER_KEY] = scheduler


def _stop_scheduler(server: Any, worker: Any) -> None:
    app = getattr(worker, "wsgi", None)
    scheduler = app.extensions.get(SCHEDULER_KEY) if app is not None else None
    if scheduler is not None:
        scheduler.stop()
