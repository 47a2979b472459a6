"""Password hashing (argon2id, memory-hard) and signed, short-lived bearer tokens (JWT, HS256)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from engine.errors import AuthenticationError
from engine.identifiers.numbers import in_bigint_range

_ALGORITHM = "HS256"
_ISSUER = "motcua"


class Passwords:
    def __init__(self, *, time_cost: int, memory_kib: int) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=2)
        # Verifying against this keeps the time of "no such user" equal to "wrong password".
        self._dummy_hash = self._hasher.hash("not-a-real-password")

    def hash(self, password: str) -> str:
        return str(self._hasher.hash(password))

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return (
                bool(self._hasher.verify(password_hash or self._dummy_hash, password))
                and password_hash is not None
            )
        except (VerificationError, InvalidHashError):
            return False


@dataclass(frozen=True, slots=True)
class TokenClaims:
    user_id: int
    username: str
    token_id: str
    #: The account's credentials epoch when the token was issued (`ver`).
    credentials_epoch: int


#: How far in our future a token's `iat` may lie (clock skew between the hosts of a cluster).
ISSUED_AT_LEEWAY_SECONDS = 60


class Tokens:
    def __init__(self, secret: str, ttl_seconds: int) -> None:
        self._secret = secret
        self.ttl_seconds = ttl_seconds

    def issue(
        self,
        user_id: int,
        username: str,
        roles: list[str],
        unit_code: str | None,
        now: datetime,
        *,
        credentials_epoch: int = 0,
    ) -> str:
        claims: dict[str, Any] = {
            "iss": _ISSUER,
            "sub": str(user_id),
            "username": username,
            "roles": roles,
            "unit": unit_code,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(seconds=self.ttl_seconds)).timestamp()),
            "jti": uuid.uuid4().hex,
            "ver": credentials_epoch,
        }
        return str(jwt.encode(claims, self._secret, algorithm=_ALGORITHM))

    def verify(self, token: str, now: datetime) -> TokenClaims:
        """Raises AuthenticationError for a bad signature, an expired or a malformed token."""
        try:
            claims = jwt.decode(
                token,
                self._secret,
                algorithms=[_ALGORITHM],
                issuer=_ISSUER,
                # Times are checked against our clock below, not the wall clock PyJWT reads.
                options={
                    "require": ["exp", "iat", "sub", "iss", "ver"],
                    "verify_exp": False,
                    "verify_iat": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise AuthenticationError("invalid token") from exc
        try:
            expires = _whole_number(claims["exp"])
            issued = _whole_number(claims["iat"])
            found = TokenClaims(
                int(claims["sub"]),
                str(claims.get("username", "")),
                str(claims.get("jti", "")),
                _whole_number(claims["ver"]),
            )
        except (TypeError, ValueError) as exc:
            raise AuthenticationError("invalid token") from exc
        if not in_bigint_range(found.user_id):  # no account has such an id: never ask SQL
            raise AuthenticationError("invalid token")
        # Expiry and issue time against our clock (not the wall clock), so that frozen-time tests
        # mean something; a token issued in our future (beyond a little skew between hosts) is
        # not one we issued.
        if expires <= int(now.timestamp()):
            raise AuthenticationError("token expired")
        if issued > int(now.timestamp()) + ISSUED_AT_LEEWAY_SECONDS:
            raise AuthenticationError("invalid token")
        return found


def _whole_number(value: Any) -> int:
    """An integer claim as issued (never a bool, a float or a string of digits)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("not an integer")
    return value
