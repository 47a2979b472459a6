"""templates/charset.txt lists exactly characters the document font prints and copies back."""

from __future__ import annotations

import io
import json
import unicodedata

import pytest
import typst
from pypdf import PdfReader

from engine.documents.values import printable

VOWELS = "aăâeêioôơuưy"
TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")


def vietnamese_letters() -> str:
    letters = [unicodedata.normalize("NFC", v + t) for v in VOWELS for t in TONES]
    lower = "".join(letters) + "đbcdghklmnpqrstvx"
    return lower + lower.upper()


def test_every_vietnamese_letter_is_printable() -> None:
    letters = vietnamese_letters()
    assert len(letters) == 2 * (12 * 6 + 17)
    assert [c for c in letters if ord(c) not in printable()] == []


@pytest.mark.parametrize(
    ("weight", "style"), [("regular", "normal"), ("bold", "normal"), ("regular", "italic")]
)
def test_each_listed_character_prints_and_copies_back_in_each_face(weight: str, style: str) -> None:
    chars = [chr(c) for c in sorted(printable()) if c != 0x20]
    source = (
        "#set page(width: 20cm, height: auto, margin: 1cm)\n"
        f'#set text(font: "Libertinus Serif", fallback: false, weight: "{weight}", '
        f'style: "{style}")\n'
        "#for (i, c) in json(bytes(sys.inputs.data)).enumerate() [#str(i) #c \\ ]\n"
    )
    pdf = typst.Compiler(ignore_system_fonts=True).compile(
        source.encode(), format="pdf", sys_inputs={"data": json.dumps(chars)}, pdf_tags=False
    )
    assert isinstance(pdf, bytes)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    found: dict[int, str] = {}
    for line in text.splitlines():
        number, _, char = line.strip().partition(" ")
        if number.isdigit():
            found[int(number)] = char
    wrong = [f"U+{ord(c):04X}" for i, c in enumerate(chars) if found.get(i) != c]
    assert wrong == []


def test_bold_italic_is_not_usable_for_vietnamese() -> None:
    """Why no template uses bold italic: ơ/ư would copy out as "oơ"/"uơ" (see common.typ)."""
    source = b'#set text(font: "Libertinus Serif", weight: "bold", style: "italic")\nN\xc6\xa1i'
    pdf = typst.Compiler(ignore_system_fonts=True).compile(source, format="pdf", pdf_tags=False)
    assert isinstance(pdf, bytes)
    assert PdfReader(io.BytesIO(pdf)).pages[0].extract_text().strip() != "Nơi"
