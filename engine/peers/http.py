"""POST JSON with a short timeout (stdlib only): the one way the adapters reach their peers."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any

from engine.peers.base import DeliveryError, RejectedError

#: 408 Request Timeout and 429 Too Many Requests are worth retrying; other 4xx are not.
RETRYABLE_4XX = frozenset({408, 429})


def post_json(
    url: str, body: Mapping[str, Any], *, headers: Mapping[str, str], timeout: float
) -> int:
    """POST `body`; return the 2xx status (409 counts: the peer already has the key)."""
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if not url.startswith(("http://", "https://")):  # settings check it too: never file:
        raise RejectedError(f"not an http(s) URL: {url!r}")
    request = urllib.request.Request(  # noqa: S310 - http(s) only, checked above
        url,
        data=data,
        method="POST",
        headers={"Content-Type": "application/json; charset=utf-8", **headers},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 - as above
            response.read(65536)
            return int(response.status)
    except urllib.error.HTTPError as exc:
        if exc.code == 409:
            return 409
        detail = _reason(exc)
        if 400 <= exc.code < 500 and exc.code not in RETRYABLE_4XX:
            raise RejectedError(f"HTTP {exc.code}: {detail}") from exc
        raise DeliveryError(f"HTTP {exc.code}: {detail}") from exc
    except TimeoutError as exc:
        raise DeliveryError(f"no answer within {timeout:g} s") from exc
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError | socket.timeout):
            raise DeliveryError(f"no answer within {timeout:g} s") from exc
        raise DeliveryError(f"unreachable: {exc.reason}") from exc
    except (OSError, ValueError) as exc:  # connection reset, bad status line, ...
        raise DeliveryError(f"{type(exc).__name__}: {exc}") from exc


def _reason(exc: urllib.error.HTTPError) -> str:
    try:
        text = exc.read(300).decode("utf-8", "replace").strip()
    except OSError:
        text = ""
    return text or str(exc.reason)
