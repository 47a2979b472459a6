"""One JSON-Schema form on a page: from a request to typed data and errors, and back to what the
template shows (`FormView`).

    form = SchemaForm(schema)
    state = form.from_post(request.form)            # or form.blank(data) for a GET
    if state.action is None:                        # not "add a row" / "remove a row"
        data, errors = state.submit()               # typed JSON, Vietnamese errors by field
        if not errors:
            ...call the engine service with `data`...
    return render_template(..., form=state.view())  # {% include "forms/schema_form.html" %}

Validation is `forms.validate`, the same function the engine runs for the API; the page's
errors are that function's, translated (plus inputs that are not even a number or a date).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from forms import FormFieldError, validate
from web.forms_render import parse
from web.forms_render.messages import form_message, invalid, message, too_costly_message
from web.forms_render.parse import ROW_MARKER, Raw, choice_text, name_of
from web.forms_render.schema import Condition, Field, encode_key, read_schema, short_label
from web.i18n import _

ACTION_FIELD = "_form_action"
_ADD, _REMOVE = "add:", "remove:"


class SchemaForm:
    """A form built from one JSON Schema (read once; keep it while the schema does not change)."""

    def __init__(self, schema: Mapping[str, Any]) -> None:
        self.schema = schema
        self.root = read_schema(schema)

    @property
    def title(self) -> str | None:
        title = self.schema.get("title")
        return title if isinstance(title, str) else None

    def blank(self, data: Mapping[str, Any] | None = None) -> FormState:
        """The form as first shown: existing `data`, else the schema's defaults."""
        return FormState(self, parse.raw_from_data(self.root, data or {}))

    def from_post(self, form: Mapping[str, str]) -> FormState:
        """What was posted; an add/remove-row button is applied and kept in `action`."""
        raw = parse.raw_from_post(self.root, form, "")
        action = form.get(ACTION_FIELD) or None
        state = FormState(self, raw, action=action)
        if action is not None:
            state.raw = _apply_action(self.root, raw, "", action)
        return state


@dataclass
class FormState:
    form: SchemaForm
    raw: Raw
    #: The add/remove-row button that posted the form, if one did (then nothing is submitted).
    action: str | None = None
    errors: dict[str, str] = field(default_factory=dict)
    #: Errors about the form as a whole (no field to show them next to).
    form_errors: list[str] = field(default_factory=list)

    def submit(self) -> tuple[dict[str, Any], dict[str, str]]:
        """The typed data and the errors (by input name), validated like the API validates."""
        self.raw = parse.without_empty_rows(self.form.root, self.raw)
        parse_errors: dict[str, str] = {}
        _, data = parse.to_data(self.form.root, self.raw, "", parse_errors)
        self.errors = dict(parse_errors)
        for error in validate(self.form.schema, data, prefix=""):
            self._add(error, parse_errors)
        return data, self.errors

    def add_engine_errors(self, errors: list[tuple[str, str]]) -> None:
        """Errors the engine found (field path under `data.`, English message): shown next to
        their field in general terms, since the page cannot translate free text."""
        for path, _text in errors:
            name = path.removeprefix("data.").removeprefix("data")
            target = self._nearest_field(name)
            if target is None:
                self._add_form_error(form_message())
            else:
                self.errors.setdefault(target[0], invalid(target[1]))

    def view(self) -> FormView:
        builder = _ViewBuilder(self.errors)
        root = builder.build(self.form.root, self.raw, "", {})
        return FormView(
            title=self.form.title,
            fields=root.children,
            summary=builder.summary,
            form_errors=self.form_errors,
        )

    def _add(self, error: FormFieldError, parse_errors: dict[str, str]) -> None:
        if error.keyword == "budget":
            self._add_form_error(too_costly_message())
            return
        target = self._nearest_field(error.field)
        if target is None:
            self._add_form_error(form_message())
            return
        name, found = target
        if name in parse_errors:
            return  # "not a number" says more than the "required" that follows from it
        # An error inside a field drawn as a whole (JSON text) is about that field.
        exact = name == error.field
        self.errors.setdefault(name, message(found, error) if exact else invalid(found))

    def _add_form_error(self, text: str) -> None:
        if text not in self.form_errors:
            self.form_errors.append(text)

    def _nearest_field(self, path: str) -> tuple[str, Field] | None:
        """The input name and field an error path belongs to (the deepest rendered one)."""
        parts = [p for p in path.split(".") if p] if path else []
        current, name, found = self.form.root, "", None
        for part in parts:
            if current.kind == "object":
                child = next((c for c in current.children if encode_key(c.key) == part), None)
                if child is None:
                    child = current.child(part)
                if child is None:
                    break
                current, name = child, name_of(name, child.key)
            elif current.kind == "array" and part.isdigit():
                assert current.item is not None
                current, name = current.item, name_of(name, int(part))
            else:
                break
            found = (name, current)
        return found


