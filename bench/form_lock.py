"""How long a submission holds the database's write lock while its form is checked (issue 12, A4).

Deploys cap_lai_the_bhyt with a submission form that is legal (within every deploy bound) but
costly to check: a list whose items must match one of 2,000 alternatives (`anyOf`). One thread
submits a dossier with 50 such items; meanwhile the main thread opens write transactions
(SQLite: BEGIN IMMEDIATE) one after another and records how long each waited for the lock. The
longest wait is the time the submission held the lock.

    .venv/bin/python bench/form_lock.py                       # this checkout
    PYTHONPATH=../other .venv/bin/python bench/form_lock.py   # another checkout, to compare

Since the validation budget (forms/prepared.py, MAX_CHECKS) the submission is refused with a
422 naming the form once its checks exceed the budget; the bench reports the answer and the
submission's CPU time (its thread's), which the budget bounds.

Not part of the test suite (the test suite checks the behaviour: tests/http/test_hostile_forms.py,
invalid data is answered while another writer holds the lock).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

from engine.context import build
from engine.definitions.bundles import bundle_from_directory
from engine.errors import ValidationFailedError
from engine.security.authz import Actor
from engine.services import definitions, dossiers, units, users
from engine.services.dossiers import Applicant, SubmitDossier
from engine.services.users import NewUser
from engine.settings import Settings
from storage.migrate import upgrade

REPO = Path(__file__).resolve().parent.parent
UNIT = "000.00.07.H29"
ADMIN = Actor(user_id=None, username="bench", roles=frozenset({"admin"}), unit_code=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--alternatives", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="motcua-bench-") as tmp_dir:
        tmp = Path(tmp_dir)
        settings = Settings.from_env(
            {
                "MOTCUA_ENV": "bench",
                "MOTCUA_VAR_DIR": str(tmp / "var"),
                "MOTCUA_DATABASE_URL": f"sqlite:///{tmp / 'bench.db'}",
                "MOTCUA_SECRET_KEY": "bench-secret-" + "x" * 40,
                "MOTCUA_PASSWORD_TIME_COST": "1",
                "MOTCUA_PASSWORD_MEMORY_KIB": "64",
            }
        )
        upgrade(settings.database_url)
        ctx = build(settings)
        units.create_unit(ctx, ADMIN, UNIT, "Bench unit")
        citizen = users.create_user(
            ctx, ADMIN, NewUser("citizen", "bench-password-1", "Citizen", ("citizen",), None)
        )
        files = bundle_from_directory(REPO / "bpmn" / "cap_lai_the_bhyt.bpmn", REPO / "forms")
        form = json.loads(files["submission.json"])
        form["properties"]["rows"] = {
            "type": "array",
            "items": {
                "anyOf": [
                    {"type": "object", "properties": {"k": {"const": i}}, "required": ["k"]}
                    for i in range(args.alternatives)
                ]
            },
        }
        files["submission.json"] = json.dumps(form).encode()
        definitions.deploy(ctx, ADMIN, files)
        data = {
            "full_name": "Nguyễn Văn An",
            "gender": "nam",
            "date_of_birth": "1990-05-17",
            "id_number": "001090012345",
            "social_insurance_code": "0123456789",
            "request_type": "reissue_lost",
            "result_address": "12 Phố Huế, Hà Nội",
            "rows": [{"k": args.alternatives - 1}] * args.rows,
        }
        command = SubmitDossier(
            procedure="cap_lai_the_bhyt",
            unit=UNIT,
            applicant=Applicant(full_name="Nguyễn Văn An", id_number="001090012345"),
            data=data,
        )
        actor = Actor(citizen.id, "citizen", frozenset({"citizen"}), None)
        # Warm-up: the first submission parses the diagram and loads the calendar (in the
        # write transaction, whatever the form); measure the ones after it.
        dossiers.submit_dossier(ctx, actor, replace(command, data={**data, "rows": []}))
        took: list[float] = []
        cpu: list[float] = []
        answers: list[str] = []

        def submit() -> None:
            start, start_cpu = time.perf_counter(), time.thread_time()
            try:
                dossiers.submit_dossier(ctx, actor, command)
                answers.append("accepted (201)")
            except ValidationFailedError as exc:
                answers.append(f"refused (422): {exc}")
            took.append(time.perf_counter() - start)
            cpu.append(time.thread_time() - start_cpu)

        submitter = threading.Thread(target=submit)
        waits: list[float] = []
        submitter.start()
        while submitter.is_alive():
            start = time.perf_counter()
            with ctx.uow():  # BEGIN IMMEDIATE: waits while another transaction writes
                waits.append(time.perf_counter() - start)
            time.sleep(0.01)  # leave the submitting thread the interpreter most of the time
        submitter.join()
        ctx.close()
    print(
        f"submission with {args.rows} rows x {args.alternatives} alternatives: {answers[0]}\n"
        f"{took[0] * 1000:.0f} ms in all, {cpu[0] * 1000:.0f} ms of CPU; {len(waits)} other "
        f"write transactions meanwhile, longest wait for the write lock {max(waits) * 1000:.0f} ms"
    )


if __name__ == "__main__":
    main()
