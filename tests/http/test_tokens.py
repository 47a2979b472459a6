"""What a bearer token cannot do: be forged, outlive its user, or carry its own privileges."""

from __future__ import annotations

import jwt
from flask.testing import FlaskClient

from engine.context import EngineContext
from engine.services import users
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


def test_a_role_change_revokes_the_tokens_issued_before(http: HttpApi, ctx: EngineContext) -> None:
    token = http.token("specialist")
    assert _status(http.client, token, "/api/v1/tasks") == 200
    users.update_user(ctx, ADMIN, "specialist", users.UserChanges(roles=("leader", "specialist")))
    assert _status(http.client, token, "/api/v1/tasks") == 401
    http.forget_tokens()
    assert _status(http.client, http.token("specialist"), "/api/v1/tasks") == 200


# -- issue 12, C10: a token issued before a deactivation, a password or a role change is dead


def test_a_token_issued_before_a_deactivation_stays_dead_after_re_activation(
    http: HttpApi, ctx: EngineContext
) -> None:
    token = http.token("leader")
    assert _status(http.client, token, "/api/v1/tasks") == 200
    http.call("POST", "/api/v1/admin/users/leader/deactivate", "admin")
    assert _status(http.client, token, "/api/v1/tasks") == 401
    http.call("POST", "/api/v1/admin/users/leader/activate", "admin")
    assert _status(http.client, token, "/api/v1/tasks") == 401  # on main: 200 again
    http.forget_tokens()
    assert _status(http.client, http.token("leader"), "/api/v1/tasks") == 200


def test_a_password_change_by_an_administrator_revokes_the_tokens_issued_before(
    http: HttpApi,
) -> None:
    token = http.token("specialist")
    http.call(
        "PATCH", "/api/v1/admin/users/specialist", "admin", json={"password": "a-brand-new-secret"}
    )
    assert _status(http.client, token, "/api/v1/tasks") == 401  # on main: 200


def test_an_administrator_changing_their_own_password_revokes_their_own_tokens(
    http: HttpApi,
) -> None:
    token = http.token("admin")
    http.call("PATCH", "/api/v1/admin/users/admin", "admin", json={"password": "a-new-admin-pw"})
    assert _status(http.client, token, "/api/v1/admin/users") == 401
    fresh = http.client.post(
        "/api/v1/auth/token", json={"username": "admin", "password": "a-new-admin-pw"}
    ).get_json()["access_token"]
    assert _status(http.client, fresh, "/api/v1/admin/users") == 200


def test_a_name_change_revokes_nothing(http: HttpApi) -> None:
    token = http.token("specialist")
    http.call("PATCH", "/api/v1/admin/users/specialist", "admin", json={"full_name": "Phạm Dũng"})
    assert _status(http.client, token, "/api/v1/tasks") == 200


def test_a_token_without_its_credentials_epoch_is_401(http: HttpApi, ctx: EngineContext) -> None:
    """Tokens issued before the epoch existed (or forged without it) are not accepted."""
    claims = _claims(http.token("citizen"))
    del claims["ver"]
    old_style = jwt.encode(claims, ctx.settings.secret_key, algorithm="HS256")
    assert _status(http.client, old_style) == 401
    for bad in ("0", 0.0, True, None):
        forged = jwt.encode({**claims, "ver": bad}, ctx.settings.secret_key, algorithm="HS256")
        assert _status(http.client, forged) == 401, bad
