"""Adapters to the systems the outbox delivers to (docs/integration.md): each maps the outbox's
neutral snapshot (`engine.outbound`) to its peer's format and sends it over HTTP."""
