"""Playwright for Python driving Debian's Chromium (`/usr/bin/chromium`, installed by .ci/run):
never a browser download. Helpers a page test needs: an accessibility scan with axe-core (from
the same npm install that serves the pages), keyboard-only navigation, screenshots at phone and
desktop widths under var/screenshots/ (git-ignored; CI keeps them as artifacts)."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

from web.assets import browser_test_file

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("MOTCUA_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_FOUND = Path(CHROMIUM).is_file()
SKIP_REASON = (
    "Debian's chromium is not installed (.ci/run installs it: apt-get install chromium); "
    "the browser tests never download a browser"
)
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = REPO / "var" / "screenshots"
PHONE, DESKTOP = (360, 740), (1280, 900)
#: WCAG 2.1 A and AA rules (axe-core tags).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = ("serious", "critical")


@dataclass(frozen=True)
class Violation:
    rule: str
    impact: str
    help: str
    targets: list[str]


def axe_violations(page: Page) -> list[Violation]:
    """Serious or critical WCAG 2.1 AA violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: the page's CSP (rightly) blocks injected tags.
        page.evaluate(browser_test_file("axe.min.js").read_text("utf-8") + "\n;undefined")
    found: list[dict[str, Any]] = page.evaluate(
        """async (tags) => {
            const result = await axe.run(document, {runOnly: {type: "tag", values: tags}});
            return result.violations.map((v) => ({
                rule: v.id, impact: v.impact, help: v.help,
                targets: v.nodes.map((n) => n.target.join(" ")),
            }));
        }""",
        WCAG_TAGS,
    )
    return [Violation(**v) for v in found if v["impact"] in BLOCKING_IMPACTS]


def assert_accessible(page: Page) -> None:
    violations = axe_violations(page)
    assert not violations, "\n".join(
        f"{v.impact} {v.rule}: {v.help} at {', '.join(v.targets[:5])}" for v in violations
    )


def screenshots(
    page: Page, name: str, sizes: tuple[tuple[int, int], ...] = (PHONE, DESKTOP)
) -> list[Path]:
    """Full-page screenshots at phone and desktop width (the viewport is restored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    original = page.viewport_size
    saved = []
    for width, height in sizes:
        page.set_viewport_size({"width": width, "height": height})
        path = SCREENSHOTS / f"{name}-{width}.png"
        page.screenshot(path=str(path), full_page=True)
        saved.append(path)
    if original:
        page.set_viewport_size(original)
    return saved


@dataclass(frozen=True)
class Focused:
    tag: str
    name: str
    text: str
    #: Whether the focus is visible: an outline, a shadow or a background the element does not
    #: have without the focus.
    visible: bool


def tab(page: Page, times: int = 1, *, back: bool = False) -> Focused:
    """Press Tab (Shift+Tab) and describe the element that has the focus."""
    for _ in range(times):
        page.keyboard.press("Shift+Tab" if back else "Tab")
    return focused(page)


def focused(page: Page) -> Focused:
    found: dict[str, Any] = page.evaluate(
        """() => {
            const el = document.activeElement;
            const style = getComputedStyle(el);
            const visible = (style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0)
                || style.boxShadow !== "none"
                || style.backgroundColor === "rgb(255, 221, 0)";
            return {tag: el.tagName.toLowerCase(), name: el.getAttribute("name") || el.id || "",
                    text: (el.innerText || el.value || "").trim().slice(0, 80), visible};
        }"""
    )
    return Focused(**found)


def tab_to(page: Page, tag: str, name: str, limit: int = 40) -> Focused:
    """Tab until the element `tag` named `name` (or with that id or text) has the focus."""
    for _ in range(limit):
        now = tab(page)
        if now.tag == tag and name in (now.name, now.text):
            return now
    raise AssertionError(f"{tag} {name!r} cannot be reached with the Tab key")
