"""The `motcua` console script: the API's command group plus `serve`, which runs the composed
application (JSON API and web pages) under gunicorn."""

from __future__ import annotations

import os

import click

from api.cli import main
from engine.settings import SettingsError

__all__ = ["main"]


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option(
    "--port", type=click.IntRange(1, 65535), default=None, help="default: $MOTCUA_PORT or 8000"
)
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
@click.option(
    "--with-scheduler",
    is_flag=True,
    help="also fire timers from this server (one worker runs the scheduler, the others stand by)",
)
def serve(host: str, port: int | None, workers: int, with_scheduler: bool) -> None:
    """Serve the web pages and the HTTP API with gunicorn."""
    # Imported here: every other command starts without loading the web pages and gunicorn.
    from server.app import create_app
    from server.gunicorn import serve_forever

    port = port or int(os.environ.get("MOTCUA_PORT", "8000"))
    try:
        context = create_app().context  # fail fast on configuration (and front-end assets) first
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    context.close()
    base = f"http://{host}:{port}"
    click.echo(f"serving {base}/ (web pages) and {base}/api/v1 (API; docs: {base}/api/v1/docs)")
    serve_forever(
        host=host, port=port, workers=workers, tz=context.tz, with_scheduler=with_scheduler
    )
