"""Every endpoint x every role x own/other unit: the HTTP status each caller gets (SEC-4).

The table below is the contract. Officers of the other unit (`*_other`) attempt the dossier code
and the task id of unit A's dossier: those are the IDOR attempts. A refused request (401/403)
must change nothing, so each one is checked against the audit chains too. The last test fails
when the OpenAPI document has an operation this table does not list: new endpoints must be
added here with their statuses.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask.testing import FlaskClient

from engine.context import EngineContext
from engine.definitions.bundles import bundle_from_directory
from tests.conftest import REPO
from tests.support import (
    ACCEPT,
    DEMO_PASSWORD,
    PROCEDURE,
    SUPPLEMENT,
    UNIT,
    HttpApi,
    applicant,
    submission,
)

UNIT_ACTORS = ("reception", "specialist", "leader")
ACTORS = (
    "anonymous",
    "citizen",  # the applicant of the dossier under test
    "citizen2",  # another applicant
    *UNIT_ACTORS,  # officers of the dossier's unit
    *(f"{role}_other" for role in UNIT_ACTORS),  # officers of another unit
    "auditor",
    "analyst",
    "admin",
)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def statuses(default: int, **overrides: int) -> dict[str, int]:
    """`default` for every caller except anonymous (401) and the ones named."""
    table = dict.fromkeys(ACTORS, default) | {"anonymous": 401}
    assert set(overrides) <= set(ACTORS), set(overrides) - set(ACTORS)
    return table | overrides


EVERYONE_200 = dict.fromkeys(ACTORS, 200)
OVERRIDE_PATH = "/api/v1/calendar/overrides/2026-03-14"
#: Diagram sources and versions: the analysts who write them, administrators, auditors.
DEFINITION_READERS = statuses(403, analyst=200, admin=200, auditor=200)
_BUNDLE = bundle_from_directory(REPO / "bpmn" / f"{PROCEDURE}.bpmn", REPO / "forms")
ADMIN_ONLY = statuses(403, admin=200)
#: Who may read unit A's dossier (and its files): the applicant, unit A's officers, auditors.
DOSSIER_READERS = statuses(403, citizen=200, reception=200, specialist=200, leader=200, auditor=200)
#: The audit (issue 4): auditors and administrators.
AUDITORS = statuses(403, auditor=200, admin=200)


@dataclass
class World:
    """Unit A's dossier, submitted online by `citizen`, waiting at reception's check."""

    http: HttpApi
    ctx: EngineContext
    code: str = ""
    task_id: str = ""
    file_sha256: str = ""
    grant_id: int = 0
    document_id: int = 0

    def claim_reception_task(self) -> None:
        self.http.claim(self.task_id, "reception")

    def ask_for_supplement(self) -> None:
        self.http.act(self.code, "reception", SUPPLEMENT)

    def accept(self) -> None:
        self.http.act(self.code, "reception", ACCEPT)

    def accept_and_find_the_receipt(self) -> None:
        self.accept()
        path = f"/api/v1/dossiers/{self.code}/documents"
        self.document_id = self.http.call("GET", path, "reception")["items"][0]["id"]

    def override_a_day(self) -> None:
        self.http.call("PUT", OVERRIDE_PATH, "admin", json={"kind": "workday"})

    def ask_for_a_grant(self) -> None:
        body = {"username": "analyst", "role": "auditor", "reason": "kiểm tra định kỳ"}
        self.grant_id = self.http.call(
            "POST", "/api/v1/admin/role-grants", "admin", expect=201, json=body
        )["id"]

    def upload(self) -> None:
        response = self.http.client.post(
            f"/api/v1/dossiers/{self.code}/files",
            data={"file": (io.BytesIO(PNG), "scan.png")},
            headers={"Authorization": f"Bearer {self.http.token('citizen')}"},
        )
        assert response.status_code == 201, response.get_json()
        self.file_sha256 = response.get_json()["sha256"]


@dataclass(frozen=True)
class Op:
    method: str
    path: str  # as in the OpenAPI document
    expect: Mapping[str, int]
    setup: Callable[[World], None] = lambda world: None
    params: Callable[[World], dict[str, str]] = lambda world: {}
    body: Callable[[str], Any] | None = None  # JSON body for a caller
    upload: bool = False
    query: dict[str, str] = field(default_factory=dict)
    bundle: bool = False  # multipart `file` parts: the deployed cap_lai_the_bhyt bundle

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def _dossier(world: World) -> dict[str, str]:
    return {"code": world.code}


def _task(world: World) -> dict[str, str]:
    return {"task_id": world.task_id}


def _submission(actor: str) -> dict[str, Any]:
    counter = actor.startswith("reception")
    return {
        "procedure": PROCEDURE,
        "unit": UNIT,
        "applicant": applicant(),
        "data": submission(),
        "channel": "direct" if counter else "online",
    }


OPERATIONS = (
    Op(
        "POST",
        "/api/v1/auth/token",
        EVERYONE_200,
        body=lambda actor: {"username": "reception", "password": DEMO_PASSWORD},
    ),
    Op("GET", "/api/v1/procedures", EVERYONE_200),
    Op("GET", "/api/v1/units", EVERYONE_200),
    Op("GET", "/api/v1/procedures/{key}", EVERYONE_200, params=lambda w: {"key": PROCEDURE}),
    Op(
        "GET",
        "/api/v1/public/dossiers/{code}",
        EVERYONE_200,
        params=_dossier,
        query={"id_number": applicant()["id_number"]},
    ),
    Op("GET", "/api/v1/public/upload-rules", EVERYONE_200),
    Op(
        "POST",
        "/api/v1/dossiers",
        statuses(403, citizen=201, citizen2=201, reception=201),
        body=_submission,
    ),
    Op(
        "GET",
        "/api/v1/dossiers",
        statuses(200, analyst=403, admin=403),
    ),
    Op("GET", "/api/v1/dossiers/{code}", DOSSIER_READERS, params=_dossier),
    Op(
        "POST",
        "/api/v1/dossiers/{code}/supplements",
        statuses(403, citizen=200),
        setup=World.ask_for_supplement,
        params=_dossier,
        body=lambda actor: {"data": {"phone": "0987654321"}},
    ),
    Op(
        "POST",
        "/api/v1/dossiers/{code}/withdraw",
        statuses(403, citizen=200),
        params=_dossier,
        body=lambda actor: {"reason": "Không cần giải quyết nữa"},
    ),
    Op(
        "POST",
        "/api/v1/dossiers/{code}/stop",
        statuses(403, leader=200),
        setup=World.accept,
        params=_dossier,
        body=lambda actor: {"reason": "Đã giải quyết tại đơn vị khác", "legal_basis": ["Điều 1"]},
    ),
    Op("GET", "/api/v1/dossiers/{code}/files", DOSSIER_READERS, params=_dossier),
    Op(
        "POST",
        "/api/v1/dossiers/{code}/files",
        statuses(403, citizen=201, reception=201),
        params=_dossier,
        upload=True,
    ),
    Op(
        "GET",
        "/api/v1/dossiers/{code}/files/{sha256}",
        DOSSIER_READERS,
        setup=World.upload,
        params=lambda w: {"code": w.code, "sha256": w.file_sha256},
    ),
    Op(
        "GET",
        "/api/v1/tasks",
        statuses(200, citizen=403, citizen2=403, auditor=403, analyst=403, admin=403),
    ),
    Op(
        "GET",
        "/api/v1/tasks/{task_id}",
        statuses(403, reception=200, leader=200, auditor=200),
        params=_task,
    ),
    Op("POST", "/api/v1/tasks/{task_id}/claim", statuses(403, reception=200), params=_task),
    # Leaders of the task's unit and administrators release anyone's claim (issue 12, B7);
    # after the claimant released it, their release finds the task free and leaves it so.
    Op(
        "POST",
        "/api/v1/tasks/{task_id}/release",
        statuses(403, reception=200, leader=200, admin=200),
        setup=World.claim_reception_task,
        params=_task,
    ),
    # ... and give a task to an officer of its unit and role; `reception2` already holding it,
    # the next assignment to the same officer changes nothing.
    Op(
        "POST",
        "/api/v1/tasks/{task_id}/assign",
        statuses(403, leader=200, admin=200),
        setup=World.claim_reception_task,
        params=_task,
        body=lambda actor: {"officer": "reception2"},
    ),
    Op(
        "POST",
        "/api/v1/tasks/{task_id}/complete",
        statuses(403, reception=200),
        setup=World.claim_reception_task,
        params=_task,
        body=lambda actor: {"data": ACCEPT},
    ),
    Op("GET", "/api/v1/admin/users", ADMIN_ONLY),
    Op(
        "POST",
        "/api/v1/admin/users",
        statuses(403, admin=201),
        body=lambda actor: {
            "username": "new.officer",
            "password": DEMO_PASSWORD,
            "full_name": "Cán bộ mới",
            "roles": ["specialist"],
            "unit_code": UNIT,
        },
    ),
    Op(
        "GET",
        "/api/v1/admin/users/{username}",
        ADMIN_ONLY,
        params=lambda w: {"username": "specialist"},
    ),
    Op(
        "PATCH",
        "/api/v1/admin/users/{username}",
        ADMIN_ONLY,
        params=lambda w: {"username": "specialist"},
        body=lambda actor: {"full_name": "Phạm Văn Dũng"},
    ),
    *(
        Op(
            "POST",
            f"/api/v1/admin/users/{{username}}/{action}",
            ADMIN_ONLY,
            params=lambda w: {"username": "specialist_other"},
        )
        for action in ("deactivate", "activate", "unlock")
    ),
    # Role grants (issue 12, C11): `admin` asks; the approval by a second administrator is in
    # tests/http/test_admin_api.py (this table has one administrator, who may not approve).
    Op("GET", "/api/v1/admin/role-grants", ADMIN_ONLY),
    Op(
        "POST",
        "/api/v1/admin/role-grants",
        statuses(403, admin=201),
        body=lambda actor: {"username": "analyst", "role": "auditor", "reason": "kiểm tra"},
    ),
    Op(
        "GET",
        "/api/v1/admin/role-grants/{grant_id}",
        ADMIN_ONLY,
        setup=World.ask_for_a_grant,
        params=lambda w: {"grant_id": str(w.grant_id)},
    ),
    Op(
        "POST",
        "/api/v1/admin/role-grants/{grant_id}/approve",
        statuses(403, admin=409),
        setup=World.ask_for_a_grant,
        params=lambda w: {"grant_id": str(w.grant_id)},
    ),
    Op(
        "POST",
        "/api/v1/admin/role-grants/{grant_id}/reject",
        ADMIN_ONLY,
        setup=World.ask_for_a_grant,
        params=lambda w: {"grant_id": str(w.grant_id)},
    ),
    Op("GET", "/api/v1/admin/units", ADMIN_ONLY),
    Op(
        "POST",
        "/api/v1/admin/units",
        statuses(403, admin=201),
        body=lambda actor: {"code": "000.00.09.H29", "name": "BHXH quận Tây Hồ"},
    ),
    Op("GET", "/api/v1/admin/units/{code}", ADMIN_ONLY, params=lambda w: {"code": UNIT}),
    Op("GET", "/api/v1/admin/timers/parked", ADMIN_ONLY),
    Op(
        "POST",
        "/api/v1/admin/timers/{timer_id}/resume",
        statuses(403, admin=404),  # no timer is parked in this world
        params=lambda w: {"timer_id": "00000000-0000-0000-0000-000000000000"},
    ),
    Op("GET", "/api/v1/admin/outbox", ADMIN_ONLY),
    Op(
        "POST",
        "/api/v1/admin/outbox/{message_id}/retry",
        statuses(403, admin=404),  # no peer is configured in this world: no message
        params=lambda w: {"message_id": "999999"},
    ),
    Op("GET", "/api/v1/health", EVERYONE_200),
    Op("GET", "/api/v1/admin/webhooks", ADMIN_ONLY),
    Op(
        "POST",
        "/api/v1/admin/webhooks",
        statuses(403, admin=201),
        body=lambda actor: {"url": "https://hooks.example.vn/motcua", "events": ["status_changed"]},
    ),
    *(
        Op(method, path, statuses(403, admin=404), params=lambda w: {"webhook_id": "999999"})
        for method, path in (
            ("DELETE", "/api/v1/admin/webhooks/{webhook_id}"),
            ("POST", "/api/v1/admin/webhooks/{webhook_id}/disable"),
            ("GET", "/api/v1/admin/webhooks/{webhook_id}/deliveries"),
        )
    ),
    # an applicant's own channels (citizens: officers are told nothing of dossiers)
    Op("GET", "/api/v1/me/notifications", statuses(403, citizen=200, citizen2=200)),
    Op(
        "PUT",
        "/api/v1/me/notifications",
        statuses(403, citizen=200, citizen2=200),
        body=lambda actor: {"email": True, "sms": False},
    ),
    # Identical content: deploying again answers 200 with the existing version.
    Op("POST", "/api/v1/definitions", statuses(403, analyst=200, admin=200), bundle=True),
    Op("POST", "/api/v1/definitions/validate", statuses(403, analyst=200, admin=200), bundle=True),
    Op("GET", "/api/v1/definitions", DEFINITION_READERS),
    Op(
        "GET",
        "/api/v1/definitions/{key}/versions",
        DEFINITION_READERS,
        params=lambda w: {"key": PROCEDURE},
    ),
    Op(
        "GET",
        "/api/v1/definitions/{key}/versions/{version}",
        DEFINITION_READERS,
        params=lambda w: {"key": PROCEDURE, "version": "1"},
    ),
    Op(
        "GET",
        "/api/v1/definitions/{key}/versions/{version}/diagram.svg",
        DEFINITION_READERS,
        params=lambda w: {"key": PROCEDURE, "version": "1"},
    ),
    Op(
        "GET",
        "/api/v1/definitions/{key}/diff",
        DEFINITION_READERS,
        params=lambda w: {"key": PROCEDURE},
        query={"from": "1", "to": "1"},
    ),
    # The diagram shows where the dossier is, no personal data: admins may look too.
    Op(
        "GET",
        "/api/v1/dossiers/{code}/diagram.svg",
        statuses(403, reception=200, specialist=200, leader=200, auditor=200, admin=200),
        params=_dossier,
    ),
    # Already on the latest version: the administrator is told so (409), everyone else is refused.
    Op("POST", "/api/v1/dossiers/{code}/migrate", statuses(403, admin=409), params=_dossier),
    # Mẫu 01 exists once the dossier is accepted; it is read like the dossier.
    Op(
        "GET",
        "/api/v1/dossiers/{code}/receipt",
        DOSSIER_READERS,
        setup=World.accept,
        params=_dossier,
    ),
    # Mẫu 04 is read like the dossier; before any new appointment its readers get 409.
    Op(
        "GET",
        "/api/v1/dossiers/{code}/reappointment",
        statuses(403, citizen=409, reception=409, specialist=409, leader=409, auditor=409),
        setup=World.accept,
        params=_dossier,
    ),
    # Documents of record (issue 14) are read like the dossier; the tracking book (Mẫu 07) by
    # the unit's officers and auditors.
    Op(
        "GET",
        "/api/v1/dossiers/{code}/documents",
        DOSSIER_READERS,
        setup=World.accept,
        params=_dossier,
    ),
    Op(
        "GET",
        "/api/v1/dossiers/{code}/documents/{document_id}",
        DOSSIER_READERS,
        setup=World.accept_and_find_the_receipt,
        params=lambda w: {"code": w.code, "document_id": str(w.document_id)},
    ),
    # A correction (a new document that replaces an issued one) is the unit's leaders' to issue.
    Op(
        "POST",
        "/api/v1/dossiers/{code}/documents/{document_id}/corrections",
        statuses(403, leader=201),
        setup=World.accept_and_find_the_receipt,
        params=lambda w: {"code": w.code, "document_id": str(w.document_id)},
        body=lambda actor: {"reason": "Ghi sai số bộ hồ sơ", "fields": {"sets": 2}},
    ),
    Op(
        "GET",
        "/api/v1/dossiers/{code}/control-slip",
        DOSSIER_READERS,
        setup=World.accept,
        params=_dossier,
    ),
    Op(
        "GET",
        "/api/v1/units/{unit_code}/tracking-book",
        statuses(403, reception=200, specialist=200, leader=200, auditor=200),
        setup=World.accept,
        params=lambda w: {"unit_code": UNIT},
        query={"from": "2026-03-01", "to": "2026-03-31"},
    ),
    # Reports (issue 17): a leader reads their unit's; auditors and administrators any.
    Op(
        "GET",
        "/api/v1/reports/handling",
        statuses(403, leader=200, auditor=200, admin=200),
        setup=World.accept,
        query={"from": "2026-03-01", "to": "2026-03-31", "unit": UNIT},
    ),
    Op(
        "GET",
        "/api/v1/reports/handling/dossiers",
        statuses(403, leader=200, auditor=200, admin=200),
        setup=World.accept,
        query={"from": "2026-03-01", "to": "2026-03-31", "unit": UNIT, "figure": "received"},
    ),
    Op(
        "GET",
        "/api/v1/reports/handling/drilldown",
        statuses(403, leader=200, auditor=200, admin=200),
        setup=World.accept,
        query={"from": "2026-03-01", "to": "2026-03-31", "unit": UNIT, "cell": "received"},
    ),
    Op(
        "GET",
        "/api/v1/reports/overdue",
        statuses(403, leader=200, auditor=200, admin=200),
        setup=World.accept,
        query={"unit": UNIT, "within": "5"},
    ),
    Op("GET", "/api/v1/public/statistics", EVERYONE_200, query={"procedure": PROCEDURE}),
    Op(
        "GET",
        "/api/v1/reports/satisfaction",
        statuses(403, leader=200, auditor=200, admin=200),
        query={"from": "2026-03-01", "to": "2026-03-31", "unit": UNIT},
    ),
    # Timeliness per step (the analysts' heatmap): analysts read it too.
    Op(
        "GET",
        "/api/v1/reports/timeliness",
        statuses(403, leader=200, analyst=200, auditor=200, admin=200),
        setup=World.accept,
        query={"procedure": PROCEDURE, "from": "2026-03-01", "to": "2026-03-31", "unit": UNIT},
    ),
    # The applicant rates; the dossier has no result yet: 409 for them, 403 for others.
    Op(
        "POST",
        "/api/v1/dossiers/{code}/rating",
        statuses(403, citizen=409),
        params=_dossier,
        body=lambda actor: {"ratings": {"overall": "satisfied"}},
    ),
    # The working calendar and its versions are public; administrators keep its overrides.
    Op("GET", "/api/v1/calendar", EVERYONE_200, query={"year": "2026"}),
    Op("GET", "/api/v1/calendar/versions", EVERYONE_200),
    Op("GET", "/api/v1/calendar/overrides", EVERYONE_200),
    Op(
        "PUT",
        "/api/v1/calendar/overrides/{day}",
        ADMIN_ONLY,
        params=lambda w: {"day": "2026-03-14"},
        body=lambda actor: {"kind": "workday", "note": "Làm bù"},
    ),
    Op(
        "DELETE",
        "/api/v1/calendar/overrides/{day}",
        statuses(403, admin=204),
        setup=World.override_a_day,
        params=lambda w: {"day": "2026-03-14"},
    ),
    Op("POST", "/api/v1/audit/verify", AUDITORS, body=lambda actor: {}),
    # the auditor signs first; nothing moved when the administrator asks next
    Op("POST", "/api/v1/audit/checkpoints", statuses(403, auditor=201, admin=200)),
    Op("GET", "/api/v1/audit/checkpoints", AUDITORS),
    Op("GET", "/api/v1/audit/public-key", AUDITORS),
    *(
        Op("GET", f"/api/v1/audit/dossiers/{{code}}/{view}", AUDITORS, params=_dossier)
        for view in ("events", "replay", "bundle")
    ),
    Op(
        "PATCH",
        "/api/v1/admin/units/{code}",
        ADMIN_ONLY,
        params=lambda w: {"code": UNIT},
        body=lambda actor: {"name": "BHXH quận Ba Đình, Hà Nội"},
    ),
)


def _event_counts(world: World) -> tuple[int, int]:
    with world.ctx.uow(write=False) as uow:
        return (
            uow.events.count_for_chain("system"),
            uow.events.count_for_chain(f"dossier:{world.code}"),
        )


def _request(client: FlaskClient, world: World, op: Op, actor: str, token: str | None) -> Any:
    path = op.path
    for name, value in op.params(world).items():
        path = path.replace("{" + name + "}", value)
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    kwargs: dict[str, Any] = {"headers": headers, "query_string": op.query}
    if op.body is not None:
        kwargs["json"] = op.body(actor)
    if op.upload:
        content = PNG + actor.encode()  # each caller its own content: new files, not repeats
        kwargs["data"] = {"file": (io.BytesIO(content), f"{actor}.png")}
    if op.bundle:
        kwargs["data"] = {"file": [(io.BytesIO(c), name) for name, c in _BUNDLE.items()]}
    return client.open(path, method=op.method, **kwargs)


@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.key)
def test_each_role_gets_the_status_the_table_says(
    op: Op, http: HttpApi, ctx: EngineContext
) -> None:
    assert set(op.expect) == set(ACTORS), f"{op.key}: the table must name every caller"
    world = World(http, ctx, code=http.submit()["code"])
    world.task_id = http.task_for(world.code, "reception")["id"]
    tokens = {actor: http.token(actor) for actor in ACTORS if actor != "anonymous"}
    op.setup(world)
    # Refusals first: they must leave everything as it was for the callers allowed after them.
    order = sorted(ACTORS, key=lambda actor: op.expect[actor] < 400)
    mismatches = []
    for actor in order:
        before = _event_counts(world)
        response = _request(http.client, world, op, actor, tokens.get(actor))
        expected = op.expect[actor]
        if response.status_code != expected:
            mismatches.append(
                f"{actor}: expected {expected}, got {response.status_code} "
                f"{response.get_data(as_text=True)[:200]}"
            )
        elif expected >= 400:
            assert response.content_type == "application/problem+json", (actor, op.key)
            assert _event_counts(world) == before, f"{actor} was refused but changed something"
    assert not mismatches, f"{op.key}:\n" + "\n".join(mismatches)


def test_the_table_covers_every_operation_of_the_openapi_document(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()
    documented = {
        f"{method.upper()} {path}"
        for path, operations in spec["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }
    listed = {op.key for op in OPERATIONS}
    assert len(listed) == len(OPERATIONS), "an operation is listed twice"
    assert documented - listed == set(), "add these operations to OPERATIONS with their statuses"
    assert listed - documented == set(), "these operations are no longer in the API"
