"""WSGI entry point for other servers: `gunicorn server.wsgi:app` (API and web pages)."""

from server.app import create_app

app = create_app()
