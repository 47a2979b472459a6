"""Who submits a dossier: a person (citizen) or an employer declaring for its employees.

A procedure declares the kind it takes with the process property `applicant` (`person`, the
default, or `employer`; checked at deploy, see docs/authoring.md). The dossier stores the
applicant as a dict; a person's has the keys it always had (`full_name`, `id_number`, ...) and
no `kind`, an employer's adds `kind: employer`, `tax_code`, `unit_code` and `contact_name`, with
its registered name in `full_name` so that every reader of an applicant's name works for both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

APPLICANT_PERSON = "person"
APPLICANT_EMPLOYER = "employer"
APPLICANT_KINDS = frozenset({APPLICANT_PERSON, APPLICANT_EMPLOYER})
#: The property of a process that names the kind of applicant its procedure takes.
APPLICANT_PROPERTY = "applicant"


def kind_of(applicant: Mapping[str, Any]) -> str:
    """The kind of a stored applicant; dossiers from before employers are persons."""
    kind = applicant.get("kind")
    return kind if isinstance(kind, str) and kind in APPLICANT_KINDS else APPLICANT_PERSON


def identifier_of(applicant: Mapping[str, Any]) -> str:
    """What the public lookup checks beside the code: a person's ID number, an employer's tax
    code."""
    key = "tax_code" if kind_of(applicant) == APPLICANT_EMPLOYER else "id_number"
    return str(applicant.get(key) or "")
