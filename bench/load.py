"""Closed-loop load over real HTTP: each client walks dossiers through the whole procedure
(submit, then claim + complete each user task named by the previous answer) as fast as the
server answers. Client processes x threads, one keep-alive connection per thread."""

from __future__ import annotations

import http.client
import json
import multiprocessing
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from tests.support import ACCEPT, APPRAISE, LEADER_APPROVE, PROCEDURE, RETURN, applicant, submission

#: The procedure's happy path: who completes each user task, with what.
STEPS: dict[str, tuple[str, dict[str, Any]]] = {
    "check_dossier": ("reception", ACCEPT),
    "appraise": ("specialist", APPRAISE),
    "approve_result": ("leader", LEADER_APPROVE),
    "return_result": ("reception", RETURN),
}
SUBMIT, CLAIM, COMPLETE = "POST /dossiers", "POST /tasks/{id}/claim", "POST /tasks/{id}/complete"


@dataclass
class LoadResult:
    dossiers: int
    tasks: int
    seconds: float
    latencies_ms: dict[str, list[float]]
    errors: list[str] = field(default_factory=list)
    client_cpu_s: float = 0.0

    @property
    def dossiers_per_s(self) -> float:
        return self.dossiers / self.seconds

    @property
    def tasks_per_s(self) -> float:
        return self.tasks / self.seconds


class _Client:
    def __init__(self, port: int, tokens: dict[str, str]) -> None:
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.tokens = tokens
        self.latencies: dict[str, list[float]] = defaultdict(list)

    def call(self, label: str, path: str, user: str, body: Any) -> Any:
        # An action without input (claim) takes no body: the API refuses one (even `null`).
        payload = json.dumps(body).encode() if body is not None else None
        headers = {"Authorization": f"Bearer {self.tokens[user]}"}
        if payload is not None:
            headers["Content-Type"] = "application/json"
        started = time.perf_counter()
        self.connection.request("POST", "/api/v1" + path, payload, headers)
        response = self.connection.getresponse()
        data = response.read()
        self.latencies[label].append((time.perf_counter() - started) * 1000)
        if response.status >= 300:
            raise RuntimeError(f"{label}: {response.status} {data[:300]!r}")
        return json.loads(data)

    def walk(self, unit: str) -> int:
        """One dossier from submission to the returned result; returns tasks completed."""
        dossier = self.call(
            SUBMIT,
            "/dossiers",
            "citizen",
            {"procedure": PROCEDURE, "unit": unit, "applicant": applicant(), "data": submission()},
        )
        steps, tasks = dossier["current_steps"], 0
        while steps:
            step = steps[0]
            role, data = STEPS[step["bpmn_id"]]
            self.call(CLAIM, f"/tasks/{step['task_id']}/claim", role, None)
            steps = self.call(COMPLETE, f"/tasks/{step['task_id']}/complete", role, {"data": data})[
                "current_steps"
            ]
            tasks += 1
        return tasks


def _client_process(
    port: int,
    tokens_by_unit: list[tuple[str, dict[str, str]]],
    threads: int,
    tickets: Any,
    start: Any,
    results: Any,
) -> None:
    merged: dict[str, list[float]] = defaultdict(list)
    counts: dict[str, float] = {"dossiers": 0, "tasks": 0}
    errors: list[str] = []
    lock = threading.Lock()

    def run(index: int) -> None:
        unit, tokens = tokens_by_unit[index % len(tokens_by_unit)]
        client = _Client(port, tokens)
        start.wait(timeout=120)
        while True:
            with tickets.get_lock():
                if tickets.value <= 0:
                    break
                tickets.value -= 1
            try:
                tasks = client.walk(unit)
            except Exception as exc:
                with lock:
                    errors.append(str(exc)[:300])
                client.connection.close()
                continue
            with lock:
                counts["dossiers"] += 1
                counts["tasks"] += tasks
        with lock:
            for label, values in client.latencies.items():
                merged[label].extend(values)

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    cpu_started = time.process_time()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    counts["cpu"] = time.process_time() - cpu_started
    results.put((counts, dict(merged), errors))


def run_load(
    port: int,
    tokens_by_unit: list[tuple[str, dict[str, str]]],
    *,
    dossiers: int,
    processes: int,
    threads: int,
) -> LoadResult:
    """Walk `dossiers` dossiers with processes x threads concurrent clients; wall time counts
    from the moment all clients are connected until the last dossier is finished."""
    mp = multiprocessing.get_context("spawn")
    tickets = mp.Value("i", dossiers)
    start = mp.Barrier(processes * threads + 1)  # every client thread, and this one
    results = mp.Queue()
    children = [
        mp.Process(
            target=_client_process,
            args=(
                port,
                tokens_by_unit[p::processes] or tokens_by_unit,
                threads,
                tickets,
                start,
                results,
            ),
        )
        for p in range(processes)
    ]
    for child in children:
        child.start()
    start.wait(timeout=120)
    began = time.perf_counter()
    gathered = [results.get(timeout=3600) for _ in children]
    seconds = time.perf_counter() - began
    for child in children:
        child.join()
    latencies: dict[str, list[float]] = defaultdict(list)
    total = {"dossiers": 0.0, "tasks": 0.0, "cpu": 0.0}
    errors: list[str] = []
    for counts, merged, errs in gathered:
        for key in total:
            total[key] += counts[key]
        errors.extend(errs)
        for label, values in merged.items():
            latencies[label].extend(values)
    return LoadResult(
        int(total["dossiers"]), int(total["tasks"]), seconds, dict(latencies), errors, total["cpu"]
    )


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]
