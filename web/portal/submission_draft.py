"""A submission in progress, carried between the pages' steps in a signed hidden field.

The steps work without JavaScript, so what was typed and which files were uploaded travel with
the form posts: the files themselves are already stored (under their SHA-256, by
`files.stage_upload`); the draft names them. It is signed with the session key and bound to the
account and the procedure, so nobody can name a file they did not upload themselves (a SHA-256
seen on someone's acknowledgement attaches nothing); it expires after `MAX_AGE_SECONDS`.
Nothing of it is kept in the session cookie (its size would grow with every file).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field, replace
from typing import Any

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from engine.file_results import StagedFile

SALT = "motcua submission draft"
MAX_AGE_SECONDS = 4 * 3600


@dataclass(frozen=True, slots=True)
class Draft:
    user_id: int
    procedure: str
    files: tuple[StagedFile, ...] = ()
    #: The page's typed values once they passed validation (the review step), else None.
    values: dict[str, Any] | None = None
    #: One per draft, its submission key (engine.submission_keys): the engine records it with
    #: the dossier, so a second "submit" of the draft, from any session, shows the first dossier.
    nonce: str = field(default_factory=lambda: secrets.token_urlsafe(12))

    def with_files(self, files: tuple[StagedFile, ...]) -> Draft:
        return replace(self, files=files)

    def without(self, sha256: str) -> Draft:
        return replace(self, files=tuple(f for f in self.files if f.sha256 != sha256))

    def editing(self) -> Draft:
        """Back on the edit page: the values are the inputs again, the review is void."""
        return replace(self, values=None)

    def reviewed(self, values: dict[str, Any]) -> Draft:
        return replace(self, values=values)


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "", salt=SALT)


def dump(draft: Draft) -> str:
    return str(
        _serializer().dumps(
            {
                "u": draft.user_id,
                "p": draft.procedure,
                "f": [[f.sha256, f.name, f.size, f.content_type] for f in draft.files],
                "v": draft.values,
                "n": draft.nonce,
            }
        )
    )


def load(token: str | None, user_id: int, procedure: str) -> Draft | None:
    """The draft in `token` if it is this account's for this procedure and not expired."""
    if not token or len(token) > 200_000:
        return None
    try:
        raw = _serializer().loads(token, max_age=MAX_AGE_SECONDS)
    except BadSignature:  # also an expired signature
        return None
    if not isinstance(raw, dict) or raw.get("u") != user_id or raw.get("p") != procedure:
        return None
    values = raw.get("v")
    return Draft(
        user_id=user_id,
        procedure=procedure,
        files=tuple(StagedFile(str(s), str(n), int(z), str(c)) for s, n, z, c in raw.get("f", [])),
        values=values if isinstance(values, dict) else None,
        nonce=str(raw.get("n") or ""),
    )
