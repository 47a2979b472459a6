"""Untrusted data on documents: markup prints as text, bad characters and sizes are refused."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from engine.documents import TemplateError, render
from engine.documents.catalogue import load_catalogue
from engine.errors import ValidationFailedError
from tests.documents_support import sample, squeeze, texts

HOSTILE = [
    '#import "@preview/cetz:0.3.0": * #panic("x")',
    "$x^2$ ] [ #set page(width: 1cm) ) } { // /* */",
    "<script>alert(1)</script> <b>đậm</b> &amp; &lt;",
    r"\documentclass{article} \input{/etc/passwd} %$&_^~",
    "`raw` *strong* _emph_ = heading - list + enum @label <label> 'quote'",
    '#read("/etc/passwd") #json("forms.json") #sys.inputs',
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_markup_in_data_prints_as_the_text_it_is(hostile: str) -> None:
    data = sample("mau_02")
    data["reason"] = hostile
    data["applicant"]["full_name"] = hostile[:200]
    document = render("mau_02", data)
    for extracted in texts(document.pdf):
        assert squeeze(hostile) in squeeze(extracted)
        assert "root:" not in extracted
    assert "<script>" not in document.html
    assert "&lt;script>" in document.html or "<script" not in hostile


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Nguyễn \u202egnod\u202c Văn", "U+202E"),  # right-to-left override
        ("Nguyễn\u200bThị", "U+200B"),  # zero-width space
        ("Nguyễn\u200dThị", "U+200D"),  # zero-width joiner
        ("Nguyễn\x00Thị", "U+0000"),
        ("Nguyễn\x1bThị", "U+001B"),
        ("王小明", "U+738B"),  # a script the document font does not draw
        ("Nguyễn \U0001f600", "U+1F600"),
    ],
)
def test_invisible_or_unprintable_characters_are_refused_naming_the_field(
    text: str, code: str
) -> None:
    data = sample("mau_01")
    data["applicant"]["full_name"] = text
    with pytest.raises(ValidationFailedError) as caught:
        render("mau_01", data)
    [error] = caught.value.errors
    assert error.field == "applicant.full_name"
    assert code in error.message


def test_a_line_break_in_a_one_line_field_is_refused() -> None:
    data = sample("mau_01")
    data["procedure"] = "Cấp lại thẻ\nbảo hiểm y tế"
    with pytest.raises(ValidationFailedError) as caught:
        render("mau_01", data)
    assert caught.value.errors[0].field == "procedure"


def test_a_reason_of_ten_thousand_characters_renders_on_several_pages_in_bounded_time() -> None:
    data = sample("mau_02")
    data["reason"] = ("Thiếu bản sao giấy tờ chứng minh nhân thân của người hưởng. " * 170)[:10_000]
    started = time.monotonic()
    document = render("mau_02", data)
    assert time.monotonic() - started < 20  # generous guard; it takes well under a second
    pypdf_text, _ = texts(document.pdf)
    assert "\n2\n" in pypdf_text  # the second page, numbered
    # each sentence is there once (the page number splits the text between pages)
    sentence = "chứngminhnhânthâncủangườihưởng"
    assert squeeze(pypdf_text).count(sentence) == squeeze(data["reason"]).count(sentence)


def test_a_word_too_long_for_any_line_is_refused() -> None:
    data = sample("mau_02")
    data["reason"] = "A" * 10_000
    with pytest.raises(ValidationFailedError) as caught:
        render("mau_02", data)
    assert caught.value.errors[0].field == "reason"
    assert "word of 10000 characters" in caught.value.errors[0].message


def test_oversized_values_and_lists_are_refused_before_rendering() -> None:
    data = sample("mau_02")
    data["reason"] = "x " * 10_001
    data["items"] = ["một mục"] * 61
    with pytest.raises(ValidationFailedError) as caught:
        render("mau_02", data)
    assert {e.field for e in caught.value.errors} == {"reason", "items"}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"sets": "1"}, "sets"),
        ({"sets": True}, "sets"),
        ({"sets": 0}, "sets"),
        ({"received_at": "02/12/2026"}, "received_at"),
        ({"documents": "Căn cước"}, "documents"),
        ({"applicant": ["Nguyễn Thị Hường"]}, "applicant"),
        ({"dossier_code": None}, "dossier_code"),
        ({"surprise": "x"}, "surprise"),
    ],
)
def test_wrong_types_missing_and_unknown_fields_are_named(
    change: dict[str, object], field: str
) -> None:
    data = {**sample("mau_01"), **change}
    with pytest.raises(ValidationFailedError) as caught:
        render("mau_01", data)
    assert field in {e.field for e in caught.value.errors}


def test_data_that_is_not_an_object_and_unknown_forms_are_refused() -> None:
    with pytest.raises(ValidationFailedError):
        render("mau_01", ["not", "an", "object"])  # type: ignore[arg-type]
    with pytest.raises(ValidationFailedError) as caught:
        render("mau_99", sample("mau_01"))
    assert caught.value.errors[0].field == "form"


def test_a_template_importing_a_typst_package_is_refused(tmp_path: Path) -> None:
    """Typst would download it: no template may reach the network."""
    source = Path(__file__).resolve().parents[2] / "engine" / "documents" / "templates"
    for item in source.iterdir():
        (tmp_path / item.name).write_bytes(item.read_bytes())
    (tmp_path / "mau_03.typ").write_text(
        '#import "@preview/tablex:0.0.8": tablex\n' + (source / "mau_03.typ").read_text("utf-8"),
        encoding="utf-8",
    )
    with pytest.raises(TemplateError, match=r"mau_03.typ:1: templates may not import"):
        load_catalogue(tmp_path)
