"""What the law asks of every procedure's diagram, checked when it is deployed (warnings: the
deploy goes on, and `motcua validate` and the deploy answer list them).

- R-2.5: every procedure with a time limit needs the overdue path: a node with
  `overdue_warning=true` (e.g. an event sub-process's timer start `before_appointment(1)`) and a
  user task with `reappointment=true`, where the leader issues Mẫu 04.
- `applicant`: who submits, `person` (the default) or `employer`; another value is an error.
- The national procedure code (`procedure_code`, as DVCQG publishes it: one digit, a dot and
  six digits, e.g. 1.001667) is left out while it is not known: the catalogue then shows
  "chưa xác định" (`UNKNOWN_CODE`). A value in another format is a placeholder, never a code
  to publish.
"""

from __future__ import annotations

import re

from engine.applicants import APPLICANT_KINDS
from engine.errors import DefinitionProblem
from engine.form_conventions import OVERDUE_WARNING_FLAG, REAPPOINTMENT_FLAG
from engine.procedures.model import ProcedureModel

NATIONAL_CODE = re.compile(r"^\d\.\d{6}$")
UNKNOWN_CODE = "chưa xác định"


def check(model: ProcedureModel, filename: str, line: int | None) -> list[DefinitionProblem]:
    def warn(message: str) -> DefinitionProblem:
        return DefinitionProblem("warning", message, filename, line, model.key)

    found = []
    if model.applicant_kind not in APPLICANT_KINDS:
        found.append(
            DefinitionProblem(
                "error",
                f"process property applicant '{model.applicant_kind}' is not a kind of "
                "applicant: write 'person' (the default: a citizen submits) or 'employer' (an "
                "employer submits for its employees, with its tax code and BHXH unit code)",
                filename,
                line,
                model.key,
            )
        )
    if model.code is not None and not NATIONAL_CODE.match(model.code):
        found.append(
            warn(
                f"process property procedure_code '{model.code}' is not a national procedure "
                "code (like 1.001667); leave it out while the code is not known"
            )
        )
    if model.sla is not None:
        warns = any(node.flag(OVERDUE_WARNING_FLAG) for node in model.nodes.values())
        reappoints = any(
            node.is_user_task and node.flag(REAPPOINTMENT_FLAG) for node in model.nodes.values()
        )
        if not (warns and reappoints):
            found.append(
                warn(
                    "R-2.5: the procedure has a time limit but no overdue path (a timer with "
                    "overdue_warning=true, e.g. before_appointment(1), and a user task with "
                    "reappointment=true for Mẫu 04)"
                )
            )
    return found
