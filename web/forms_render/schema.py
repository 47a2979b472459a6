"""A form's JSON Schema read once into a tree of fields to render (the schema is untrusted: an
analyst deploys it; anything this module does not understand becomes a JSON text field, and
nesting is bounded).

Conventions (docs/web.md, "The form renderer"):

- `title` is the label (a leading `[01] ` number is kept), `description` the hint.
- Choices: `oneOf`/`anyOf` of `{"const": v, "title": "..."}`; or `enum` with `x-enum-titles`
  (an object `{value: title}`, or a list parallel to `enum`); or `enum` with a description of the
  form `value: label; value: label` naming every value (what the shipped forms use); otherwise
  the values themselves. Five choices or fewer are radios, more a select.
- `type: boolean` is a checkbox; `format: date` a date input (a `dd/mm/yyyy` text fallback is
  accepted); `integer`/`number` text inputs with a numeric keyboard; strings longer than
  `LONG_TEXT` characters (`maxLength`) or with `x-multiline: true` a text area.
- Objects are fieldsets; arrays are repeatable rows (of objects or of single values).
- `required` marks fields; `if`/`then` in `allOf` (or at an object's top) with a `const`/`enum`
  condition on a sibling field makes the `then.required` fields "required when ...".
- `x-autocomplete` sets the browser's autocomplete token; common names get one by default.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import quote

Kind = Literal[
    "text", "textarea", "integer", "number", "date", "boolean", "choice", "object", "array", "json"
]
#: Longer strings get a text area.
LONG_TEXT = 300
#: Radios up to this many choices, a select beyond.
MAX_RADIOS = 5
#: Deeper nesting is edited as JSON text (bounds the work an analyst's schema can cause).
MAX_DEPTH = 8
#: Rows shown for an array without `maxItems`.
DEFAULT_MAX_ROWS = 50
MAX_REF_HOPS = 16
_NUMBERED_LABEL = re.compile(r"^\s*\[\d+\]\s*")
_ENUM_DESCRIPTION_ITEM = re.compile(r"^\s*([^:;]+?)\s*:\s*(.+?)\s*$")
AUTOCOMPLETE = {
    "full_name": "name",
    "phone": "tel",
    "email": "email",
    "date_of_birth": "bday",
    "address": "street-address",
    "result_address": "street-address",
}


@dataclass(frozen=True, slots=True)
class Condition:
    """`field` (a sibling in the same object) has one of `values`."""

    field: str
    values: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class Field:
    key: str
    kind: Kind
    label: str
    hint: str | None
    required: bool
    #: Required only when this holds (an `if`/`then` of the enclosing object).
    required_when: Condition | None = None
    choices: tuple[tuple[Any, str], ...] = ()
    #: Object properties in order; for arrays, `item` describes one row.
    children: tuple[Field, ...] = ()
    item: Field | None = None
    min_items: int = 0
    max_items: int = DEFAULT_MAX_ROWS
    max_length: int | None = None
    autocomplete: str | None = None
    default: Any = None

    @property
    def widget(self) -> str:
        if self.kind == "choice":
            return "radios" if len(self.choices) <= MAX_RADIOS else "select"
        return self.kind

    def child(self, key: str) -> Field | None:
        return next((c for c in self.children if c.key == key), None)

    def choice_label(self, value: Any) -> str:
        return next((label for v, label in self.choices if v == value), str(value))


def read_schema(schema: Mapping[str, Any]) -> Field:
    """The root object of a form; the root's title is not a field label but the form's title."""
    return _Reader(schema).field("", schema, required=True, depth=0)


def short_label(label: str) -> str:
    """A label without its form number, to use inside a sentence: `[01] Họ và tên` -> `Họ và
    tên`."""
    return _NUMBERED_LABEL.sub("", label).strip() or label


def encode_key(key: str) -> str:
    """A property name as one segment of an input name: dots and percent signs escaped, so the
    dotted names (`attachments.0.name`) stay unambiguous whatever an analyst names a field."""
    if not re.search(r"[^A-Za-z0-9_\-]", key):
        return key
    return quote(key, safe="").replace(".", "%2E")


@dataclass
class _Reader:
    root: Mapping[str, Any]
    _seen_refs: int = field(default=0)

    def resolve(self, node: Any) -> Mapping[str, Any]:
        """Follow local `$ref`s (`#/$defs/...`); anything else is not followed."""
        hops = 0
        while (
            isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and hops < MAX_REF_HOPS
        ):
            target = self._local(node["$ref"])
            if target is None:
                return {}
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            hops += 1
        return node if isinstance(node, Mapping) else {}

    def _local(self, ref: str) -> Mapping[str, Any] | None:
        if not ref.startswith("#/"):
            return None
        node: Any = self.root
        for part in ref[2:].split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            if not isinstance(node, Mapping) or part not in node:
                return None
            node = node[part]
        return node if isinstance(node, Mapping) else None

    def field(
        self,
        key: str,
        raw: Any,
        *,
        required: bool,
        depth: int,
        required_when: Condition | None = None,
    ) -> Field:
        node = self.resolve(raw)
        label = _text(node.get("title")) or key
        hint = _text(node.get("description"))
        common: dict[str, Any] = {
            "key": key,
            "label": label,
            "hint": hint,
            "required": required,
            "required_when": required_when,
            "default": node.get("default"),
        }
        choices = _choices(node)
        kind = _type_of(node)
        if choices is not None:
            labels, hint_used = choices
            if hint_used:
                common["hint"] = None
            return Field(kind="choice", choices=labels, **common)
        if depth >= MAX_DEPTH or kind is None:
            return Field(kind="json", **common)
        if kind == "object":
            return self._object(node, common, depth)
        if kind == "array":
            return self._array(node, common, depth)
        if kind == "boolean":
            return Field(kind="boolean", **common)
        if kind == "integer":
            return Field(kind="integer", **common)
        if kind == "number":
            return Field(kind="number", **common)
        if kind == "string":
            max_length = node.get("maxLength") if isinstance(node.get("maxLength"), int) else None
            autocomplete = _text(node.get("x-autocomplete")) or AUTOCOMPLETE.get(key)
            if node.get("format") == "date":
                return Field(kind="date", autocomplete=autocomplete, **common)
            long_text = node.get("x-multiline") is True or (max_length or 0) > LONG_TEXT
            return Field(
                kind="textarea" if long_text else "text",
                max_length=max_length,
                autocomplete=autocomplete,
                **common,
            )
        return Field(kind="json", **common)

    def _object(self, node: Mapping[str, Any], common: dict[str, Any], depth: int) -> Field:
        properties = node.get("properties")
        properties = properties if isinstance(properties, Mapping) else {}
        required = {r for r in node.get("required", []) if isinstance(r, str)}
        conditions = _conditions(node)
        children = tuple(
            self.field(
                str(name),
                sub,
                required=name in required,
                depth=depth + 1,
                required_when=None if name in required else conditions.get(str(name)),
            )
            for name, sub in properties.items()
        )
        return Field(kind="object", children=children, **common)

    def _array(self, node: Mapping[str, Any], common: dict[str, Any], depth: int) -> Field:
        item = self.field("", node.get("items", {}), required=False, depth=depth + 1)
        min_items = _int(node.get("minItems"), 0)
        max_items = _int(node.get("maxItems"), DEFAULT_MAX_ROWS)
        return Field(
            kind="array",
            item=item,
            min_items=max(0, min(min_items, DEFAULT_MAX_ROWS)),
            max_items=max(1, min(max_items, DEFAULT_MAX_ROWS)),
            **common,
        )


def _type_of(node: Mapping[str, Any]) -> str | None:
    kind = node.get("type")
    if isinstance(kind, list):  # ["string", "null"] and the like: the first non-null type
        kind = next((k for k in kind if k != "null"), None)
    if kind is None and isinstance(node.get("properties"), Mapping):
        kind = "object"
    return kind if isinstance(kind, str) else None


def _choices(node: Mapping[str, Any]) -> tuple[tuple[tuple[Any, str], ...], bool] | None:
    """(value, label) pairs and whether the description was used up as their labels."""
    for keyword in ("oneOf", "anyOf"):
        options = node.get(keyword)
        if (
            isinstance(options, list)
            and options
            and all(isinstance(o, Mapping) and "const" in o for o in options)
        ):
            return tuple(
                (o["const"], _text(o.get("title")) or str(o["const"])) for o in options
            ), False
    values = node.get("enum")
    if not isinstance(values, list) or not values:
        return None
    titles = node.get("x-enum-titles")
    if isinstance(titles, Mapping):
        return tuple((v, _text(titles.get(str(v))) or str(v)) for v in values), False
    if isinstance(titles, list) and len(titles) == len(values):
        return tuple((v, _text(t) or str(v)) for v, t in zip(values, titles, strict=True)), False
    described = _labels_from_description(_text(node.get("description")), values)
    if described is not None:
        return described, True
    return tuple((v, str(v)) for v in values), False


def _labels_from_description(
    description: str | None, values: list[Any]
) -> tuple[tuple[Any, str], ...] | None:
    """`accept: tiếp nhận; supplement: yêu cầu bổ sung` -> labels, when every value is named."""
    if not description:
        return None
    found: dict[str, str] = {}
    for part in description.split(";"):
        match = _ENUM_DESCRIPTION_ITEM.match(part)
        if match:
            found[match.group(1)] = match.group(2)
    if not all(str(v) in found for v in values):
        return None
    return tuple((v, _capitalize(found[str(v)])) for v in values)


def _conditions(node: Mapping[str, Any]) -> dict[str, Condition]:
    """Fields made required by an `if` on one sibling's value: {field: condition}."""
    clauses = [node, *[c for c in node.get("allOf", []) if isinstance(c, Mapping)]]
    found: dict[str, Condition] = {}
    for clause in clauses:
        condition = _simple_condition(clause.get("if"))
        then = clause.get("then")
        if condition is None or not isinstance(then, Mapping):
            continue
        for name in then.get("required", []):
            if not isinstance(name, str):
                continue
            known = found.get(name)
            if known is None:
                found[name] = condition
            elif known.field == condition.field:
                # Required under several values of one sibling (e.g. `reasons` when refusing
                # and when asking for supplements): shown for any of them.
                extra = tuple(v for v in condition.values if v not in known.values)
                found[name] = Condition(known.field, known.values + extra)
    return found


def _simple_condition(node: Any) -> Condition | None:
    if not isinstance(node, Mapping):
        return None
    properties = node.get("properties")
    if not isinstance(properties, Mapping) or len(properties) != 1:
        return None
    ((name, test),) = properties.items()
    if not isinstance(test, Mapping):
        return None
    if "const" in test:
        return Condition(str(name), (test["const"],))
    if isinstance(test.get("enum"), list):
        return Condition(str(name), tuple(test["enum"]))
    return None


def _int(value: Any, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _capitalize(text: str) -> str:
    return text[:1].upper() + text[1:]
