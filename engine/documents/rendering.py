"""Rendering a document of record: its form's Typst template and the checked data -> PDF + HTML.

The data reaches the template only as a JSON string (`sys.inputs.data`), which the template
decodes into values: no text from a user is ever parsed as Typst markup, so escaping is not
needed and cannot be forgotten. System fonts are ignored and the PDF's dates come from the
document's issue date, so the same data gives the same bytes on every machine.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

import typst

from engine.documents.catalogue import TEMPLATES_DIR, FormSpec, catalogue
from engine.documents.errors import TemplateError
from engine.documents.values import VIETNAM, check
from engine.errors import FieldError, ValidationFailedError

# Typst says this of every HTML export; it is known and accepted (see docs/documents.md).
_HTML_NOTICE = "html export is under active development"


@dataclass(frozen=True, slots=True)
class RenderedDocument:
    """One rendered document: the PDF (unsigned), its printable HTML view and the PDF's SHA-256."""

    form: str
    pdf: bytes
    html: str
    sha256: str


class _Compiler:
    """One Typst compiler per process (it caches fonts and templates); calls are serialised."""

    def __init__(self) -> None:
        self._compiler = typst.Compiler(root=str(TEMPLATES_DIR), ignore_system_fonts=True)
        self._lock = threading.Lock()

    def compile(self, spec: FormSpec, payload: str, target: str, issued: datetime) -> bytes:
        with self._lock:
            try:
                output, notes = self._compiler.compile_with_warnings(
                    str(spec.template),
                    format=target,  # type: ignore[arg-type]
                    sys_inputs={"data": payload, "target": target},
                    timestamp=issued,
                    pdf_tags=False,
                )
            except typst.TypstError as exc:
                raise TemplateError(
                    f"template {spec.template.name} failed: {exc.message}\n{exc.diagnostic}"
                ) from exc
        problems = [n.message for n in notes if _HTML_NOTICE not in n.message]
        if problems:
            raise TemplateError(f"template {spec.template.name}: {'; '.join(problems)}")
        if not isinstance(output, bytes):
            raise TemplateError(f"template {spec.template.name} produced no single {target} file")
        return output


@cache
def _compiler() -> _Compiler:
    return _Compiler()


def form_spec(form: str) -> FormSpec:
    spec = catalogue().get(form)
    if spec is None:
        known = ", ".join(sorted(catalogue()))
        raise ValidationFailedError(
            f"unknown form {form[:40]!r}", [FieldError("form", f"must be one of {known}")]
        )
    return spec


def render(form: str, data: Mapping[str, Any]) -> RenderedDocument:
    """Render `data` on `form` (e.g. "mau_01"); ValidationFailedError names each bad field."""
    spec, payload, issued_at = _prepared(form, data)
    compiler = _compiler()
    pdf = compiler.compile(spec, payload, "pdf", issued_at)
    html = compiler.compile(spec, payload, "html", issued_at).decode("utf-8")
    return RenderedDocument(
        form=form,
        pdf=pdf,
        html=html,
        sha256=hashlib.sha256(pdf).hexdigest(),
    )


def render_pdf(form: str, data: Mapping[str, Any]) -> bytes:
    """The PDF of `render` alone (issuing stores the PDF; the HTML view is made when asked)."""
    spec, payload, issued_at = _prepared(form, data)
    return _compiler().compile(spec, payload, "pdf", issued_at)


def render_html(form: str, data: Mapping[str, Any]) -> str:
    """The printable HTML view of `render` alone."""
    spec, payload, issued_at = _prepared(form, data)
    return _compiler().compile(spec, payload, "html", issued_at).decode("utf-8")


def _prepared(form: str, data: Mapping[str, Any]) -> tuple[FormSpec, str, datetime]:
    spec = form_spec(form)
    checked = check(form, data, spec.fields)
    issued = checked["issued_at"]
    # The PDF's creation date is the issue date (noon, Vietnam time): deterministic output.
    issued_at = datetime(issued["year"], issued["month"], issued["day"], 12, tzinfo=VIETNAM)
    return spec, json.dumps(checked, ensure_ascii=False), issued_at
