"""Run a procedure's scenarios (docs/scenarios.md) through the JSON API, as its users would.

Each scenario drives one dossier over HTTP (the app in-process, Flask's test client) on a frozen
clock: the applicant submits, officers of the named roles and units claim and complete tasks,
the scheduler fires due timers; after every step and at the end the dossier is compared with
what the file expects, and at the end it is replayed from its audit chain. The first difference
fails the scenario with the step, the line and what differed.

`prepare` readies a context for a procedure (deploy, units, accounts); `run_scenario` runs one
scenario on it. The `motcua scenario run` command gives each scenario a fresh throwaway database;
the tests run every shipped scenario on the test database (SQLite or PostgreSQL).
"""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from api import create_app
from api.scenario_files import APPLICANT, ROLES, Scenario, Step
from engine.clock import FrozenClock
from engine.context import EngineContext
from engine.definitions.bundles import bundle_from_directory
from engine.errors import DuplicateError
from engine.scheduler import TimerScheduler
from engine.security.authz import Actor
from engine.services import definitions, grants, units, users
from engine.services.users import NewUser

RUNNER = Actor(user_id=None, username="scenario-runner", roles=frozenset({"admin"}), unit_code=None)
#: The second administrator who approves the auditor role the runner's replay check needs.
SECOND_RUNNER = Actor(
    user_id=None, username="scenario-runner-2", roles=frozenset({"admin"}), unit_code=None
)
CITIZEN_ROLE = "citizen"
AUDITOR_ROLE = "auditor"
#: How the throwaway accounts are named on the documents they sign or receive.
ROLE_TITLES = {
    APPLICANT: "Người nộp",
    "reception": "Cán bộ Một cửa",
    "specialist": "Chuyên viên",
    "leader": "Lãnh đạo",
    AUDITOR_ROLE: "Kiểm tra viên",
}
API = "/api/v1"
APPLICANT_USERNAME = "scenario.applicant"


@dataclass
class ScenarioResult:
    scenario: Scenario
    steps_run: int = 0
    failure: str | None = None
    code: str | None = None  # the dossier's code, once submitted

    @property
    def passed(self) -> bool:
        return self.failure is None


class ScenarioFailedError(Exception):
    pass


def prepare(ctx: EngineContext, diagram: Path, forms_root: Path, scenario: Scenario) -> str:
    """Deploy `diagram` (unless this version is deployed) and create the units the scenario
    needs (officers are created as it names them); return the procedure's key."""
    deployed = definitions.deploy(ctx, RUNNER, bundle_from_directory(diagram, forms_root))
    for code in sorted(scenario.unit_codes):
        name = scenario.units.get(code) or f"Đơn vị {code}"
        with contextlib.suppress(DuplicateError):
            units.create_unit(ctx, RUNNER, code, name)
    return deployed.key


