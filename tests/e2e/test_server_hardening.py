"""The real server (gunicorn, as `motcua serve` runs it): logs carry no personal identifiers,
a streamed body over the limit is refused with 413, and responses carry the security headers."""

from __future__ import annotations

import http.client
import json
import os
import socket
from pathlib import Path

from tests.live_server import free_port, motcua, running
from tests.support import applicant, submission

ID_NUMBER = applicant()["id_number"]
PHONE = applicant()["phone"]


def _chunked_post(port: int, path: str, chunks: int) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest("POST", path)
        connection.putheader("Content-Type", "application/json")
        connection.putheader("Transfer-Encoding", "chunked")
        connection.endheaders()
        chunk = b"[" + b"0," * 32_767 + b"0]"
        try:
            for _ in range(chunks):
                connection.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            connection.send(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading everything
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_logs_are_masked_and_streamed_bodies_are_bounded(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "MOTCUA_VAR_DIR": str(tmp_path / "var"),
        "MOTCUA_PASSWORD_MEMORY_KIB": "64",
        "MOTCUA_PASSWORD_TIME_COST": "1",
    }
    env.pop("MOTCUA_DATABASE_URL", None)
    motcua(env, "migrate")
    motcua(env, "deploy", "bpmn")
    motcua(env, "demo")
    port = free_port()
    log = tmp_path / "server.log"
    with running(env, port, log) as server:
        dossier = server.submit(submission())
        status, found = server.call(
            "GET", f"/public/dossiers/{dossier['code']}?id_number={ID_NUMBER}&phone={PHONE}"
        )
        assert status == 422  # `phone` is not a parameter of the lookup
        status, found = server.call(
            "GET", f"/public/dossiers/{dossier['code']}?id_number={ID_NUMBER}"
        )
        assert status == 200 and found["applicant_name"] == "N***** V** A*"

        status, headers, body = _chunked_post(port, "/api/v1/dossiers", chunks=40)  # ~2.6 MB
        assert status == 413, body[:300]
        assert headers["Content-Type"] == "application/problem+json"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert json.loads(body)["code"] == "too-large"

    written = log.read_text()
    assert f"/public/dossiers/{dossier['code']}?id_number=***" in written  # the access log
    assert ID_NUMBER not in written and PHONE not in written


def _raw(port: int, request: bytes) -> tuple[str, dict[str, str], bytes]:
    """Send bytes as they are; (status line, headers, body) of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    status, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return status, headers, body


def test_what_gunicorn_refuses_itself_is_problem_json(tmp_path: Path) -> None:
    env = {**os.environ, "MOTCUA_VAR_DIR": str(tmp_path / "var")}
    env.pop("MOTCUA_DATABASE_URL", None)
    motcua(env, "migrate")
    port = free_port()
    long_query = "x" * 5000  # request line over 4094 bytes
    cases = [
        (f"GET /api/v1/procedures?q={long_query} HTTP/1.1\r\nHost: a\r\n\r\n", 414),
        ("GET /api/v1/procedures HTTP/1.1\r\nHost: a\r\nX-Big: " + "y" * 9000 + "\r\n\r\n", 431),
        (
            "GET /api/v1/procedures HTTP/1.1\r\nHost: a\r\n"
            + "".join(f"X-H{n}: 1\r\n" for n in range(150))
            + "\r\n",
            431,
        ),
        ("GARBAGE\r\n\r\n", 400),
    ]
    with running(env, port, tmp_path / "server.log"):
        for request, expected in cases:
            status, headers, body = _raw(port, request.encode())
            assert status.split()[1] == str(expected), (status, body[:200])
            assert headers["content-type"] == "application/problem+json", headers
            assert headers["x-content-type-options"] == "nosniff"
            problem = json.loads(body)
            assert problem["status"] == expected and problem["code"] and problem["detail"]
            assert long_query not in body.decode()  # the input is never echoed
