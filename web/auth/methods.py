"""Ways of logging in, so another can be added without touching the others (the national e-ID,
VNeID, later). Each is a view of its own that ends with `web.auth.session.sign_in(...)` given
the token an engine login service issued; the login page lists every method registered here.

    add_login_method(app, LoginMethod("vneid", _("Đăng nhập bằng tài khoản định danh điện tử"),
                                      "vneid.start"))

The password form (`auth.login`) is the built-in method; accounts of citizens are opened and
recovered by `web.auth.accounts`.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, current_app

EXTENSION = "motcua_login_methods"


@dataclass(frozen=True, slots=True)
class LoginMethod:
    key: str
    #: The button's text on the login page.
    label: str
    #: The view that starts this way of logging in.
    endpoint: str


def add_login_method(app: Flask, method: LoginMethod) -> None:
    app.extensions.setdefault(EXTENSION, []).append(method)


def other_login_methods() -> list[LoginMethod]:
    """The ways of logging in besides the password form, in the order they were added."""
    return list(current_app.extensions.get(EXTENSION, []))
