"""A local SMTP server for the tests (no STARTTLS, no login): it records each message's
envelope and bytes. Just enough of RFC 5321 for smtplib's send_message. It can refuse: each
entry of `refusals` answers one MAIL FROM in turn (e.g. b"421 busy"), then it accepts again."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class SmtpSink:
    port: int
    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    #: Replies to give the next MAIL commands instead of 250, in order.
    refusals: list[bytes] = field(default_factory=list)


@contextmanager
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink(port=0)
    lock = threading.Lock()

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            self.wfile.write(b"220 sink ESMTP\r\n")
            sender, recipients = "", list[str]()
            while line := self.rfile.readline():
                verb = line[:4].upper()
                if verb == b"EHLO":
                    self.wfile.write(b"250-sink\r\n250 8BITMIME\r\n")
                elif verb == b"MAIL":
                    with lock:
                        refusal = sink.refusals.pop(0) if sink.refusals else None
                    if refusal is not None:
                        self.wfile.write(refusal + b"\r\n")
                        continue
                    sender, recipients = line.decode().strip(), []
                    self.wfile.write(b"250 OK\r\n")
                elif verb == b"RCPT":
                    recipients.append(line.decode().strip())
                    self.wfile.write(b"250 OK\r\n")
                elif verb == b"DATA":
                    self.wfile.write(b"354 go on\r\n")
                    data = b""
                    while (chunk := self.rfile.readline()) not in (b".\r\n", b""):
                        data += chunk
                    with lock:
                        sink.messages.append((sender, recipients, data))
                    self.wfile.write(b"250 queued\r\n")
                elif verb == b"QUIT":
                    self.wfile.write(b"221 bye\r\n")
                    return
                else:
                    self.wfile.write(b"250 OK\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    sink.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
