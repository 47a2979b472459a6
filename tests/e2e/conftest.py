"""Every end-to-end dossier is checked against its replay (issue 4).

The `http` helper here records, after every successful call that concerns a dossier, what the API
showed of it and how many events its chain held. When the test ends, each dossier replayed to the
end must equal the stored dossier, and replayed up to each recorded event it must equal what the
API showed then.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from flask.testing import FlaskClient

from engine.context import EngineContext
from engine.events import dossier_chain
from tests.support import HttpApi

_DOSSIER_PATH = re.compile(r"^/api/v1/dossiers/(?P<code>[^/]+)")


class RecordingHttpApi(HttpApi):
    def __init__(self, client: FlaskClient, ctx: EngineContext) -> None:
        super().__init__(client)
        self.ctx = ctx
        #: (dossier code, events in its chain, the dossier as the API showed it)
        self.seen: list[tuple[str, int, dict[str, Any]]] = []
        self._recording = True

    def call(
        self,
        method: str,
        path: str,
        as_user: str | None,
        *,
        expect: int = 200,
        json: Any = None,
        query: dict[str, Any] | None = None,
    ) -> Any:
        body = super().call(method, path, as_user, expect=expect, json=json, query=query)
        if self._recording and expect < 300:
            code = _dossier_code(path, body)
            if code is not None:
                self._snapshot(code)
        return body

    def _snapshot(self, code: str) -> None:
        self._recording = False
        try:
            view = super().call("GET", f"/api/v1/dossiers/{code}", "auditor")
        finally:
            self._recording = True
        with self.ctx.uow(write=False) as uow:
            events = uow.audit.count_events(dossier_chain(code))
        self.seen.append((code, events, view))

    def check_replays(self) -> None:
        self._recording = False
        for code in dict.fromkeys(code for code, _, _ in self.seen):
            final = self.call("GET", f"/api/v1/audit/dossiers/{code}/replay", "auditor")
            assert final["problems"] == [], final["problems"]
            assert final["mismatches"] == [], final["mismatches"]
            assert final["complete"] and final["matches_stored"] is True
        for code, events, view in self.seen:
            replayed = self.call(
                "GET", f"/api/v1/audit/dossiers/{code}/replay", "auditor", query={"until": events}
            )
            assert replayed["at_seq"] == events
            shown = {key: value for key, value in view.items() if key != "version"}
            assert replayed["dossier"] == shown, f"{code} after event {events}"


def _dossier_code(path: str, body: Any) -> str | None:
    if isinstance(body, dict):
        if "current_steps" in body and "code" in body:
            return str(body["code"])
        if "dossier_code" in body:
            return str(body["dossier_code"])
    match = _DOSSIER_PATH.match(path)
    return match["code"] if match else None


@pytest.fixture
def http(client: FlaskClient, ctx: EngineContext) -> Iterator[RecordingHttpApi]:
    api = RecordingHttpApi(client, ctx)
    yield api
    assert api.seen, "the test touched no dossier"
    api.check_replays()
