"""A page that shows one JSON-Schema form (by procedure and form key) with the web layer's
renderer, for the tests only: GET draws it, POST types and validates what was posted and shows
the data as JSON. The pages that will use the renderer (submission, task forms) come later; this
lets the tests drive it through HTML and in a real browser now."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, render_template_string, request

from web.forms_render import SchemaForm

REPO = Path(__file__).resolve().parents[2]
FORMS = REPO / "forms"
PAGE = """{% extends "layouts/portal.html" %}
{% import "macros/forms.html" as forms %}
{% set page_has_errors = form.has_errors %}
{% block title %}{{ form.title or "Biểu mẫu" }}{% endblock %}
{% block content %}
{{ forms.error_summary(form.summary) }}
<h1 class="heading-l">{{ form.title }}</h1>
<form method="post" novalidate>
  {{ forms.csrf_field() }}
  {% include "forms/schema_form.html" %}
  {{ forms.button("Gửi") }}
</form>
{% if data is not none %}<pre id="data">{{ data|tojson }}</pre>{% endif %}
{% endblock %}
"""


def schema_of(procedure: str, form_key: str) -> dict[str, Any]:
    return dict(json.loads((FORMS / procedure / f"{form_key}.json").read_text("utf-8")))


def register(app: Flask, schemas: dict[str, dict[str, Any]] | None = None) -> None:
    """Add `/_test/forms/<procedure>/<form_key>` (and `/_test/schemas/<name>` for `schemas`)."""
    blp = Blueprint("form_harness", __name__)
    extra = schemas or {}

    def show(schema: dict[str, Any]) -> tuple[str, int]:
        form = SchemaForm(schema)
        data = None
        status = 200
        if request.method == "POST":
            state = form.from_post(request.form)
            if state.action is None:
                submitted, errors = state.submit()
                data = None if errors or state.form_errors else submitted
                status = 422 if data is None else 200
        else:  # `?data=<JSON>`: the form drawn with that data in it, as a page gives data back
            state = form.blank(json.loads(request.args.get("data", "{}")))
        return render_template_string(PAGE, form=state.view(), data=data), status

    @blp.route("/_test/forms/<procedure>/<form_key>", methods=["GET", "POST"])
    def shipped(procedure: str, form_key: str) -> tuple[str, int]:
        return show(schema_of(procedure, form_key))

    @blp.route("/_test/schemas/<name>", methods=["GET", "POST"])
    def inline(name: str) -> tuple[str, int]:
        return show(extra[name])

    app.register_blueprint(blp)


def shipped_forms() -> list[tuple[str, str]]:
    """(procedure, form key) of every form in forms/, the dialect copies once."""
    found = []
    for path in sorted(FORMS.glob("*/*.json")):
        if path.parent.is_symlink():
            continue
        found.append((path.parent.name, path.stem))
    return found
