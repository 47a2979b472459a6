"""The real server (gunicorn, as `motcua serve` runs it): logs carry no personal identifiers,
a streamed body over the limit is refused with 413, and responses carry the security headers."""

from __future__ import annotations

import http.client
import json
import os
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
