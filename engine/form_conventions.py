"""Names the engine gives meaning to in a procedure's forms and diagram properties.

A procedure's author writes them into the task forms and the BPMN `motcua:` properties
(docs/authoring.md); the engine reads them to apply legal consequences (an outcome, Mẫu 01's
list of documents received, Mẫu 04's new appointment). One name, one place.
"""

from __future__ import annotations

from typing import Final

# -- fields of a task's form -----------------------------------------------------------------
#: The task's outcome, recorded on its work item (`approve`, `reject`, `reappoint`, ...).
DECISION: Final = "decision"
#: The documents reception received, listed on Mẫu 01 at acceptance.
DOCUMENTS_RECEIVED: Final = "documents_received"
#: Mẫu 04: the new appointment day (YYYY-MM-DD), why, and the apology's text.
NEW_DUE_DATE: Final = "new_due_date"
REASON: Final = "reason"
APOLOGY: Final = "apology"

#: The `decision` that asks for a new appointment on a `reappointment` task.
REAPPOINT: Final = "reappoint"

# -- flags of a diagram node (`motcua:` properties) --------------------------------------------
#: A user task whose `reappoint` decision issues Mẫu 04.
REAPPOINTMENT_FLAG: Final = "reappointment"
#: A node that flags the dossier as about to be late (R-2.5) when it happens.
OVERDUE_WARNING_FLAG: Final = "overdue_warning"

#: The BPMN message an applicant's supplement is delivered as.
SUPPLEMENT_MESSAGE: Final = "supplement_submitted"

# -- fields of a submission form ----------------------------------------------------------------
#: The documents attached to a submission or a supplement: `[{name, sha256?}]`; a SHA-256 names a
#: file stored for the dossier (checked when a supplement lists it).
ATTACHMENTS: Final = "attachments"
