"""How large a post a page accepts: 1 MiB, or more for the views that take files.

Flask-WTF's CSRF check parses the form in an app-level `before_request`, before any blueprint
hook or view runs; a limit raised there came too late, and a 2 MB scan was a 413. A view that
takes files is marked with `accepts_files`, and `init_upload_limits` (registered before the CSRF
check) raises the limit for that view's posts only, from the upload setting.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, request

from engine.settings import Settings

#: Largest form post the pages accept when a view takes no files.
MAX_FORM_BYTES = 1 * 1024 * 1024
#: Room for the form's other fields and the multipart boundaries beside the files.
MULTIPART_OVERHEAD = 1 * 1024 * 1024
_ATTRIBUTE = "motcua_upload_bytes"

F = TypeVar("F", bound=Callable[..., object])


def accepts_files(count: int, *, each: int | None = None) -> Callable[[F], F]:
    """Mark a view whose posts carry up to `count` files of `each` bytes (default: the upload
    setting). Put it directly under the route decorator."""

    def mark(view: F) -> F:
        setattr(view, _ATTRIBUTE, (count, each))
        return view

    return mark


def post_limit(view: object, settings: Settings) -> int | None:
    """The post limit of a marked view, None for the others."""
    marked: tuple[int, int | None] | None = getattr(view, _ATTRIBUTE, None)
    if marked is None:
        return None
    count, each = marked
    return count * (each if each is not None else settings.upload_max_bytes) + MULTIPART_OVERHEAD


def init_upload_limits(app: Flask, settings: Settings) -> None:
    """Call before anything that reads the body (the CSRF check)."""
    app.config.update(MAX_CONTENT_LENGTH=MAX_FORM_BYTES, MAX_FORM_MEMORY_SIZE=MAX_FORM_BYTES)

    @app.before_request
    def _raise_limit_for_file_posts() -> None:
        if request.method != "POST" or request.endpoint is None:
            return
        limit = post_limit(app.view_functions.get(request.endpoint), settings)
        if limit is not None:
            request.max_content_length = limit
