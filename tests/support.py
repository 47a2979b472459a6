"""Test helpers: the users every test can log in as, valid form data, and an HTTP client
that asserts the status it expects (cosmicpython's api_client, for our API)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask.testing import FlaskClient

UNIT = "000.00.07.H29"
OTHER_UNIT = "000.00.08.H29"
DEMO_PASSWORD = "correct-horse-battery"


def at(day: int, hour: int = 9, minute: int = 0) -> datetime:
    """A moment of March 2026 in Vietnam, the month the deadline scenarios are set in."""
    return datetime(2026, 3, day, hour, minute, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))


PROCEDURE = "cap_lai_the_bhyt"
#: username -> (roles, unit)
USERS: dict[str, tuple[str, str | None]] = {
    "citizen": ("citizen", None),
    "citizen2": ("citizen", None),
    "reception": ("reception", UNIT),
    "reception2": ("reception", UNIT),
    "specialist": ("specialist", UNIT),
    "leader": ("leader", UNIT),
    "reception_other": ("reception", OTHER_UNIT),
    "specialist_other": ("specialist", OTHER_UNIT),
    "leader_other": ("leader", OTHER_UNIT),
    "auditor": ("auditor", None),
    "analyst": ("analyst", None),
    "admin": ("admin", None),
}


def applicant(**overrides: Any) -> dict[str, Any]:
    return {
        "full_name": "Nguyễn Văn An",
        "id_number": "001090012345",
        "phone": "0912345678",
        "email": "an.nguyen@example.vn",
        "address": "12 Phố Huế, Hà Nội",
        **overrides,
    }


def submission(**overrides: Any) -> dict[str, Any]:
    """A complete TK1-TS declaration for a lost health insurance card."""
    return {
        "full_name": "Nguyễn Văn An",
        "gender": "nam",
        "date_of_birth": "1990-05-17",
        "id_number": "001090012345",
        "social_insurance_code": "0123456789",
        "card_number": "DN4010123456789",
        "request_type": "reissue_lost",
        "result_address": "12 Phố Huế, Hà Nội",
        "phone": "0912345678",
        **overrides,
    }


ACCEPT = {
    "decision": "accept",
    "documents_received": [{"name": "Tờ khai TK1-TS", "kind": "original", "quantity": 1}],
}
SUPPLEMENT = {
    "decision": "supplement",
    "missing_documents": ["Bản sao CCCD"],
    "reasons": "Thiếu bản sao căn cước công dân",
}
REFUSE = {"decision": "refuse", "reasons": "Không thuộc thẩm quyền giải quyết của đơn vị"}
APPRAISE = {
    "decision": "approve",
    "opinion": "Đủ điều kiện cấp lại thẻ",
    "new_card_number": "DN4010123456790",
}
LEADER_APPROVE = {"decision": "approve"}
RETURN = {"returned_via": "direct", "recipient_name": "Nguyễn Văn An"}


class HttpApi:
    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self._tokens: dict[str, str] = {}

    def token(self, username: str) -> str:
        if username not in self._tokens:
            body = self.call(
                "POST",
                "/api/v1/auth/token",
                None,
                json={"username": username, "password": DEMO_PASSWORD},
            )
            self._tokens[username] = body["access_token"]
        return self._tokens[username]

    def forget_tokens(self) -> None:
        """Log everyone in again on their next call (a frozen clock moved past the tokens)."""
        self._tokens.clear()

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
        headers = {"Authorization": f"Bearer {self.token(as_user)}"} if as_user else {}
        response = self.client.open(
            path, method=method, json=json, headers=headers, query_string=query
        )
        assert response.status_code == expect, (
            f"{method} {path} as {as_user}: expected {expect}, got {response.status_code}: "
            f"{response.get_data(as_text=True)[:800]}"
        )
        if response.status_code >= 400:
            assert response.content_type == "application/problem+json", response.content_type
        return response.get_json(silent=True)

    # -- the procedure's steps, as the users take them ------------------------------------
    def submit(self, as_user: str | None = "citizen", *, expect: int = 201, **fields: Any) -> Any:
        body = {
            "procedure": PROCEDURE,
            "unit": UNIT,
            "applicant": applicant(),
            "data": submission(),
            "channel": "online",
            **fields,
        }
        return self.call("POST", "/api/v1/dossiers", as_user, expect=expect, json=body)

    def dossier(self, code: str, as_user: str = "reception", *, expect: int = 200) -> Any:
        return self.call("GET", f"/api/v1/dossiers/{code}", as_user, expect=expect)

    def tasks(self, as_user: str, **query: Any) -> Any:
        return self.call("GET", "/api/v1/tasks", as_user, query=query)

    def task_for(self, code: str, as_user: str) -> Any:
        items = self.tasks(as_user, dossier=code)["items"]
        assert len(items) == 1, f"{as_user} sees {len(items)} tasks for {code}: {items}"
        return items[0]

    def claim(self, task_id: str, as_user: str, *, expect: int = 200) -> Any:
        return self.call("POST", f"/api/v1/tasks/{task_id}/claim", as_user, expect=expect)

    def complete(
        self, task_id: str, as_user: str, data: dict[str, Any], *, expect: int = 200
    ) -> Any:
        return self.call(
            "POST", f"/api/v1/tasks/{task_id}/complete", as_user, expect=expect, json={"data": data}
        )

    def act(self, code: str, as_user: str, data: dict[str, Any]) -> Any:
        """Find the dossier's task in the user's inbox, claim it and complete it."""
        task = self.task_for(code, as_user)
        self.claim(task["id"], as_user)
        return self.complete(task["id"], as_user, data)
