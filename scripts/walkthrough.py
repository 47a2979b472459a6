#!/usr/bin/env python3
"""One dossier from submission to the returned result (status 10), every role in turn, over the
HTTP API of a running server (`make run`) with the demo accounts `motcua demo` printed.

    python3 scripts/walkthrough.py [--api http://127.0.0.1:8000/api/v1]

The README's walkthrough is this script: it prints each call it makes and what came back, and
stops with exit status 1 (saying which call failed and why) when the API does not answer as the
walkthrough expects. Python's standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PROCEDURE = "cap_lai_the_bhyt"
UNIT = "000.00.07.H29"
#: The demo accounts of `motcua demo`: username -> password.
DEMO = {
    user: f"{user}-demo-2026"
    for user in ("citizen", "reception", "specialist", "leader", "auditor", "analyst")
}
APPLICANT = {"full_name": "Nguyễn Văn An", "id_number": "001090012345", "phone": "0912345678"}
DECLARATION = {  # TK1-TS: reissue of a lost health-insurance card
    "full_name": "Nguyễn Văn An",
    "gender": "nam",
    "date_of_birth": "1990-05-17",
    "id_number": "001090012345",
    "social_insurance_code": "0123456789",
    "request_type": "reissue_lost",
    "result_address": "12 Phố Huế, Hà Nội",
}
SCAN = b"%PDF-1.4\n% TK1-TS signed by the applicant (walkthrough)\n%%EOF\n"
ID_COPY = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64  # stands for a photo of the ID card


class WalkthroughError(Exception):
    pass


class Api:
    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/")
        self.tokens: dict[str, str] = {}

    def login(self, user: str) -> None:
        credentials = {"username": user, "password": DEMO[user]}
        body = self.call("POST", "/auth/token", None, credentials, shown_as=user)
        self.tokens[user] = body["access_token"]

    def call(
        self,
        method: str,
        path: str,
        user: str | None,
        body: Any = None,
        *,
        expect: int = 200,
        files: list[tuple[str, str, bytes]] | None = None,
        shown_as: str | None = None,
    ) -> Any:
        """Send one request as `user` (a JSON body, or `files` as multipart `file` parts of
        (name, media type, content)); the JSON answer, or WalkthroughError on another status."""
        headers = {"Accept": "application/json"}
        if user is not None:
            headers["Authorization"] = f"Bearer {self.tokens[user]}"
        data = None
        if files is not None:
            data, headers["Content-Type"] = _multipart(files)
        elif body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
        print(f"  {shown_as or user or 'anyone':<10} {method} {path}")
        request = urllib.request.Request(  # noqa: S310 - the API the user points us at
            self.base + path, data=data, headers=headers, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        except OSError as error:
            raise WalkthroughError(
                f"{method} {path}: cannot reach {self.base} ({error}); is `make run` running?"
            ) from error
        if status != expect:
            raise WalkthroughError(
                f"{method} {path} as {user or 'anyone'}: expected {expect}, got {status}: "
                + raw.decode(errors="replace")[:1500]
            )
        return json.loads(raw) if raw else None

    def upload(self, code: str, user: str, file: tuple[str, str, bytes]) -> Any:
        """Attach one file (name, media type, content) to the dossier; its record."""
        stored = self.call("POST", f"/dossiers/{code}/files", user, files=[file], expect=201)
        print(f"    {stored['name']}: {stored['size']} bytes, sha256 {stored['sha256'][:16]}…")
        return stored

    def act(self, code: str, user: str, data: dict[str, Any]) -> Any:
        """Take the dossier's task from `user`'s inbox: claim it, complete it with `data`."""
        inbox = self.call("GET", f"/tasks?dossier={code}", user)
        if inbox["total"] != 1:
            raise WalkthroughError(f"{user} should have one task of {code}: {inbox['items']}")
        task = inbox["items"][0]
        self.call("POST", f"/tasks/{task['id']}/claim", user)
        done = self.call("POST", f"/tasks/{task['id']}/complete", user, {"data": data})
        print(f"    '{task['name']}' done: status {_status(done)}")
        return done


def walkthrough(api: Api) -> str:
    """Run every step; the dossier's code."""
    step("Everyone logs in (demo accounts of `motcua demo`)")
    for user in DEMO:
        api.login(user)

    step("The citizen reads the catalogue, the units and the form, and submits")
    catalogue = api.call("GET", "/procedures", None)
    print(f"    procedures: {', '.join(p['key'] for p in catalogue['items'])}")
    units = api.call("GET", "/units", None)["items"]
    print(f"    units: {', '.join(u['code'] + ' ' + u['name'] for u in units)}")
    form = api.call("GET", f"/procedures/{PROCEDURE}", None)["submission_form"]
    print(f"    form: {form['title']}; required: {', '.join(form['required'])}")
    submission = {"procedure": PROCEDURE, "unit": UNIT, "applicant": APPLICANT}
    dossier = api.call(
        "POST", "/dossiers", "citizen", {**submission, "data": DECLARATION}, expect=201
    )
    code = dossier["code"]
    print(f"    dossier {code}: status {_status(dossier)}")

    step("The citizen uploads the signed declaration")
    scan = api.upload(code, "citizen", ("to-khai-tk1-ts.pdf", "application/pdf", SCAN))

    step("Reception claims the check and asks for a supplement (Mẫu 02)")
    api.act(
        code,
        "reception",
        {
            "decision": "supplement",
            "missing_documents": ["Bản sao căn cước công dân"],
            "reasons": "Hồ sơ thiếu bản sao căn cước công dân của người đề nghị",
        },
    )

    step("The citizen sees what is asked for, uploads it and supplements the dossier")
    waiting = api.call("GET", f"/dossiers/{code}", "citizen")
    for notice in waiting["notices"]:
        for told in notice["fields"]:
            print(f"    {notice['name']} — {told['title']}: {_plain(told['value'])}")
    copy = api.upload(code, "citizen", ("ban-sao-cccd.png", "image/png", ID_COPY))
    attachments = [
        {"name": "Tờ khai TK1-TS", "sha256": scan["sha256"]},
        {"name": "Bản sao căn cước công dân", "sha256": copy["sha256"]},
    ]
    again = api.call(
        "POST", f"/dossiers/{code}/supplements", "citizen", {"data": {"attachments": attachments}}
    )
    print(f"    supplemented: status {_status(again)}")

    step("Reception accepts: receipt and appointment (Mẫu 01)")
    received = [
        {"name": "Tờ khai TK1-TS", "kind": "original", "quantity": 1},
        {"name": "Bản sao căn cước công dân", "kind": "copy", "quantity": 1},
    ]
    api.act(code, "reception", {"decision": "accept", "documents_received": received})
    receipt = api.call("GET", f"/dossiers/{code}/receipt", "citizen")
    print(f"    received {receipt['received_at']}, appointment {receipt['appointment_at']}")

    step("The specialist appraises, the leader approves")
    api.act(
        code,
        "specialist",
        {
            "decision": "approve",
            "opinion": "Đủ điều kiện cấp lại thẻ BHYT do mất thẻ",
            "new_card_number": "DN4010123456790",
        },
    )
    api.act(code, "leader", {"decision": "approve"})

    step("Reception returns the result (status 10); the citizen reads it")
    api.act(code, "reception", {"returned_via": "direct", "recipient_name": "Nguyễn Văn An"})
    final = api.call("GET", f"/dossiers/{code}", "citizen")
    if final["status"]["code"] != 10:
        raise WalkthroughError(f"{code} should be at status 10: {_status(final)}")
    for notice in final["notices"]:
        told = ", ".join(f"{f['title']}: {_plain(f['value'])}" for f in notice["fields"])
        print(f"    {notice['name']} — {told}")
    print(f"    {_status(final)}, on time: {final['timeliness']}")

    step("An auditor verifies the dossier's audit chain and replays it")
    verified = api.call("POST", "/audit/verify", "auditor", {"dossier": code, "replay": True})
    replayed = api.call("GET", f"/audit/dossiers/{code}/replay", "auditor")
    if not verified["ok"] or replayed["matches_stored"] is not True:
        raise WalkthroughError(f"audit of {code}: {verified['problems']} {replayed['mismatches']}")
    print(f"    chain intact; replay of {replayed['events']} events equals the stored dossier")

    step("An analyst validates a diagram before deploying it")
    paths = [REPO / "bpmn" / f"{PROCEDURE}.bpmn", *sorted((REPO / "forms" / PROCEDURE).glob("*"))]
    bundle = [(path.name, "application/octet-stream", path.read_bytes()) for path in paths]
    checked = api.call("POST", "/definitions/validate", "analyst", files=bundle)
    print(f"    {checked['key']}: valid={checked['valid']}, {len(checked['warnings'])} warning(s)")
    return str(code)


def _multipart(files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = f"walkthrough-{uuid.uuid4().hex}"
    body = b"".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        f"Content-Type: {media_type}\r\n\r\n".encode()
        + content
        + b"\r\n"
        for name, media_type, content in files
    )
    return body + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def _plain(value: Any) -> str:
    return "; ".join(map(str, value)) if isinstance(value, list) else str(value)


def _status(dossier: dict[str, Any]) -> str:
    return f"{dossier['status']['code']} {dossier['status']['label']}"


def step(title: str) -> None:
    print(f"\n== {title}")


def main() -> int:
    port = os.environ.get("MOTCUA_PORT", "8000")
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", default=f"http://127.0.0.1:{port}/api/v1", help="base URL")
    arguments = parser.parse_args()
    try:
        code = walkthrough(Api(arguments.api))
    except WalkthroughError as error:
        print(f"\nwalkthrough stopped: {error}", file=sys.stderr)
        return 1
    print(f"\ndossier {code}: submitted, supplemented, accepted, resolved and returned")
    return 0


if __name__ == "__main__":
    sys.exit(main())
