"""What the repository's forms cost to check (issue 12, A4/A6): the number of checks
(forms.prepared.MAX_CHECKS counts them) and the CPU time one validation takes.

For every form of forms/<procedure>/ it validates a full instance made from the schema: every
property filled (the first choice of each `enum`/`oneOf`/`anyOf`), every list with 10 rows (or
its `maxItems`, if more). Then the bench form of bench/form_lock.py (rows x alternatives).

    .venv/bin/python bench/form_cost.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import forms
from forms.prepared import MAX_CHECKS, last_checks

REPO = Path(__file__).resolve().parent.parent


def sample(schema: Any, root: dict[str, Any], depth: int = 0) -> Any:
    """A full instance of `schema` (it need not be valid: the cost is what counts)."""
    if not isinstance(schema, dict) or depth > 20:
        return None
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        return sample(root.get("$defs", {}).get(ref.split("/")[-1]), root, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for keyword in ("oneOf", "anyOf"):
        if schema.get(keyword):
            return sample(schema[keyword][0], root, depth + 1)
    kind = schema.get("type")
    kind = kind[0] if isinstance(kind, list) else kind
    if kind == "object" or "properties" in schema:
        return {
            name: sample(sub, root, depth + 1) for name, sub in schema.get("properties", {}).items()
        }
    if kind == "array":
        rows = max(10, min(schema.get("maxItems", 10), 50))
        return [sample(schema.get("items", {}), root, depth + 1) for _ in range(rows)]
    if kind == "string":
        if schema.get("format") == "date":
            return "2026-01-05"
        return "a" * max(1, schema.get("minLength", 1))
    if kind in ("integer", "number"):
        return schema.get("minimum", 1)
    if kind == "boolean":
        return True
    return "a"


def measure(schema: dict[str, Any], data: Any, bundle: dict[str, Any]) -> tuple[int, float, int]:
    start = time.thread_time()
    problems = forms.validate(schema, data, bundle=bundle, name="bench")
    took = time.thread_time() - start
    return last_checks.get(), took, len(problems)


def main() -> None:
    print(f"budget: {MAX_CHECKS:,} checks")
    worst = 0
    for directory in sorted((REPO / "forms").iterdir()):
        if not directory.is_dir():
            continue
        bundle = {
            path.stem: json.loads(path.read_text()) for path in sorted(directory.glob("*.json"))
        }
        for key, schema in bundle.items():
            checks, took, problems = measure(schema, sample(schema, schema), bundle)
            worst = max(worst, checks)
            print(
                f"{directory.name}/{key}.json: {checks} checks, {took * 1000:.1f} ms"
                f" ({problems} problems)"
            )
    margin = MAX_CHECKS // max(worst, 1)
    print(f"worst of the repository's forms: {worst} checks ({margin}x below the budget)")
    alternatives, rows = 2000, 50
    bench = {
        "type": "object",
        "properties": {
            "rows": {
                "type": "array",
                "items": {
                    "anyOf": [
                        {"type": "object", "properties": {"k": {"const": i}}, "required": ["k"]}
                        for i in range(alternatives)
                    ]
                },
            }
        },
    }
    data = {"rows": [{"k": alternatives - 1}] * rows}
    checks, took, problems = measure(bench, data, {"submission": bench})
    print(
        f"bench form ({rows} rows x {alternatives} alternatives): stopped after {checks} checks,"
        f" {took * 1000:.0f} ms ({problems} problems)"
    )


if __name__ == "__main__":
    main()
