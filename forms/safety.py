"""What a form may contain, checked when its procedure is deployed (docs/authoring.md, "Forms:
what a form may contain").

A form is untrusted input: an analyst's JSON Schema runs on every citizen's submission. So:

- References (`$ref`, `$dynamicRef`) stay inside the bundle: a fragment of the same form
  (`#/$defs/address`, `#anchor`) or another form of the bundle by its file name or its `$id`
  (`address.json#/$defs/street`). Nothing is ever fetched (validation uses a registry of the
  bundle's forms only, forms/dialect.py). `$id` is a plain name, only at a form's top level;
  `$schema` is Draft 2020-12 or absent; `$vocabulary` is refused.
- Patterns (`pattern`, `patternProperties`) are RE2 syntax (linear time: no backreferences, no
  lookaround), at most `MAX_PATTERN_LENGTH` characters and `MAX_PATTERN_NESTING` nested groups
  (forms/patterns.py).
- No reference cycle that comes back to the same value without descending into it
  (`{"$defs": {"a": {"$ref": "#/$defs/a"}}}`, `allOf: [{"$ref": "#"}]`): it would never end.
- Cost bounds: at most `MAX_NODES` JSON values in a bundle's forms, `MAX_DEPTH` levels of
  nesting, and `MAX_EXPANSION` schemas applied to one value (references shared many times, the
  "billion laughs" of schemas).

Every problem names the file and the JSON pointer of the offending keyword.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from forms.patterns import pattern_problem
from forms.pointers import pointer, typed_parts, value_at

DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"
MAX_NODES = 300_000
MAX_DEPTH = 64
MAX_EXPANSION = 10_000
#: A form's name in the bundle, as a reference or `$id` gives it: `address.json`.
PLAIN_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,199}$")

#: Keywords whose value is one sub-schema / a list of them / a name -> sub-schema map.
_SCHEMA = (
    "not",
    "if",
    "then",
    "else",
    "items",
    "contains",
    "additionalProperties",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
    "contentSchema",
)
_SCHEMA_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
_SCHEMA_MAP = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
#: Applied to the very value the schema is applied to (not to a part of it).
_SAME_VALUE = ("not", "if", "then", "else")
_SAME_VALUE_LIST = ("allOf", "anyOf", "oneOf")
_SAME_VALUE_MAP = ("dependentSchemas",)
_REFS = ("$ref", "$dynamicRef")


@dataclass(frozen=True, slots=True)
class FormProblem:
    file: str
    message: str


def bundle_names(schemas: Mapping[str, Any]) -> dict[str, str]:
    """Every name a form of the bundle may be referred to by -> its file name."""
    names: dict[str, str] = {}
    for file, schema in schemas.items():
        names[file] = file
        declared = schema.get("$id") if isinstance(schema, Mapping) else None
        if isinstance(declared, str) and PLAIN_NAME.match(declared):
            names.setdefault(declared, file)
    return names


def bundle_problems(schemas: Mapping[str, Any]) -> list[FormProblem]:
    """Why the bundle's forms (file name -> parsed JSON) cannot be deployed; empty when fine."""
    problems: list[FormProblem] = []
    total = 0
    scanned: dict[str, _Scan] = {}
    for file, schema in sorted(schemas.items()):
        scan = _scan(file, schema)
        total += scan.nodes
        problems.extend(FormProblem(file, m) for m in scan.problems)
        scanned[file] = scan
    if total > MAX_NODES:
        problems.append(
            FormProblem(
                "(bundle)",
                f"the bundle's forms hold {total} JSON values; at most {MAX_NODES} are allowed",
            )
        )
    if problems:
        return problems  # the reference checks below rely on a sound structure
    if any(s.unevaluated_properties for s in scanned.values()) and any(
        s.pattern_properties for s in scanned.values()
    ):
        # jsonschema evaluates `unevaluatedProperties` with Python's backtracking `re` over the
        # `patternProperties` it meets: the two together would undo the RE2 guarantee.
        where = next(f for f, s in scanned.items() if s.unevaluated_properties)
        problems.append(
            FormProblem(
                where,
                "unevaluatedProperties cannot be combined with patternProperties in one "
                f"bundle (at {scanned[where].unevaluated_properties})",
            )
        )
    names = bundle_names(schemas)
    ids = [s.get("$id") for s in schemas.values() if isinstance(s, Mapping)]
    for file, schema in sorted(schemas.items()):
        declared = schema.get("$id") if isinstance(schema, Mapping) else None
        if declared is not None and (names.get(declared) != file or ids.count(declared) > 1):
            problems.append(
                FormProblem(file, f"$id '{declared}' at # is already the name of another form")
            )
    graph = _Graph(schemas, names, scanned)
    problems.extend(graph.reference_problems())
    if not problems:
        problems.extend(graph.cycle_and_cost_problems())
    return problems


