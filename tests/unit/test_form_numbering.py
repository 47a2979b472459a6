"""Circular 03/2025/TT-VPCP numbers the one-stop forms 01 to 07 (docs/domain.md §2): every title the
repository shows (diagrams, forms, code, API texts, documentation) carries the number that form
has now, and the titles Circular 01/2018 used are gone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from engine.records import FORM_SET

REPO = Path(__file__).resolve().parents[2]
SHOWN = sorted(
    path
    for pattern in ("bpmn/*.bpmn", "forms/*/*.json", "engine/**/*.py", "api/*.py", "docs/*.md")
    for path in REPO.glob(pattern)
    if not path.parent.is_symlink()
) + [REPO / "README.md"]
#: Titles of Circular 01/2018 that Circular 03/2025 replaced.
OLD_TITLES = ("Phiếu xin lỗi và hẹn lại ngày trả kết quả", "Xin lỗi, hẹn lại ngày trả kết quả")
ENGLISH = {
    "01": "receipt",
    "02": "supplement request",
    "03": "refusal",
    "04": "apology",
    "05": "notice of stopping",
    "06": "process-control slip",
    "07": "tracking book",
}


@pytest.mark.parametrize("path", SHOWN, ids=lambda p: str(p.relative_to(REPO)))
def test_every_form_title_has_its_circular_03_2025_number(path: Path) -> None:
    text = " ".join(path.read_text(encoding="utf-8").split())
    for old in OLD_TITLES:
        assert old.casefold() not in text.casefold(), f"{path.name}: '{old}' (Circular 01/2018)"
    for number, title in [*FORM_SET.titles.items(), *ENGLISH.items()]:
        after, before = r"\W{0,3}\(?Mẫu (?:số )?(\d\d)", r"Mẫu (?:số )?(\d\d)\)?\W{0,3}"
        near = re.escape(title) + after + "|" + before + re.escape(title)
        for found in re.finditer(near, text, re.IGNORECASE):
            shown = found.group(1) or found.group(2)
            assert shown == number, f"{path.name}: '{found.group(0)}' should be Mẫu {number}"


def test_the_texts_checked_include_the_diagrams_forms_and_docs() -> None:
    names = {str(p.relative_to(REPO)) for p in SHOWN}
    assert {
        "bpmn/cap_lai_the_bhyt.bpmn",
        "bpmn/bhxh_mot_lan.bpmn",
        "forms/cap_lai_the_bhyt/reappointment.json",
        "forms/bhxh_mot_lan/reappointment.json",
        "engine/audit/timeline.py",
        "docs/deadlines.md",
        "README.md",
    } <= names
