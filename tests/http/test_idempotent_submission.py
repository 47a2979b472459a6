"""A submission is idempotent by its key (`Idempotency-Key` here, the signed draft's nonce on the
portal): the same account sending the same key again gets the dossier the key created, never a
second one, across sessions, while the procedure changes and when two arrive at once; the same
key with other content is refused; another account's keys are its own."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from flask import Flask

from engine.context import EngineContext
from engine.services import definitions, dossiers
from engine.services.dossiers import Applicant, SubmitDossier
from tests.bundles import procedure_bundle
from tests.conftest import ADMIN
from tests.http.test_read_log import reads
from tests.probe import actor
from tests.support import PROCEDURE, UNIT, HttpApi, applicant, submission


def body(**data: Any) -> dict[str, Any]:
    return {
        "procedure": PROCEDURE,
        "unit": UNIT,
        "applicant": applicant(),
        "data": submission(**data),
        "channel": "online",
    }


def post(http: HttpApi, key: str | None, payload: dict[str, Any], user: str = "citizen") -> Any:
    headers = {"Authorization": f"Bearer {http.token(user)}"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return http.client.post("/api/v1/dossiers", json=payload, headers=headers)


def count(http: HttpApi, user: str = "citizen") -> int:
    return int(http.call("GET", "/api/v1/dossiers", user)["total"])


def test_the_same_key_twice_answers_with_the_first_dossier(http: HttpApi) -> None:
    first = post(http, "2f1c-retry-1", body())
    assert first.status_code == 201, first.get_json()
    assert "Idempotent-Replayed" not in first.headers
    again = post(http, "2f1c-retry-1", body())
    assert again.status_code == 200, again.get_json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_json()["code"] == first.get_json()["code"]
    assert count(http) == 1
    # a new token (another session) is the same account: the same answer
    http.forget_tokens()
    assert post(http, "2f1c-retry-1", body()).get_json()["code"] == first.get_json()["code"]
    # without a key, or with another, a new dossier, as before
    assert post(http, None, body()).status_code == 201
    assert post(http, "2f1c-retry-2", body()).status_code == 201
    assert count(http) == 3


def test_an_officer_replaying_a_key_leaves_a_read_trace(http: HttpApi, ctx: EngineContext) -> None:
    """The replay answers with the dossier as it is now: for an officer that is a read of
    personal data, logged like any other (SEC-1); the citizen's own replays are not."""
    counter = {**body(), "channel": "direct"}
    first = post(http, "quay-1", counter, user="reception")
    assert first.status_code == 201, first.get_json()
    code = first.get_json()["code"]
    for _ in range(2):
        assert post(http, "quay-1", counter, user="reception").status_code == 200
    assert reads(ctx, code) == [
        ("reception", "reception", UNIT, {"what": "dossier"}),
        ("reception", "reception", UNIT, {"what": "dossier"}),
    ]
    mine = post(http, "cong-dan-1", body()).get_json()["code"]
    assert post(http, "cong-dan-1", body()).status_code == 200
    assert reads(ctx, mine) == []


def test_the_same_key_with_other_content_is_refused(http: HttpApi) -> None:
    assert post(http, "k-1", body()).status_code == 201
    refused = post(http, "k-1", body(phone="0987654321"))
    assert refused.status_code == 422
    problem = refused.get_json()
    assert problem["code"] == "submission-key-reused"
    assert [e["field"] for e in problem["errors"]] == ["Idempotency-Key"]
    assert count(http) == 1


def test_a_key_belongs_to_its_account(http: HttpApi) -> None:
    mine = post(http, "shared-key", body()).get_json()["code"]
    theirs = post(http, "shared-key", body(), user="citizen2")
    assert theirs.status_code == 201 and theirs.get_json()["code"] != mine
    counter = {**body(), "channel": "direct"}
    assert post(http, "shared-key", counter, user="reception").status_code == 201
    assert post(http, "shared-key", counter, user="reception").status_code == 200


@pytest.mark.parametrize("key", ["", "x" * 201, "có dấu", "a b"])
def test_a_key_that_is_not_visible_ascii_is_a_422(http: HttpApi, key: str) -> None:
    refused = post(http, key, body())
    assert refused.status_code == 422, refused.get_json()
    assert "Idempotency-Key" in str(refused.get_json())
    assert count(http) == 0


def test_a_replay_answers_even_after_a_new_version_of_the_procedure(
    http: HttpApi, ctx: EngineContext
) -> None:
    """The key is looked up before the data is checked: a new version whose form the first data
    would fail does not turn the replay into a 422 (nor into a second dossier)."""
    code = post(http, "before-deploy", body()).get_json()["code"]
    files = procedure_bundle()
    form = json.loads(files["submission.json"])
    form["required"].append("guardian_name")  # the first data has none
    files["submission.json"] = json.dumps(form).encode()
    assert definitions.deploy(ctx, ADMIN, files).version == 2
    assert post(http, None, body()).status_code == 422  # the new form, for a new submission
    again = post(http, "before-deploy", body())
    assert again.status_code == 200 and again.get_json()["code"] == code


def test_two_posts_at_once_make_one_dossier(http: HttpApi, app: Flask) -> None:
    token = http.token("citizen")
    racers = 6
    barrier = threading.Barrier(racers)

    def submit(_: int) -> tuple[int, str]:
        client = app.test_client()
        barrier.wait()
        response = client.post(
            "/api/v1/dossiers",
            json=body(),
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "double-click"},
        )
        return response.status_code, response.get_json().get("code", "")

    with ThreadPoolExecutor(max_workers=racers) as pool:
        answers = list(pool.map(submit, range(racers)))
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200] * (racers - 1) + [201], answers
    assert len({code for _, code in answers}) == 1
    assert count(http) == 1


def test_the_unique_key_decides_when_both_checked_before_either_wrote(
    ctx: EngineContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race made deterministic: the second submission's look-up ran before the first
    committed (it finds nothing); its own write then meets the unique key and it answers with
    the first dossier instead of failing or writing a second one."""
    citizen = actor(ctx, "citizen")
    command = SubmitDossier(
        procedure=PROCEDURE,
        unit=UNIT,
        applicant=Applicant(**applicant()),
        data=submission(),
        submission_key="raced",
    )
    first = dossiers.submit_dossier_once(ctx, citizen, command)
    assert first.created
    real = dossiers._submitted_before
    calls: list[int] = []

    def looked_up_too_early(*args: Any) -> Any:
        calls.append(1)
        return None if len(calls) == 1 else real(*args)

    monkeypatch.setattr(dossiers, "_submitted_before", looked_up_too_early)
    second = dossiers.submit_dossier_once(ctx, citizen, command)
    assert not second.created and second.dossier.code == first.dossier.code
    assert len(calls) == 2  # the early look-up, then the one after the unique key refused
    with ctx.uow(write=False) as uow:
        assert uow.dossiers.by_code(first.dossier.code) is not None
        assert uow.submission_keys.find("no such key") is None
