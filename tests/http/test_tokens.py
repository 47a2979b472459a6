"""What a bearer token cannot do: be forged, outlive its user, or carry its own privileges."""

from __future__ import annotations

import jwt
from flask.testing import FlaskClient

from engine.context import EngineContext
from engine.services import admin
from tests.conftest import ADMIN
from tests.support import HttpApi


def _status(client: FlaskClient, token: str, path: str = "/api/v1/dossiers") -> int:
    return client.get(path, headers={"Authorization": f"Bearer {token}"}).status_code


def _claims(token: str) -> dict[str, object]:
    return dict(jwt.decode(token, options={"verify_signature": False}))


def test_unsigned_and_self_promoted_tokens_are_401(http: HttpApi, ctx: EngineContext) -> None:
    token = http.token("citizen")
    # PyJWT's "none" algorithm requires key=None, which its annotation leaves out
    unsigned = jwt.encode(_claims(token), key=None, algorithm="none")  # type: ignore[arg-type]
    assert _status(http.client, unsigned) == 401
    promoted = {**_claims(token), "roles": ["admin"], "sub": "1"}
    assert (
        _status(http.client, jwt.encode(promoted, "a-guessed-key-" + "g" * 32, algorithm="HS256"))
        == 401
    )
    assert _status(http.client, token, "/api/v1/admin/users") == 403


def test_a_token_of_a_user_that_does_not_exist_is_401(http: HttpApi, ctx: EngineContext) -> None:
    token = http.token("citizen")
    ghost = {**_claims(token), "sub": "999999"}
    forged = jwt.encode(ghost, ctx.settings.secret_key, algorithm="HS256")  # even with our key
    assert _status(http.client, forged) == 401


def test_roles_come_from_the_database_not_the_token(http: HttpApi, ctx: EngineContext) -> None:
    token = http.token("analyst")
    assert _status(http.client, token, "/api/v1/admin/units") == 403
    admin.update_user(ctx, ADMIN, "analyst", admin.UserChanges(roles=("analyst", "admin")))
    assert _status(http.client, token, "/api/v1/admin/units") == 200
