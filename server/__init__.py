"""The composition root: `server.app.create_app()` builds one WSGI application of the JSON API
and the web pages around one engine; `server.cli` is the `motcua` console script (the API's
commands plus `serve`), `server.gunicorn` runs the app. Nothing is imported here, so that the
command line's other commands start without loading the web pages."""
