"""Where the server's SVG (engine.spiff.diagram) puts things: the paint order of shapes (what
holds before what is held), and the labels that are not inside their shape (events, gateways,
flows, expanded sub-processes): wrapped to a width, and moved down past any label already
placed, so that two labels never print over each other."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.spiff.xml import ACTIVITIES, EVENTS, GATEWAYS, local_name

SUB_PROCESSES = frozenset({"subProcess", "transaction", "adHocSubProcess"})
FONT_SIZE = 12
CHAR_WIDTH = 6.4  # average width of a 12px sans-serif character, for wrapping labels
LINE_HEIGHT = 14
MAX_LINES = 4
#: How far a label may be pushed down (in steps of its own height) before it stays where it is.
MAX_SHIFTS = 8
GAP = 2.0


@dataclass(frozen=True, slots=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    def overlaps(self, other: Box) -> bool:
        return (
            self.x < other.x + other.width
            and other.x < self.x + self.width
            and self.y < other.y + other.height
            and other.y < self.y + self.height
        )

    def moved_down(self, by: float) -> Box:
        return Box(self.x, self.y + by, self.width, self.height)


def wrap(text: str, width: float) -> list[str]:
    """Words in lines of at most `width` pixels (estimated), at most MAX_LINES lines."""
    per_line = max(int(width / CHAR_WIDTH), 4)
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if len(candidate) <= per_line or not current:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    return lines[:MAX_LINES]


def text_box(lines: list[str], center_x: float, top: float) -> Box:
    """The area lines of text take, centred on `center_x`, from `top` down."""
    width = max((len(line) for line in lines), default=0) * CHAR_WIDTH
    return Box(center_x - width / 2, top, width, len(lines) * LINE_HEIGHT)


class LabelPlacer:
    """Remembers the labels placed so far; a new one goes below those it would overlap."""

    def __init__(self) -> None:
        self.placed: list[Box] = []

    def place(self, box: Box) -> Box:
        candidate = box
        for _shift in range(MAX_SHIFTS):
            clash = next((other for other in self.placed if candidate.overlaps(other)), None)
            if clash is None:
                break
            candidate = candidate.moved_down(clash.y + clash.height + GAP - candidate.y)
        else:
            candidate = box  # crowded beyond reason: keep the modeler's place
        self.placed.append(candidate)
        return candidate


def paint_rank(element: Any) -> int:
    """Pools and lanes (0), then flow nodes by how deep in sub-processes they are (1, 2, ...)."""
    if element is None or local_name(element) in {"participant", "lane"}:
        return 0
    return 1 + sum(1 for parent in element.iterancestors() if local_name(parent) in SUB_PROCESSES)


def has_flow_nodes(element: Any) -> bool:
    """A sub-process drawn with its content (no DI `isExpanded` needed to know it)."""
    nodes = ACTIVITIES | EVENTS | GATEWAYS
    return any(isinstance(c.tag, str) and local_name(c) in nodes for c in element)
