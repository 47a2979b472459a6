"""Which fields of a step's form the applicant is told: the form's `x-applicant-visible` keyword.

A form lists, beside its `properties`, the fields whose values are addressed to the applicant and
from when they may see them:

    "x-applicant-visible": {"missing_documents": "completed", "new_card_number": "resolved"}

`completed`: as soon as the step is completed (what reception asks for in Mẫu 02, the reasons of
a refusal); `resolved`: only once the dossier is resolved (status 9), and only the step's last
completion (a specialist's proposal becomes the applicant's result once the leader has signed
it; a proposal the leader sent back is never shown). Every other field stays internal. JSON
Schema ignores keywords it does not know, so validation is unaffected.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Literal

KEYWORD = "x-applicant-visible"
ON_COMPLETION = "completed"
ON_RESOLUTION = "resolved"
Moment = Literal["completed", "resolved"]


def applicant_fields(schema: Mapping[str, Any]) -> dict[str, Moment]:
    """Field -> from when the applicant sees it, by field name (a stored form's key order is not
    kept by every database: PostgreSQL's JSONB reorders keys); empty for a form that shows
    nothing (or whose annotation is malformed, which the deploy checks refuse)."""
    declared = schema.get(KEYWORD)
    if visibility_problems(schema) or not isinstance(declared, Mapping):
        return {}
    return {str(name): declared[name] for name in sorted(declared)}


def field_title(schema: Mapping[str, Any], name: str) -> str:
    found = schema.get("properties", {}).get(name)
    title = found.get("title") if isinstance(found, Mapping) else None
    return title if isinstance(title, str) and title else name


def visibility_problems(schema: Mapping[str, Any]) -> list[str]:
    """Why the form's `x-applicant-visible` cannot be used; empty when it is absent or sound."""
    if KEYWORD not in schema:
        return []
    declared = schema[KEYWORD]
    if not isinstance(declared, Mapping):
        return [f'{KEYWORD} must be an object such as {{"reasons": "{ON_COMPLETION}"}}']
    properties = schema.get("properties")
    known = set(properties) if isinstance(properties, Mapping) else set()
    problems = []
    for name, moment in declared.items():
        if name not in known:
            problems.append(f"{KEYWORD}: '{name}' is not a field of this form's properties")
        if moment not in (ON_COMPLETION, ON_RESOLUTION):
            problems.append(
                f"{KEYWORD}: '{name}' must be '{ON_COMPLETION}' or '{ON_RESOLUTION}', "
                f"not {json.dumps(moment, ensure_ascii=False)}"
            )
    return problems
