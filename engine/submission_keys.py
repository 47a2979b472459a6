"""The key that makes a submission idempotent (docs/api.md, docs/web.md).

The client names its submission: the portal with the nonce of its signed draft, an API client with
the `Idempotency-Key` header. The engine records, with the dossier it created, a digest of the
submitter and that name (one account cannot find, or block, another's dossier by guessing its
keys) and a digest of what was submitted (the same key with other content is refused instead of
answered with a dossier that is not what was sent).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any, Final

from engine.errors import FieldError, ValidationFailedError
from engine.security.authz import Actor

#: What a client may use as a key: visible ASCII, as the Idempotency-Key header allows.
KEY_PATTERN: Final = re.compile(r"^[\x21-\x7e]{1,200}$")
FIELD: Final = "submission_key"


class SubmissionKeyReusedError(ValidationFailedError):
    """The key already created a dossier from other content (HTTP 422, as the IETF draft on
    the Idempotency-Key header asks). `dossier_code` is the submitter's own dossier."""

    code = "submission-key-reused"

    def __init__(self, dossier_code: str, field: str = FIELD) -> None:
        message = "this key already submitted a dossier with other content; use a new key"
        super().__init__(message, [FieldError(field, message)])
        self.dossier_code = dossier_code


def checked_key(key: str) -> str:
    if not KEY_PATTERN.match(key):
        raise ValidationFailedError(
            "the submission key cannot be used",
            [FieldError(FIELD, "1 to 200 visible ASCII characters")],
        )
    return key


def scoped_key(actor: Actor, key: str) -> str:
    """The stored key: the submitter's identity and the client's key, hashed together."""
    who = f"user:{actor.user_id}" if actor.user_id is not None else f"name:{actor.username}"
    return hashlib.sha256(f"motcua submission v1\0{who}\0{key}".encode()).hexdigest()


def request_hash(submitted: Mapping[str, Any]) -> str:
    """A digest of the submission's content (canonical JSON: keys sorted, no spaces)."""
    text = json.dumps(
        submitted, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
