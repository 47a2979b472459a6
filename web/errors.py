"""Error pages in Vietnamese, in the layout of the part of the site the visitor is in.

Engine errors are shown by kind, never by their (English, internal) detail; unexpected errors
are logged with the request's method and path only, and shown as a plain apology.
"""

from __future__ import annotations

import logging

from flask import Flask, abort, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from engine.errors import (
    AuthenticationError,
    ConflictError,
    EngineError,
    NotFoundError,
    PermissionDeniedError,
)
from web.i18n import _

log = logging.getLogger("motcua.web")

#: (title, explanation) by status code.
PAGES = {
    400: (
        "Yêu cầu không hợp lệ",
        "Trang không xử lý được yêu cầu này. Vui lòng quay lại và thử lại.",
    ),
    403: ("Bạn không có quyền xem trang này", "Trang này dành cho người dùng có vai trò khác."),
    404: (
        "Không tìm thấy trang",
        "Địa chỉ có thể đã gõ sai hoặc trang không còn nữa. Hãy kiểm tra lại địa chỉ.",
    ),
    405: ("Yêu cầu không hợp lệ", "Trang này không nhận yêu cầu theo cách đó."),
    409: (
        "Không thực hiện được",
        "Hồ sơ đã thay đổi trong lúc bạn thao tác. Vui lòng tải lại trang và thử lại.",
    ),
    413: ("Dữ liệu gửi lên quá lớn", "Vui lòng gửi ít dữ liệu hơn hoặc tệp nhỏ hơn."),
    429: (
        "Quá nhiều yêu cầu",
        "Bạn đã gửi quá nhiều yêu cầu trong thời gian ngắn. Vui lòng thử lại sau ít phút.",
    ),
    500: (
        "Xin lỗi, hệ thống đang gặp sự cố",
        "Lỗi đã được ghi lại. Vui lòng thử lại sau ít phút.",
    ),
}
CSRF_PAGE = (
    "Biểu mẫu đã hết hạn",
    "Biểu mẫu thiếu mã xác thực hoặc mã đã hết hạn, nên yêu cầu không được thực hiện. "
    "Vui lòng tải lại trang, nhập lại và gửi lần nữa.",
)


def error_page(status: int, page: tuple[str, str] | None = None) -> tuple[str, int]:
    title, message = page or PAGES.get(status, PAGES[400 if status < 500 else 500])
    workspace = request.blueprint == "workspace" or request.path.startswith("/can-bo")
    html = render_template(
        "errors/error.html",
        status=status,
        title=_(title),
        message=_(message),
        layout="layouts/workspace.html" if workspace else "layouts/portal.html",
    )
    return html, status


def _refuse_nul_characters() -> None:
    """A NUL in the address or a form field is a 400 before any view runs: PostgreSQL refuses
    NUL in text, so it must never reach a query (the API refuses it the same way)."""
    if "\x00" in request.path or any(
        "\x00" in key or "\x00" in value
        for values in (request.args, request.form)
        for key, value in values.items(multi=True)
    ):
        abort(400)


def register_error_pages(app: Flask) -> None:
    app.before_request(_refuse_nul_characters)

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> tuple[str, int]:
        return error_page(400, CSRF_PAGE)

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response | tuple[str, int]:
        status = error.code or 500
        if status < 400:  # redirects raised by routing (e.g. a missing trailing slash)
            return error.get_response()
        response_html, code = error_page(status)
        response = Response(response_html, status=code, mimetype="text/html")
        for name, value in error.get_headers():
            if name.lower() in ("allow", "retry-after"):
                response.headers[name] = value
        return response

    @app.errorhandler(EngineError)
    def _engine(error: EngineError) -> Response | tuple[str, int]:
        if isinstance(error, AuthenticationError):
            return redirect(url_for("auth.login", next=request.path))
        if isinstance(error, NotFoundError):
            return error_page(404)
        if isinstance(error, PermissionDeniedError):
            return error_page(403)
        if isinstance(error, ConflictError):
            return error_page(409)
        return error_page(400)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> tuple[str, int]:
        log.error("unhandled error on %s %s", request.method, request.path, exc_info=error)
        return error_page(500)
