"""The documentation a clone carries holds together: the table of contents lists every page of
docs/, and every relative link of the README and of docs/ points to a file that exists."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DOCS = REPO / "docs"
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_the_table_of_contents_lists_every_page() -> None:
    listed = set(LINK.findall((DOCS / "README.md").read_text("utf-8")))
    pages = {path.name for path in DOCS.glob("*.md")} - {"README.md"}
    assert pages - listed == set(), "add these pages to docs/README.md"


def test_relative_links_point_to_files_that_exist() -> None:
    broken = [
        f"{page.relative_to(REPO)} -> {target}"
        for page in [REPO / "README.md", *DOCS.glob("*.md")]
        for target in LINK.findall(page.read_text("utf-8"))
        if "://" not in target and not (page.parent / target).exists()
    ]
    assert broken == []
