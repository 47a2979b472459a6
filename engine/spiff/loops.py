"""Loop bounds checked when a diagram is deployed (the run-time bounds are in `scripting` and
`runtime`): a multi-instance activity's written-out `loopCardinality` and a standard loop's
`loopMaximum` may not exceed `MAX_LOOP_ITERATIONS`, and a standard loop must declare a
`loopMaximum` (a `loopCondition` alone, such as `True`, may never end)."""

from __future__ import annotations

from typing import Any

from engine.errors import DefinitionProblem
from engine.spiff.limits import MAX_LOOP_ITERATIONS
from engine.spiff.xml import BPMN_NS


def loop_problems(root: Any, filename: str) -> list[DefinitionProblem]:
    found: list[DefinitionProblem] = []

    def refuse(element: Any, message: str) -> None:
        owner = element.getparent()
        while owner is not None and not owner.get("id"):
            owner = owner.getparent()
        owner_id = owner.get("id") if owner is not None else None
        found.append(DefinitionProblem("error", message, filename, element.sourceline, owner_id))

    for loop in root.iter(f"{{{BPMN_NS}}}standardLoopCharacteristics"):
        maximum = loop.get("loopMaximum")
        if maximum is None:
            refuse(
                loop,
                f"a standard loop needs loopMaximum (at most {MAX_LOOP_ITERATIONS}); a loop "
                "condition alone may never end",
            )
        elif not _is_int(maximum) or not 0 < int(maximum) <= MAX_LOOP_ITERATIONS:
            refuse(
                loop,
                f"loopMaximum '{maximum[:40]}' must be a whole number from 1 to "
                f"{MAX_LOOP_ITERATIONS}",
            )
    for cardinality in root.iter(f"{{{BPMN_NS}}}loopCardinality"):
        text = (cardinality.text or "").strip()
        if _is_int(text) and int(text) > MAX_LOOP_ITERATIONS:
            refuse(
                cardinality,
                f"loopCardinality {text[:40]} is more than the {MAX_LOOP_ITERATIONS} instances "
                "a multi-instance activity may have",
            )
    return found


def _is_int(text: str) -> bool:
    stripped = text.strip()
    return stripped.isdigit() and len(stripped) < 20