@dataclass(slots=True)
class _Scan:
    nodes: int
    problems: list[str]
    #: pointer parts of every schema object of the form (not of data such as `enum` values)
    schemas: list[tuple[str | int, ...]]
    #: `$anchor` / `$dynamicAnchor` name -> pointer parts
    anchors: dict[str, tuple[str | int, ...]]
    #: pointer of the first `unevaluatedProperties` / `patternProperties`, "" when none
    unevaluated_properties: str = ""
    pattern_properties: str = ""


def _scan(file: str, schema: Any) -> _Scan:
    """Count and bound the form's JSON, and check each schema object's own keywords."""
    found = _Scan(nodes=0, problems=[], schemas=[], anchors={})
    # Iterative: a form nested 10,000 levels deep must not exhaust the interpreter's stack.
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(schema, ())]
    while stack:
        value, parts = stack.pop()
        found.nodes += 1
        if len(parts) > MAX_DEPTH:
            found.problems.append(
                f"nested more than {MAX_DEPTH} levels deep at {pointer(parts[:MAX_DEPTH])}"
            )
            return found
        if isinstance(value, Mapping):
            stack.extend((v, (*parts, str(k))) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, (*parts, i)) for i, v in enumerate(value))
        if found.nodes > MAX_NODES:
            found.problems.append(f"more than {MAX_NODES} JSON values in one form")
            return found
    for node, parts in _schema_objects(schema, ()):
        found.schemas.append(parts)
        if "unevaluatedProperties" in node and not found.unevaluated_properties:
            found.unevaluated_properties = pointer((*parts, "unevaluatedProperties"))
        if "patternProperties" in node and not found.pattern_properties:
            found.pattern_properties = pointer((*parts, "patternProperties"))
        found.problems.extend(_keyword_problems(node, parts, found.anchors))
    return found


def _schema_objects(
    node: Any, parts: tuple[str | int, ...]
) -> Iterator[tuple[Mapping[str, Any], tuple[str | int, ...]]]:
    stack = [(node, parts)]
    while stack:
        node, parts = stack.pop()
        if not isinstance(node, Mapping):
            continue
        yield node, parts
        for keyword, sub in _subschemas(node):
            stack.append((sub, (*parts, *keyword)))


