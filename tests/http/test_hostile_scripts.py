"""Hostile diagram scripts, conditions and loops, deployed over the real API and submitted to
(issue 12 A2, A5, A6): each is refused at deploy with a line-numbered message naming the
element, or deploys and then fails only its own submission with a clear 422; never a 5xx (the
`app` fixture fails any test that saw one), never a hang, never a stored dossier."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from html import escape
from typing import Any

import pytest
from flask import Flask

from engine.spiff.limits import MAX_LOOP_ITERATIONS
from tests.bundles import DIAGRAM, KEY, procedure_bundle, replaced, upload
from tests.support import ACCEPT, HttpApi

SCRIPT = "<bpmn:script>supplement_rounds = 0</bpmn:script>"
LOOP_AT = "<bpmn:outgoing>f_init_check</bpmn:outgoing>\n"
CONDITION = 'decision == "accept"</bpmn:conditionExpression>'


def with_script(script: str) -> dict[str, bytes]:
    return replaced(
        procedure_bundle(),
        SCRIPT,
        f"<bpmn:script>supplement_rounds = 0\n{escape(script)}</bpmn:script>",
    )


def with_loop(characteristics: str) -> dict[str, bytes]:
    """The init script task, made a loop (loop characteristics come before the script)."""
    return replaced(procedure_bundle(), LOOP_AT, LOOP_AT + characteristics + "\n")


def with_condition(condition: str) -> dict[str, bytes]:
    return replaced(
        procedure_bundle(), CONDITION, f"{escape(condition)}</bpmn:conditionExpression>"
    )


STANDARD_LOOP = (
    "<bpmn:standardLoopCharacteristics {attrs}>{body}</bpmn:standardLoopCharacteristics>"
)
MULTI = (
    "<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>{n}</bpmn:loopCardinality>"
    "</bpmn:multiInstanceLoopCharacteristics>"
)
#: id -> (bundle, element the error names, words in it): refused when deployed.
REFUSED_AT_DEPLOY: dict[str, tuple[dict[str, bytes], str, str]] = {
    # A2: callables escaping the checked call path
    "rebind-builtin": (
        with_script("abs = '1'.zfill\nx = abs(200000000)"),
        "init_dossier",
        "'abs' is the name of a function",
    ),
    "method-as-key": (
        with_script("x = sorted(['1'], key='a'.zfill)"),
        "init_dossier",
        "must be called where it is named",
    ),
    "function-as-key": (
        with_script("x = sorted(['b', 'a'], key=len)"),
        "init_dossier",
        "may only be called",
    ),
    "method-in-comprehension-condition": (
        with_condition("decision == 'accept' and any(len(z) for z in ['1'.zfill])"),
        "f_accept",
        "must be called where it is named",
    ),
    "for-target-rebinds": (
        with_script("for len in ['x']:\n    pass"),
        "init_dossier",
        "cannot be assigned",
    ),
    # A6: content that used to deploy and then fail with 500
    "sum-of-4000-terms": (
        with_script("total = " + "+".join(["1"] * 4000)),
        "init_dossier",
        "arithmetic operators",
    ),
    "2000-nested-not": (with_condition("not " * 2000 + "decision"), "f_accept", "nests too deeply"),
    "nested-brackets": (
        with_script("x = " + "[" * 500 + "]" * 500),
        "init_dossier",
        "nests too deeply",
    ),
    "float-nan": (with_script("x = float('nan')"), "init_dossier", "cannot be stored"),
    "float-inf": (with_script("x = float('inf')"), "init_dossier", "cannot be stored"),
    "literal-inf": (with_script("x = 1e999"), "init_dossier", "cannot be stored"),
    # A5: loops
    "cardinality-5000": (
        with_loop(MULTI.format(n=5000)),
        "init_dossier",
        f"loopCardinality 5000 is more than the {MAX_LOOP_ITERATIONS}",
    ),
    "loop-condition-true-without-maximum": (
        with_loop(
            STANDARD_LOOP.format(attrs="", body="<bpmn:loopCondition>True</bpmn:loopCondition>")
        ),
        "init_dossier",
        "needs loopMaximum",
    ),
    "loop-maximum-5000": (
        with_loop(STANDARD_LOOP.format(attrs='loopMaximum="5000"', body="")),
        "init_dossier",
        f"loopMaximum '5000' must be a whole number from 1 to {MAX_LOOP_ITERATIONS}",
    ),
}
STEP_LOOP = replaced(
    with_loop(STANDARD_LOOP.format(attrs='loopMaximum="100"', body="")),
    SCRIPT,
    "<bpmn:script>n = 0\nfor a in range(10000):\n    for b in range(2):\n        n += 1"
    "\nsupplement_rounds = 0</bpmn:script>",
)
#: id -> (bundle, words of the 422 its submission gets): deploys, then refuses every submission.
REFUSED_AT_RUN_TIME: dict[str, tuple[dict[str, bytes], str]] = {
    "zfill-from-data": (
        with_script("x = '1'.zfill(len(dossier_code) * 100000000)"),
        r"'init_dossier': zfill\(\) wider than 100000$",
    ),
    "repeat-from-data": (with_script("x = 'ab' * (len(dossier_code) * 100000000)"), "longer than"),
    "nan-from-data": (with_script("x = float(dossier_code[:0] + 'nan')"), "nan"),
    "inf-by-arithmetic": (with_script("x = [1e308 * len(dossier_code)]"), "inf"),
    "shared-references": (
        with_script(
            "big = [0] * 100000\nrows = []\nfor i in range(1000):\n"
            "    rows.append(big)\nx = str(rows)"
        ),
        "elements in all",
    ),
    "runaway-loop": (
        with_script("n = 0\nfor a in range(10000):\n    for b in range(10000):\n        n += 1"),
        "operations|seconds",
    ),
    # Each run stays under what one evaluation was allowed before; a hundred runs in one step
    # held the write lock for a minute: the bound is on the step now.
    "step-budget-over-a-loop": (STEP_LOOP, "operations|seconds"),
    "cardinality-from-data": (
        with_loop(MULTI.format(n="len(dossier_code) * 1000")),
        f"at most {MAX_LOOP_ITERATIONS} are allowed",
    ),
}


def _deploy(http: HttpApi, files: dict[str, bytes], expect: int) -> Any:
    return upload(http, files, expect=expect).get_json()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", sorted(REFUSED_AT_DEPLOY))
def test_hostile_content_is_refused_at_deploy_with_its_line_and_element(
    http: HttpApi, case: str
) -> None:
    files, element, words = REFUSED_AT_DEPLOY[case]
    problem = _deploy(http, files, 422)
    errors = [e for e in problem["errors"] if e["severity"] == "error"]
    matching = [e for e in errors if re.search(words, e["message"])]
    assert matching, f"no error says {words!r}: {errors}"
    assert matching[0]["element_id"] == element
    assert matching[0]["file"] == DIAGRAM
    assert isinstance(matching[0]["line"], int) and matching[0]["line"] > 1
    versions = http.call("GET", f"/api/v1/definitions/{KEY}/versions", "analyst")
    assert versions["total"] == 1
    http.submit()  # the deployed version goes on working


@pytest.mark.timeout(60)
@pytest.mark.parametrize("case", sorted(REFUSED_AT_RUN_TIME))
def test_hostile_content_that_deploys_fails_only_its_own_submission(
    http: HttpApi, case: str
) -> None:
    before = http.submit()["code"]
    files, words = REFUSED_AT_RUN_TIME[case]
    assert _deploy(http, files, 201)["version"] == 2
    # The work is bounded: CPU time of this thread (the test client runs the request in it),
    # which a loaded machine does not stretch as it does wall time; a hang is the timeout's.
    started = time.thread_time()
    problem = http.submit(expect=422)
    assert time.thread_time() - started < 15
    assert problem["code"] == "process-error"
    assert problem["detail"].startswith("the procedure could not continue")
    assert re.search(words, problem["detail"]), problem["detail"]
    assert http.call("GET", "/api/v1/dossiers", "citizen")["total"] == 1
    http.act(before, "reception", ACCEPT)  # the dossier on version 1 is unaffected
    assert http.dossier(before)["status"]["code"] == 4


@pytest.mark.timeout(60)
def test_other_dossiers_write_while_a_hostile_submission_is_refused(
    app: Flask, http: HttpApi
) -> None:
    other = http.submit()["code"]
    task = http.task_for(other, "reception")
    files, _words = REFUSED_AT_RUN_TIME["step-budget-over-a-loop"]
    _deploy(http, files, 201)
    tokens = {user: http.token(user) for user in ("citizen", "reception")}
    started = threading.Barrier(2)
    body = {
        "procedure": KEY,
        "unit": "000.00.07.H29",
        "applicant": http_applicant(),
        "data": http_submission(),
        "channel": "online",
    }

    def hostile() -> tuple[int, float]:
        client = app.test_client()
        started.wait()
        begun = time.monotonic()
        response = client.post(
            "/api/v1/dossiers", json=body, headers={"Authorization": f"Bearer {tokens['citizen']}"}
        )
        return response.status_code, time.monotonic() - begun

    def others() -> list[int]:
        client = app.test_client()
        auth = {"Authorization": f"Bearer {tokens['reception']}"}
        started.wait()
        return [
            client.post(f"/api/v1/tasks/{task['id']}/claim", headers=auth).status_code,
            client.post(
                f"/api/v1/tasks/{task['id']}/complete", json={"data": ACCEPT}, headers=auth
            ).status_code,
            client.get(f"/api/v1/dossiers/{other}", headers=auth).status_code,
        ]

    with ThreadPoolExecutor(max_workers=2) as pool:
        refused = pool.submit(hostile)
        written = pool.submit(others)
        assert written.result() == [200, 200, 200]
        status, seconds = refused.result()
    assert status == 422
    assert seconds < 10  # the step's deadline is 2 s of its own work
    assert http.dossier(other)["status"]["code"] == 4
    assert http.call("GET", "/api/v1/dossiers", "citizen")["total"] == 1


def http_applicant() -> dict[str, Any]:
    from tests.support import applicant

    return applicant()


def http_submission() -> dict[str, Any]:
    from tests.support import submission

    return submission()
