"""A fake national portal for development and tests (`motcua dvcqg-peer`): a real HTTP server on
a local port that records what it receives, once per idempotency key, and can be told to fail
the first N deliveries, to hold answers past the client's timeout, or to answer slowly.

`POST /` (any path but the control ones) takes a delivery; `GET /_records` lists what it
accepted, in arrival order; `POST /_control` with JSON `{"fail": N, "hang": N, "hang_seconds": S,
"delay_seconds": S}` changes its behaviour while it runs.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_BODY = 1 << 20


@dataclass
class PeerBehaviour:
    """What the fake does next: `fail` deliveries answered 503, then `hang` held `hang_seconds`
    (past the client's timeout; then accepted, as a real server that was slow would), and every
    answer delayed by `delay_seconds`."""

    fail: int = 0
    hang: int = 0
    hang_seconds: float = 5.0
    delay_seconds: float = 0.0


@dataclass
class PeerRecords:
    """What the fake received: accepted bodies per key, in order, and how often each came."""

    accepted: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    received: int = 0
    duplicates: int = 0
    failed: int = 0
    #: Answers being held right now (delayed or hung).
    holding: int = 0


class FakeDvcqg:
    """`start()` serves on 127.0.0.1:`port` (0: any free port) in a thread; `stop()` ends it."""

    def __init__(self, port: int = 0, behaviour: PeerBehaviour | None = None) -> None:
        self.behaviour = behaviour or PeerBehaviour()
        self.records = PeerRecords()
        self.lock = threading.Lock()
        self.closing = threading.Event()
        #: Open client connections: a stop closes them, as a process that dies would.
        self.connections: set[socket.socket] = set()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self.server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}/dvcqg/dongbo"

    def start(self) -> FakeDvcqg:
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.closing.set()  # held answers end now
        self.server.shutdown()
        self.server.server_close()
        with self.lock:
            connections, self.connections = set(self.connections), set()
        for connection in connections:  # kept-alive ones would go on being served
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join()

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "accepted": [{"key": k, "body": b} for k, b in self.records.accepted],
                "received": self.records.received,
                "duplicates": self.records.duplicates,
                "failed": self.records.failed,
                "holding": self.records.holding,
            }

    def control(self, change: dict[str, Any]) -> None:
        with self.lock:
            for name in ("fail", "hang"):
                if name in change:
                    setattr(self.behaviour, name, max(0, int(change[name])))
            for name in ("hang_seconds", "delay_seconds"):
                if name in change:
                    setattr(self.behaviour, name, max(0.0, float(change[name])))

    def hold(self, seconds: float) -> None:
        with self.lock:
            self.records.holding += 1
        try:
            self.closing.wait(seconds)
        finally:
            with self.lock:
                self.records.holding -= 1

    def receive(self, key: str, body: dict[str, Any]) -> tuple[int, float]:
        """Decide the answer to one delivery: (status, seconds to hold it)."""
        with self.lock:
            self.records.received += 1
            behaviour = self.behaviour
            if behaviour.fail > 0:
                behaviour.fail -= 1
                self.records.failed += 1
                return 503, behaviour.delay_seconds
            hold = behaviour.delay_seconds
            if behaviour.hang > 0:
                behaviour.hang -= 1
                hold = behaviour.hang_seconds
            if key in self.records.keys:
                self.records.duplicates += 1
                return 200, hold
            self.records.keys.add(key)
            self.records.accepted.append((key, body))
            return 200, hold


def _handler(peer: FakeDvcqg) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        #: Headers and body are two writes: without this, Nagle's algorithm and the client's
        #: delayed ACK hold every answer back 40 ms.
        disable_nagle_algorithm = True

        def setup(self) -> None:
            super().setup()
            with peer.lock:
                peer.connections.add(self.connection)

        def finish(self) -> None:
            with peer.lock:
                peer.connections.discard(self.connection)
            with contextlib.suppress(OSError):
                super().finish()

        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            if self.path != "/_records":
                self._answer(404, {"error": "not found"})
                return
            self._answer(200, peer.snapshot())

        def do_POST(self) -> None:
            body = self._body()
            if body is None:
                self._answer(400, {"error": "a JSON object is expected"})
                return
            if self.path == "/_control":
                peer.control(body)
                self._answer(200, {"ok": True})
                return
            key = self.headers.get("Idempotency-Key") or str(body.get("MaSuKien") or "")
            if not key:
                self._answer(400, {"error": "no Idempotency-Key"})
                return
            status, hold = peer.receive(key, body)
            if hold > 0:
                peer.hold(hold)
            self._answer(status, {"ok": status == 200, "key": key})

        def _body(self) -> dict[str, Any] | None:
            length = int(self.headers.get("Content-Length") or 0)
            if length <= 0 or length > MAX_BODY:
                return None
            try:
                value = json.loads(self.rfile.read(length))
            except ValueError:
                return None
            return value if isinstance(value, dict) else None

        def _answer(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:  # the client gave up (timed out) first
                pass

    return Handler