def _subschemas(node: Mapping[str, Any]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    for keyword in _SCHEMA:
        if keyword in node:
            yield (keyword,), node[keyword]
    for keyword in _SCHEMA_LIST:
        if isinstance(node.get(keyword), list):
            for i, sub in enumerate(node[keyword]):
                yield (keyword, i), sub
    for keyword in _SCHEMA_MAP:
        if isinstance(node.get(keyword), Mapping):
            for name, sub in node[keyword].items():
                yield (keyword, str(name)), sub


def _keyword_problems(
    node: Mapping[str, Any],
    parts: tuple[str | int, ...],
    anchors: dict[str, tuple[str | int, ...]],
) -> Iterator[str]:
    where = pointer(parts)
    if "$id" in node:
        value = node["$id"]
        if parts:
            yield f"$id at {pointer((*parts, '$id'))}: a form may declare $id only at its top level"
        elif not (isinstance(value, str) and PLAIN_NAME.match(value)):
            yield (
                f"$id at {pointer(('$id',))} must be a plain name such as 'address.json' (no "
                "scheme, no '/', no '#'): a form is known only inside its bundle"
            )
    if "$schema" in node and node["$schema"] not in (DRAFT_2020_12, DRAFT_2020_12 + "#"):
        yield f"$schema at {pointer((*parts, '$schema'))} must be '{DRAFT_2020_12}' or left out"
    if "$vocabulary" in node:
        yield f"$vocabulary at {pointer((*parts, '$vocabulary'))} is not allowed in a form"
    for keyword in ("$anchor", "$dynamicAnchor"):
        if keyword in node:
            name = node[keyword]
            if isinstance(name, str) and name not in anchors:
                anchors[name] = parts
            elif isinstance(name, str):
                yield f"{keyword} '{name}' at {where} is declared twice in the form"
    for keyword in _REFS:
        if keyword in node and not isinstance(node[keyword], str):
            yield f"{keyword} at {pointer((*parts, keyword))} must be a string"
    if "pattern" in node:
        problem = pattern_problem(node["pattern"])
        if problem:
            yield f"pattern at {pointer((*parts, 'pattern'))}: {problem}"
    if isinstance(node.get("patternProperties"), Mapping):
        for name in node["patternProperties"]:
            problem = pattern_problem(name)
            if problem:
                where = pointer((*parts, "patternProperties", name))
                yield f"patternProperties key at {where}: {problem}"


_Node = tuple[str, tuple[str | int, ...]]


class _Graph:
    """The bundle's schema objects and the edges that apply one to the same value."""

    def __init__(
        self, schemas: Mapping[str, Any], names: Mapping[str, str], scans: Mapping[str, _Scan]
    ) -> None:
        self.schemas = schemas
        self.names = names
        self.scans = scans
        self.edges: dict[_Node, list[tuple[str, _Node]]] = {}
        self.problems: list[FormProblem] = []
        self.nodes = {(file, parts) for file, scan in scans.items() for parts in scan.schemas}
        for file, scan in scans.items():
            for parts in scan.schemas:
                node = value_at(schemas[file], parts)
                assert isinstance(node, Mapping)
                self.edges[(file, parts)] = list(self._same_value(file, parts, node))

    def reference_problems(self) -> list[FormProblem]:
        return self.problems

    def _same_value(
        self, file: str, parts: tuple[str | int, ...], node: Mapping[str, Any]
    ) -> Iterator[tuple[str, _Node]]:
        for keyword in _REFS:
            if keyword in node:
                where = pointer((*parts, keyword))
                target = self._resolve(file, node[keyword], where)
                if target is not None:
                    yield f"{keyword} at {where}", target
        for keyword in _SAME_VALUE:
            if isinstance(node.get(keyword), Mapping):
                yield f"{keyword} at {pointer((*parts, keyword))}", (file, (*parts, keyword))
        for keyword in _SAME_VALUE_LIST:
            if isinstance(node.get(keyword), list):
                for i, sub in enumerate(node[keyword]):
                    if isinstance(sub, Mapping):
                        yield (
                            f"{keyword} at {pointer((*parts, keyword, i))}",
                            (
                                file,
                                (*parts, keyword, i),
                            ),
                        )
        for keyword in _SAME_VALUE_MAP:
            if isinstance(node.get(keyword), Mapping):
                for name, sub in node[keyword].items():
                    if isinstance(sub, Mapping):
                        yield (
                            f"{keyword} at {pointer((*parts, keyword, name))}",
                            (
                                file,
                                (*parts, keyword, str(name)),
                            ),
                        )

    def _resolve(self, file: str, reference: str, where: str) -> _Node | None:
        def refuse(why: str) -> None:
            self.problems.append(FormProblem(file, f"reference '{reference}' at {where} {why}"))

        name, _, fragment = reference.partition("#")
        if name and not PLAIN_NAME.match(name):
            refuse(
                "points outside the bundle: a form may refer only to its own '#/$defs/...' "
                "and to other forms of the bundle by file name or $id (nothing is fetched)"
            )
            return None
        target = self.names.get(name, None) if name else file
        if target is None:
            refuse(f"names '{name}', which is not a form of the bundle")
            return None
        if not fragment:
            return (target, ())
        if fragment.startswith("/"):
            parts = tuple(
                unquote(p).replace("~1", "/").replace("~0", "~") for p in fragment[1:].split("/")
            )
            found = typed_parts(self.schemas[target], parts)
            if found is None:
                refuse(f"points to nothing in {target}")
                return None
            # Only schema objects are nodes: a pointer to `true`/`false` applies nothing.
            return (target, found) if (target, found) in self.nodes else None
        anchor = self.scans[target].anchors.get(unquote(fragment))
        if anchor is None:
            refuse(f"names no $anchor '{fragment}' in {target}")
            return None
        return (target, anchor)

    def cycle_and_cost_problems(self) -> list[FormProblem]:
        """Cycles of same-value edges never end; a shared sub-schema reached along many paths
        multiplies the work done on one value."""
        # The edges of a reference are resolved as the graph is built: self.problems is final.
        problems: list[FormProblem] = []
        cost: dict[_Node, int] = {}
        state: dict[_Node, int] = {}  # 1: on the path, 2: done
        for start in sorted(self.edges):
            if start in state:
                continue
            path: list[tuple[_Node, Iterator[tuple[str, _Node]]]] = [
                (start, iter(self.edges[start]))
            ]
            via: list[str] = []
            state[start] = 1
            while path:
                node, children = path[-1]
                step = next(children, None)
                if step is None:
                    state[node] = 2
                    cost[node] = min(
                        MAX_EXPANSION + 1, 1 + sum(cost.get(c, 0) for _, c in self.edges[node])
                    )
                    path.pop()
                    if via:
                        via.pop()
                    continue
                label, child = step
                if state.get(child) == 1:
                    loop = [*via[[n for n, _ in path].index(child) :], label]
                    problems.append(
                        FormProblem(
                            node[0],
                            "reference cycle that never descends into the value: "
                            + " -> ".join(loop)
                            + f" leads back to {pointer(child[1])}"
                            + (f" of {child[0]}" if child[0] != node[0] else ""),
                        )
                    )
                    return problems
                if child not in state:
                    state[child] = 1
                    via.append(label)
                    path.append((child, iter(self.edges[child])))
        for node, value in sorted(cost.items()):
            if value > MAX_EXPANSION:
                problems.append(
                    FormProblem(
                        node[0],
                        f"the schema at {pointer(node[1])} applies more than {MAX_EXPANSION} "
                        "schemas to one value (references shared along many paths)",
                    )
                )
                break
        return problems