@dataclass
class FieldView:
    """One field as the template draws it."""

    spec: Field
    name: str
    id: str
    value: Raw = None
    error: str | None = None
    children: list[FieldView] = field(default_factory=list)
    rows: list[RowView] = field(default_factory=list)
    #: "Required when ..." for a conditional field; and what drives it, for the script.
    required_note: str | None = None
    show_when: Condition | None = None
    show_when_name: str | None = None

    @property
    def anchor(self) -> str:
        """Where the error summary's link goes: the first control of the field."""
        return f"{self.id}-1" if self.spec.widget == "radios" else self.id

    @property
    def can_add(self) -> bool:
        return len(self.rows) < self.spec.max_items

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [(choice_text(v), label) for v, label in self.spec.choices]

    @property
    def show_values(self) -> list[str]:
        return [choice_text(v) for v in self.show_when.values] if self.show_when else []


@dataclass
class RowView:
    index: int
    name: str
    marker: str
    item: FieldView
    can_remove: bool


@dataclass
class FormView:
    title: str | None
    fields: list[FieldView]
    #: (anchor, message) in page order, for the error summary.
    summary: list[tuple[str, str]]
    form_errors: list[str]

    @property
    def has_errors(self) -> bool:
        return bool(self.summary or self.form_errors)


@dataclass
class _ViewBuilder:
    errors: dict[str, str]
    summary: list[tuple[str, str]] = field(default_factory=list)

    def build(self, spec: Field, raw: Raw, name: str, siblings: Mapping[str, Field]) -> FieldView:
        view = FieldView(spec=spec, name=name, id=_html_id(name), value=raw)
        view.error = self.errors.get(name)
        if view.error:
            self.summary.append((view.anchor, view.error))
        if spec.required_when is not None:
            driver = siblings.get(spec.required_when.field)
            view.show_when = spec.required_when
            view.show_when_name = name_of(name.rpartition(".")[0], spec.required_when.field)
            view.required_note = _required_note(spec.required_when, driver)
        if spec.kind == "object":
            values = raw if isinstance(raw, Mapping) else {}
            by_key = {c.key: c for c in spec.children}
            view.children = [
                self.build(c, values.get(c.key), name_of(name, c.key), by_key)
                for c in spec.children
            ]
        elif spec.kind == "array":
            assert spec.item is not None
            rows = list(raw) if isinstance(raw, list) else []
            shown = max(len(rows), spec.min_items, 1)
            blank = parse.raw_from_data(spec.item, None)
            rows += [blank] * (shown - len(rows))
            for index, row in enumerate(rows[: spec.max_items]):
                row_name = name_of(name, index)
                view.rows.append(
                    RowView(
                        index=index,
                        name=row_name,
                        marker=f"{row_name}.{ROW_MARKER}",
                        item=self.build(spec.item, row, row_name, {}),
                        # One row always shows: removing the last would only empty it.
                        can_remove=shown > max(spec.min_items, 1),
                    )
                )
        return view


def _required_note(condition: Condition, driver: Field | None) -> str:
    label = short_label(driver.label) if driver else condition.field
    values = ", ".join(f"“{driver.choice_label(v) if driver else v}”" for v in condition.values)
    return _("bắt buộc khi “%(field)s” là %(values)s", field=label, values=values)


def _apply_action(root: Field, raw: Raw, name: str, action: str) -> Raw:
    """Add a blank row to an array (`add:<array>`) or remove one (`remove:<array>.<i>`)."""
    if action.startswith(_ADD):
        target, index = action[len(_ADD) :], None
    elif action.startswith(_REMOVE):
        target, _sep, tail = action[len(_REMOVE) :].rpartition(".")
        index = int(tail) if tail.isdigit() else -1
    else:
        return raw
    return _edit_rows(root, raw, name, target, index)


def _edit_rows(spec: Field, raw: Raw, name: str, target: str, index: int | None) -> Raw:
    if spec.kind == "object":
        values = dict(raw) if isinstance(raw, Mapping) else {}
        for child in spec.children:
            values[child.key] = _edit_rows(
                child, values.get(child.key), name_of(name, child.key), target, index
            )
        return values
    if spec.kind != "array":
        return raw
    assert spec.item is not None
    rows = list(raw) if isinstance(raw, list) else []
    if name == target:
        if index is None:
            shown = max(len(rows), spec.min_items, 1)
            rows += [parse.raw_from_data(spec.item, None)] * (shown - len(rows))
            if len(rows) < spec.max_items:
                rows.append(parse.raw_from_data(spec.item, None))
        elif 0 <= index < len(rows):
            del rows[index]
        return rows
    return [
        _edit_rows(spec.item, row, name_of(name, i), target, index) for i, row in enumerate(rows)
    ]


def _html_id(name: str) -> str:
    """An element id for an input name: `attachments.0.name` -> `f-attachments-0-name`."""
    safe = "".join(ch if ch.isascii() and (ch.isalnum() or ch == "_") else "-" for ch in name)
    return f"f-{safe}" if safe else "f-form"
