"""POST JSON with a short timeout (stdlib only): the one way the adapters reach their peers.

Each delivery thread keeps one connection per peer open (HTTP/1.1 keep-alive): a new TCP
connection per message would cost more than the message. A connection that failed is closed and
the next message opens a new one.
"""

from __future__ import annotations

import http.client
import json
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from engine.peers.base import DeliveryError, RejectedError

#: 408 Request Timeout and 429 Too Many Requests are worth retrying; other 4xx are not.
RETRYABLE_4XX = frozenset({408, 429})
MAX_ANSWER_BYTES = 65536

_Key = tuple[str, str, int | None, float]


class HttpClient:
    """POSTs JSON to peers over kept-alive connections, one per delivery thread and peer;
    `close()` closes them all (the dispatcher's end)."""

    def __init__(self) -> None:
        self._local = threading.local()
        self._guard = threading.Lock()
        self._open: list[http.client.HTTPConnection] = []

    def post_json(
        self, url: str, body: Mapping[str, Any], *, headers: Mapping[str, str], timeout: float
    ) -> int:
        """POST `body`; return the 2xx status (409 counts: the peer already has the key)."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise RejectedError(f"not an http(s) URL: {url!r}")  # settings refuse it already
        data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        request_headers = {"Content-Type": "application/json; charset=utf-8", **headers}
        key = (parts.scheme, parts.hostname, parts.port, timeout)
        connection = self._connection(key)
        try:
            connection.request("POST", path, body=data, headers=request_headers)
            response = connection.getresponse()
            answer = response.read(MAX_ANSWER_BYTES)
            status = response.status
            if response.will_close:
                self._drop(key, connection)
        except TimeoutError as exc:
            self._drop(key, connection)
            raise DeliveryError(f"no answer within {timeout:g} s") from exc
        except (OSError, http.client.HTTPException) as exc:  # refused, reset, bad status line
            self._drop(key, connection)
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise DeliveryError(f"unreachable: {type(exc).__name__}: {reason}") from exc
        if 200 <= status < 300 or status == 409:
            return status
        detail = answer[:300].decode("utf-8", "replace").strip() or str(status)
        if 400 <= status < 500 and status not in RETRYABLE_4XX:
            raise RejectedError(f"HTTP {status}: {detail}")
        raise DeliveryError(f"HTTP {status}: {detail}")

    def close(self) -> None:
        with self._guard:
            connections, self._open = self._open, []
        for connection in connections:
            connection.close()
        self._local = threading.local()

    def _connection(self, key: _Key) -> http.client.HTTPConnection:
        pool: dict[_Key, http.client.HTTPConnection] | None = getattr(self._local, "pool", None)
        if pool is None:
            pool = self._local.pool = {}
        connection = pool.get(key)
        if connection is None:
            scheme, host, port, timeout = key
            kind = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
            connection = pool[key] = kind(host, port, timeout=timeout)
            with self._guard:
                self._open.append(connection)
        return connection

    def _drop(self, key: _Key, connection: http.client.HTTPConnection) -> None:
        connection.close()
        getattr(self._local, "pool", {}).pop(key, None)
        with self._guard:
            if connection in self._open:
                self._open.remove(connection)
