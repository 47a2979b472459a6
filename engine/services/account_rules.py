"""What makes an account or a unit valid: usernames, unit codes, names, passwords and which
roles an account may hold together. Shared by `users`, `units` and `grants`."""

from __future__ import annotations

import re

from engine.errors import FieldError
from engine.security.authz import ALL_ROLES, UNIT_ROLES, Role

USERNAME_PATTERN = re.compile(r"^[a-zA-Z0-9_.@-]{3,80}$")
UNIT_CODE_PATTERN = re.compile(r"^[0-9A-Za-z.]{1,40}$")
MIN_PASSWORD_LENGTH = 10
MAX_NAME_LENGTH = 200
MAX_PAGE_SIZE = 100


def role_errors(roles: tuple[str, ...], unit_code: str | None) -> list[FieldError]:
    """Known roles; officers belong to a unit (they act only within it); citizens are only that."""
    errors = []
    unknown = sorted(set(roles) - set(ALL_ROLES))
    if not roles or unknown:
        errors.append(
            FieldError(
                "roles",
                f"unknown role {', '.join(unknown)}; the roles are {', '.join(sorted(ALL_ROLES))}"
                if unknown
                else "at least one role",
            )
        )
    if set(roles) & UNIT_ROLES and not unit_code:
        errors.append(
            FieldError("unit", "reception, specialist and leader officers belong to a unit")
        )
    elif unit_code and not set(roles) & UNIT_ROLES:
        errors.append(
            FieldError(
                "unit",
                "only reception, specialist and leader officers belong to a unit; "
                "a citizen (or employer), auditor, analyst or administrator account has none",
            )
        )
    if Role.CITIZEN in roles and len(roles) > 1:
        errors.append(FieldError("roles", "a citizen account has no other role"))
    return errors


def roles_from_text(text: str) -> tuple[str, ...]:
    return tuple(role.strip() for role in text.split(",") if role.strip())


def page_window(page: int, page_size: int) -> tuple[int, int]:
    """`page` from 1, `page_size` within 1..MAX_PAGE_SIZE, whatever was asked for."""
    return max(page, 1), min(max(page_size, 1), MAX_PAGE_SIZE)


MAX_PASSWORD_LENGTH = 200


def password_errors(password: str, username: str, field: str = "password") -> list[FieldError]:
    """A password an account may have: 10 to 200 characters, not containing the account's name."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return [FieldError(field, f"at least {MIN_PASSWORD_LENGTH} characters")]
    if len(password) > MAX_PASSWORD_LENGTH:
        return [FieldError(field, f"at most {MAX_PASSWORD_LENGTH} characters")]
    if username and username.lower() in password.lower():
        return [FieldError(field, "the password must not contain the account's name")]
    return []