@dataclass
class _Session:
    """Who is logged in, on `client`, at the clock's current time."""

    ctx: EngineContext
    client: FlaskClient
    clock: FrozenClock
    password: str = field(default_factory=lambda: secrets.token_urlsafe(16))
    tokens: dict[str, str] = field(default_factory=dict)
    tokens_at: datetime | None = None
    accounts: set[str] = field(default_factory=set)

    def username(self, role: str, unit: str | None) -> str:
        if role == APPLICANT:
            return APPLICANT_USERNAME
        return f"scenario.{role}.{unit}" if unit else f"scenario.{role}"

    def ensure_account(self, role: str, unit: str | None) -> str:
        username = self.username(role, unit)
        if username in self.accounts:
            return username
        roles = (CITIZEN_ROLE,) if role == APPLICANT else (role,)
        with self.ctx.uow(write=False) as uow:
            exists = uow.users.by_username(username) is not None
        if not exists:
            full_name = f"{ROLE_TITLES.get(role, role)} thử" + (f" ({unit})" if unit else "")
            own_unit = unit if role in ROLES else None
            users.create_user(
                self.ctx, RUNNER, NewUser(username, self.password, full_name, roles, own_unit)
            )
            # Roles that read every unit's dossiers wait for a second administrator (C11).
            for grant in grants.list_grants(self.ctx, RUNNER, "pending", 1, 100).items:
                grants.approve_grant(self.ctx, SECOND_RUNNER, grant.id)
        self.accounts.add(username)
        return username

    def call(self, method: str, path: str, username: str, body: Any = None) -> tuple[int, Any]:
        if self.tokens_at != self.clock.now():  # tokens issued before the clock moved may expire
            self.tokens.clear()
            self.tokens_at = self.clock.now()
        if username not in self.tokens:
            status, answer = self._request(
                "POST", "/auth/token", None, {"username": username, "password": self.password}
            )
            if status != 200:
                raise ScenarioFailedError(f"{username} cannot log in: {status} {answer}")
            self.tokens[username] = answer["access_token"]
        return self._request(method, path, self.tokens[username], body)

    def _request(self, method: str, path: str, token: str | None, body: Any) -> tuple[int, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        response = self.client.open(API + path, method=method, json=body, headers=headers)
        return response.status_code, response.get_json(silent=True)


def run_scenario(
    ctx: EngineContext, clock: FrozenClock, procedure: str, scenario: Scenario
) -> ScenarioResult:
    """Run `scenario` of `procedure` on a context `prepare` readied; never raises for what the
    scenario does."""
    result = ScenarioResult(scenario)
    app = create_app(context=ctx)
    session = _Session(ctx, app.test_client(), clock)
    try:
        clock.set(scenario.start)
        result.code = _submit(session, procedure, scenario)
        for step in scenario.steps:
            result.steps_run = step.number
            try:
                _run_step(session, scenario, result.code, step)
            except ScenarioFailedError as failure:
                line = f" (line {step.line})" if step.line else ""
                raise ScenarioFailedError(f"step {step.number}{line}: {failure}") from None
        try:
            _check(session, scenario, result.code, scenario.expect.values)
            _check_replay(session, result.code)
        except ScenarioFailedError as failure:
            raise ScenarioFailedError(f"at the end: {failure}") from None
    except ScenarioFailedError as failure:
        result.failure = str(failure)
    return result


def _submit(session: _Session, procedure: str, scenario: Scenario) -> str:
    online = scenario.channel == "online"
    submitter = session.ensure_account(APPLICANT if online else "reception", scenario.unit)
    status, answer = session.call(
        "POST",
        "/dossiers",
        submitter,
        {
            "procedure": procedure,
            "unit": scenario.unit,
            "applicant": dict(scenario.applicant),
            "data": dict(scenario.submission),
            "channel": scenario.channel,
        },
    )
    if status != 201:
        raise ScenarioFailedError(f"the submission was refused: {status} {_said(answer)}")
    return str(answer["code"])


def _run_step(session: _Session, scenario: Scenario, code: str, step: Step) -> None:
    if step.at is not None:
        session.clock.set(step.at)
    status, answer = _act(session, scenario, code, step)
    refused = step.expect.refused
    if refused is not None:
        if status != refused:
            raise ScenarioFailedError(f"expected a refusal {refused}, got {status} {_said(answer)}")
        expected_field = step.expect.values.get("field")
        fields = [e.get("field") for e in (answer or {}).get("errors") or []]
        if expected_field is not None and expected_field not in fields:
            raise ScenarioFailedError(f"the refusal names {fields}, not {expected_field!r}")
        return
    if status >= 400:
        raise ScenarioFailedError(f"{step.kind} was refused: {status} {_said(answer)}")
    _check(session, scenario, code, step.expect.values)


def _act(session: _Session, scenario: Scenario, code: str, step: Step) -> tuple[int, Any]:
    unit = step.unit or scenario.unit
    if step.kind == "timers":
        TimerScheduler(session.ctx).run_once()
        return 200, None
    if step.kind == "task":
        officer = session.ensure_account(step.role, unit)
        status, inbox = session.call("GET", f"/tasks?dossier={code}&page_size=100", officer)
        if status != 200:
            raise ScenarioFailedError(f"{officer} cannot read their tasks: {status} {_said(inbox)}")
        ids = [t["id"] for t in inbox["items"] if t["bpmn_id"] == step.target]
        if not ids:
            found = sorted({t["bpmn_id"] for t in inbox["items"]}) or "none"
            raise ScenarioFailedError(
                f"{step.role} of {unit} has no open task '{step.target}' (they have: {found})"
            )
        status, answer = session.call("POST", f"/tasks/{ids[0]}/claim", officer)
        if status != 200:
            return status, answer
        return session.call("POST", f"/tasks/{ids[0]}/complete", officer, {"data": dict(step.data)})
    actor = _applicant_side(session, scenario, step, unit)
    if step.kind == "supplement":
        return session.call("POST", f"/dossiers/{code}/supplements", actor, {"data": step.target})
    if step.kind == "withdraw":
        return session.call("POST", f"/dossiers/{code}/withdraw", actor, {"reason": step.target})
    return session.call("POST", f"/dossiers/{code}/stop", actor, dict(step.target))


def _applicant_side(session: _Session, scenario: Scenario, step: Step, unit: str) -> str:
    """The applicant's account; for a counter dossier reception acts for them (R-2.8)."""
    if step.role == APPLICANT and scenario.channel != "online":
        return session.ensure_account("reception", unit)
    return session.ensure_account(step.role, unit)


def _check(session: _Session, scenario: Scenario, code: str, expected: Mapping[str, Any]) -> None:
    checked = {k: v for k, v in expected.items() if k not in ("refused", "field")}
    if not checked:
        return
    auditor = _auditor(session)
    status, dossier = session.call("GET", f"/dossiers/{code}", auditor)
    if status != 200:
        raise ScenarioFailedError(f"the dossier cannot be read: {status} {_said(dossier)}")
    found: dict[str, Any] = {
        "status": dossier["status"]["code"],
        "open": sorted(s["bpmn_id"] for s in dossier["current_steps"]),
        "open_in": {s["bpmn_id"]: s.get("unit_code") for s in dossier["current_steps"]},
        "due_at": dossier.get("due_at"),
        "original_due_at": dossier.get("original_due_at"),
        "timeliness": dossier.get("timeliness"),
        "paused": dossier.get("clock_paused_at") is not None,
    }
    if "documents" in checked:
        status, listed = session.call("GET", f"/dossiers/{code}/documents", auditor)
        found["documents"] = [d["template"] for d in (listed or {}).get("items", [])]
    for key, want in checked.items():
        have = found[key]
        if key == "open":
            want = sorted(want)
        elif key in ("due_at", "original_due_at"):
            have = _as_of(have, want)
            want = want.isoformat() if isinstance(want, date | datetime) else want
        if have != want:
            raise ScenarioFailedError(f"{key} is {have!r}, expected {want!r}")


def _as_of(value: str | None, want: Any) -> str | None:
    """A local time from the API compared as the file wrote it: a day, or a moment."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    if isinstance(want, datetime):
        return moment.astimezone(want.tzinfo).isoformat()
    return moment.date().isoformat()


def _check_replay(session: _Session, code: str) -> None:
    status, replay = session.call("GET", f"/audit/dossiers/{code}/replay", _auditor(session))
    if status != 200:
        raise ScenarioFailedError(f"the dossier cannot be replayed: {status} {_said(replay)}")
    if not replay.get("matches_stored"):
        # A replay stopped by a problem (a divergent event) has no mismatches to show.
        raise ScenarioFailedError(
            f"replay does not match the stored dossier: {replay.get('mismatches')}; "
            f"problems: {replay.get('problems')}"
        )


def _auditor(session: _Session) -> str:
    return session.ensure_account(AUDITOR_ROLE, None)


def _said(answer: Any) -> str:
    if not isinstance(answer, dict):
        return ""
    detail = str(answer.get("detail") or answer.get("title") or "")
    errors = answer.get("errors") or []
    named = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in errors[:5])
    return f"{detail} ({named})" if named else detail


__all__ = ["ROLES", "ScenarioResult", "prepare", "run_scenario"]
