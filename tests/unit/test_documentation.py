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


#: Names of documents that live outside the repository (the client's design notes): a clone does
#: not carry them, so code and docs cite docs/architecture.md and docs/domain.md instead.
OUTSIDE = re.compile(r"\b(?:ARCHITECTURE|DOMAIN)\.md\b|\.\./shared/")
SOURCES = ("api", "bench", "bpmn", "docs", "engine", "forms", "scripts", "server", "storage", "web")


def test_nothing_refers_to_files_outside_the_repository() -> None:
    files = [REPO / "README.md", REPO / "Makefile", REPO / "pyproject.toml"]
    for top in (*SOURCES, "tests"):
        files += [
            path
            for path in (REPO / top).rglob("*")
            if path.suffix in {".py", ".md", ".toml", ".bpmn", ".json", ".html", ".typ"}
            and "node_modules" not in path.parts
        ]
    citing = [
        str(path.relative_to(REPO))
        for path in files
        if path != Path(__file__).resolve() and OUTSIDE.search(path.read_text("utf-8"))
    ]
    assert citing == []
