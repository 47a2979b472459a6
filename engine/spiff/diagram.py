"""Draw a deployed diagram as SVG from its BPMN DI (shapes, lanes, flows, labels), optionally
with a dossier's completed and current steps highlighted.

Paint order: pools and lanes, then flow nodes from the outermost to the innermost (a
sub-process before the shapes inside it), then flows, then the labels that stand outside their
shape (events, gateways, flows, expanded sub-processes) in a layer of their own, placed so that
none covers another (engine.spiff.diagram_layout). Event sub-processes have a dotted border.

Styling uses presentation attributes, not CSS: the API serves everything with
`Content-Security-Policy: default-src 'none'`, which would block a `<style>` element.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.specs.defaults import BoundaryEvent
from SpiffWorkflow.util.task import TaskState

from engine.spiff.diagram_layout import (
    FONT_SIZE,
    LINE_HEIGHT,
    SUB_PROCESSES,
    Box,
    LabelPlacer,
    has_flow_nodes,
    paint_rank,
    text_box,
    wrap,
)
from engine.spiff.runtime import Workflow
from engine.spiff.xml import (
    ACTIVITIES,
    BPMN_NS,
    BPMNDI_NS,
    DC_NS,
    DI_NS,
    EVENTS,
    GATEWAYS,
    local_name,
    parse_document,
)

SVG_NS = "http://www.w3.org/2000/svg"
MARGIN = 20
#: The dash pattern of an event sub-process's border (BPMN 2.0 section 10.3.5: dotted).
DOTTED = "2 3"
#: state -> (fill, stroke, stroke width) of a highlighted shape.
STATE_STYLES = {
    "completed": ("#e6f4ea", "#188038", "3"),
    "current": ("#fef7e0", "#e37400", "4"),
    "waiting": ("#f1f3f4", "#5f6368", "2"),
    # an element a validation problem names (the analysts' upload page)
    "error": ("#fdecea", "#d4351c", "4"),
}
DEFAULT_STYLE = ("#ffffff", "#202124", "1.5")
_CENTERED = {"text-anchor": "middle", "dominant-baseline": "middle"}


@dataclass(frozen=True, slots=True)
class Bounds:
    x: float
    y: float
    width: float
    height: float

    @property
    def cx(self) -> float:
        return self.x + self.width / 2

    @property
    def cy(self) -> float:
        return self.y + self.height / 2


def step_states(workflow: Workflow) -> dict[str, str]:
    """bpmn id -> `completed`, `current` or `waiting` (a boundary timer or message armed)."""
    states: dict[str, str] = {}
    for task in workflow.instance.get_tasks():
        bpmn_id = task.task_spec.bpmn_id
        if not bpmn_id:
            continue
        if task.state & (TaskState.READY | TaskState.STARTED | TaskState.WAITING):
            boundary = isinstance(task.task_spec, BoundaryEvent)
            states[bpmn_id] = "waiting" if boundary else "current"
        elif task.state == TaskState.COMPLETED and bpmn_id not in states:
            states[bpmn_id] = "completed"
    return states


def render_svg(source: str, title: str, states: Mapping[str, str] | None = None) -> str:
    """SVG of the first diagram of a BPMN file; `states` maps bpmn ids to highlight states."""
    root = parse_document(source.encode("utf-8"), "diagram")
    elements = {e.get("id"): e for e in root.iter() if isinstance(e.tag, str) and e.get("id")}
    plane = root.find(f".//{{{BPMNDI_NS}}}BPMNPlane")
    shapes = list(plane.iter(f"{{{BPMNDI_NS}}}BPMNShape")) if plane is not None else []
    edges = list(plane.iter(f"{{{BPMNDI_NS}}}BPMNEdge")) if plane is not None else []
    canvas = _Canvas(title, states or {})
    # Pools and lanes first, then each sub-process before what it contains, so that nodes and
    # flows are drawn over what holds them.
    shapes.sort(key=lambda shape: paint_rank(elements.get(shape.get("bpmnElement"))))
    for shape in shapes:
        element = elements.get(shape.get("bpmnElement"))
        bounds = _bounds(shape.find(f"{{{DC_NS}}}Bounds"))
        if element is not None and bounds is not None:
            label = shape.find(f"{{{BPMNDI_NS}}}BPMNLabel/{{{DC_NS}}}Bounds")
            expanded = shape.get("isExpanded") == "true" or has_flow_nodes(element)
            canvas.shape(element, bounds, _bounds(label), expanded=expanded)
    for edge in edges:
        element = elements.get(edge.get("bpmnElement"))
        waypoints = [_bounds(p) for p in edge.iterfind(f"{{{DI_NS}}}waypoint")]
        points = [(p.x, p.y) for p in waypoints if p is not None]
        if element is not None and len(points) >= 2:
            label = edge.find(f"{{{BPMNDI_NS}}}BPMNLabel/{{{DC_NS}}}Bounds")
            canvas.edge(element, points, _bounds(label), elements)
    return canvas.finish()


class _Canvas:
    def __init__(self, title: str, states: Mapping[str, str]) -> None:
        self.states = states
        self.svg = etree.Element(f"{{{SVG_NS}}}svg", nsmap={None: SVG_NS})
        self.svg.set("font-family", "Arial, Helvetica, sans-serif")
        self.svg.set("font-size", str(FONT_SIZE))
        etree.SubElement(self.svg, f"{{{SVG_NS}}}title").text = title
        defs = etree.SubElement(self.svg, f"{{{SVG_NS}}}defs")
        marker = _sub(
            defs,
            "marker",
            id="arrow",
            viewBox="0 0 10 10",
            refX="10",
            refY="5",
            markerWidth="8",
            markerHeight="8",
            orient="auto-start-reverse",
        )
        _sub(marker, "path", d="M 0 0 L 10 5 L 0 10 z", fill="#202124")
        self.shapes = _sub(self.svg, "g", **{"class": "bpmn-shapes"})
        self.flows = _sub(self.svg, "g", **{"class": "bpmn-flows"})
        # Last, so that no shape or flow covers a label outside its shape.
        self.labels = _sub(self.svg, "g", **{"class": "bpmn-labels"})
        self.placer = LabelPlacer()
        self.extent = [float("inf"), float("inf"), float("-inf"), float("-inf")]

    def shape(
        self, element: Any, bounds: Bounds, label: Bounds | None, *, expanded: bool = False
    ) -> None:
        kind = local_name(element)
        element_id = element.get("id")
        state = self.states.get(element_id)
        fill, stroke, width = STATE_STYLES.get(state or "", DEFAULT_STYLE)
        group = _sub(
            self.shapes,
            "g",
            **{
                "class": f"bpmn-element bpmn-{kind}" + (f" state-{state}" if state else ""),
                "data-element-id": element_id,
                "data-kind": kind,
                "data-state": state or "",
            },
        )
        name = (element.get("name") or "").strip()
        self._grow(bounds)
        if kind in {"participant", "lane"}:
            _rect(group, bounds, fill="none", stroke="#5f6368", **{"stroke-width": "1"})
            x, y = _n(bounds.x + 15), _n(bounds.cy)
            text = _sub(group, "text", x=x, y=y, transform=f"rotate(-90 {x} {y})", **_CENTERED)
            text.text = name
            return
        style = {"fill": fill, "stroke": stroke, "stroke-width": width}
        if kind in SUB_PROCESSES and element.get("triggeredByEvent") == "true":
            style["stroke-dasharray"] = DOTTED
        if kind in ACTIVITIES and expanded:
            _rect(group, bounds, rx="10", ry="10", **style)
            # At the top, over the children: a centred label would sit under them.
            self._outside_label(element_id, name, Box(bounds.x + 8, bounds.y + 6, 0, 0), left=True)
        elif kind in ACTIVITIES:
            if kind == "callActivity":
                style["stroke-width"] = str(float(width) + 2)
            _rect(group, bounds, rx="10", ry="10", **style)
            self._label(group, name, bounds, inside=True)
        elif kind in EVENTS:
            radius = min(bounds.width, bounds.height) / 2
            if kind == "endEvent":
                style["stroke-width"] = str(float(width) + 2.5)
            _circle(group, bounds.cx, bounds.cy, radius, **style)
            if kind.startswith("intermediate") or kind == "boundaryEvent":
                _circle(group, bounds.cx, bounds.cy, radius - 3, fill="none", stroke=stroke)
            self._marker(group, element, bounds, stroke)
            self._outside_label(element_id, name, _box(label or _below(bounds)))
        elif kind in GATEWAYS:
            right, bottom = bounds.x + bounds.width, bounds.y + bounds.height
            corners = [(bounds.cx, bounds.y), (right, bounds.cy), (bounds.cx, bottom)]
            _sub(group, "polygon", points=_points([*corners, (bounds.x, bounds.cy)]), **style)
            self._gateway_marker(group, kind, bounds, stroke)
            self._outside_label(element_id, name, _box(label or _below(bounds)))
        else:
            _rect(group, bounds, fill="none", stroke="#9aa0a6", **{"stroke-dasharray": "4 2"})
            text = name or (element.findtext(f"{{{BPMN_NS}}}text") or "")
            self._label(group, text, bounds, inside=True)

    def edge(
        self,
        element: Any,
        points: list[tuple[float, float]],
        label: Bounds | None,
        elements: Mapping[str, Any],
    ) -> None:
        kind = local_name(element)
        group = _sub(
            self.flows,
            "g",
            **{
                "class": f"bpmn-flow bpmn-{kind}",
                "data-element-id": element.get("id"),
                "data-kind": kind,
            },
        )
        attributes = {"fill": "none", "stroke": "#202124", "stroke-width": "1.5"}
        if kind == "sequenceFlow":
            attributes["marker-end"] = "url(#arrow)"
        elif kind == "messageFlow":
            attributes.update({"stroke-dasharray": "6 4", "marker-end": "url(#arrow)"})
        else:
            attributes["stroke-dasharray"] = "2 3"
        _sub(group, "polyline", points=_points(points), **attributes)
        for x, y in points:
            self._grow(Bounds(x, y, 0, 0))
        source = elements.get(element.get("sourceRef"))
        if source is not None and source.get("default") == element.get("id"):
            (x1, y1), (x2, y2) = points[0], points[1]
            mx, my = x1 + (x2 - x1) * 0.25, y1 + (y2 - y1) * 0.25
            _sub(
                group,
                "line",
                x1=_n(mx - 5),
                y1=_n(my + 5),
                x2=_n(mx + 5),
                y2=_n(my - 5),
                stroke="#202124",
                **{"class": "default-marker"},
            )
        name = (element.get("name") or "").strip()
        if name:
            where = label or Bounds(points[0][0] + 5, points[0][1] - 18, 100, 14)
            self._outside_label(element.get("id"), name, _box(where))

    def finish(self) -> str:
        min_x, min_y, max_x, max_y = self.extent
        if min_x == float("inf"):
            min_x = min_y = 0.0
            max_x, max_y = 300.0, 60.0
            _sub(self.svg, "text", x="20", y="35").text = "This diagram has no layout (BPMN DI)."
        width, height = max_x - min_x + 2 * MARGIN, max_y - min_y + 2 * MARGIN
        self.svg.set(
            "viewBox", f"{_n(min_x - MARGIN)} {_n(min_y - MARGIN)} {_n(width)} {_n(height)}"
        )
        self.svg.set("width", _n(width))
        self.svg.set("height", _n(height))
        return str(etree.tostring(self.svg, encoding="unicode", pretty_print=True))

    def _outside_label(self, element_id: str, name: str, where: Box, *, left: bool = False) -> None:
        """A label in the top layer, moved down past the labels placed before it."""
        if not name:
            return
        lines = wrap(name, max(where.width, 40) if not left else 400)
        center = where.x + where.width / 2
        wanted = text_box(lines, center, where.y)
        if left:
            wanted = Box(where.x, where.y, wanted.width, wanted.height)
        box = self.placer.place(wanted)
        self._grow(Bounds(box.x, box.y, box.width, box.height))
        group = _sub(
            self.labels, "g", **{"class": "bpmn-outside-label", "data-label-for": element_id}
        )
        x = box.x if left else box.x + box.width / 2
        text = _sub(
            group,
            "text",
            x=_n(x),
            y=_n(box.y + LINE_HEIGHT / 2),
            **{
                "text-anchor": "start" if left else "middle",
                "dominant-baseline": "middle",
                "class": "bpmn-label",
                # a white halo keeps the words legible where they cross a flow
                "paint-order": "stroke",
                "stroke": "#ffffff",
                "stroke-width": "3",
                "stroke-linejoin": "round",
            },
        )
        for index, line in enumerate(lines):
            span = _sub(text, "tspan", x=_n(x), dy="0" if index == 0 else str(LINE_HEIGHT))
            span.text = line

    def _label(self, group: Any, name: str, bounds: Bounds, *, inside: bool) -> None:
        if not name:
            return
        self._grow(bounds)
        width = max(bounds.width - (10 if inside else 0), 40)
        lines = wrap(name, width)
        top = (
            bounds.cy - (len(lines) - 1) * LINE_HEIGHT / 2 if inside else bounds.y + LINE_HEIGHT / 2
        )
        text = _sub(
            group,
            "text",
            x=_n(bounds.cx),
            y=_n(top),
            **{"text-anchor": "middle", "dominant-baseline": "middle", "class": "bpmn-label"},
        )
        for index, line in enumerate(lines):
            span = _sub(text, "tspan", x=_n(bounds.cx), dy="0" if index == 0 else str(LINE_HEIGHT))
            span.text = line

    def _marker(self, group: Any, element: Any, bounds: Bounds, stroke: str) -> None:
        definitions = {local_name(child) for child in element if isinstance(child.tag, str)}
        cx, cy = bounds.cx, bounds.cy
        if "timerEventDefinition" in definitions:
            _circle(group, cx, cy, bounds.width / 2 - 8, fill="#ffffff", stroke=stroke)
            hands = _points([(cx, cy - 6), (cx, cy), (cx + 5, cy)])
            _sub(group, "polyline", points=hands, fill="none", stroke=stroke)
        elif "messageEventDefinition" in definitions:
            envelope = Bounds(cx - 8, cy - 5, 16, 11)
            _rect(group, envelope, fill="none", stroke=stroke)
            flap = _points([(cx - 8, cy - 5), (cx, cy + 1), (cx + 8, cy - 5)])
            _sub(group, "polyline", points=flap, fill="none", stroke=stroke)

    def _gateway_marker(self, group: Any, kind: str, bounds: Bounds, stroke: str) -> None:
        cx, cy, d = bounds.cx, bounds.cy, min(bounds.width, bounds.height) / 5
        if kind == "exclusiveGateway":
            strokes = [((cx - d, cy - d), (cx + d, cy + d)), ((cx + d, cy - d), (cx - d, cy + d))]
        elif kind == "parallelGateway":
            strokes = [((cx, cy - d), (cx, cy + d)), ((cx - d, cy), (cx + d, cy))]
        else:
            if kind == "inclusiveGateway":
                _circle(group, cx, cy, d, fill="none", stroke=stroke, **{"stroke-width": "2"})
            return
        path = " ".join(f"M {_points([start])} L {_points([end])}" for start, end in strokes)
        _sub(group, "path", d=path.replace(",", " "), stroke=stroke, **{"stroke-width": "3"})

    def _grow(self, bounds: Bounds) -> None:
        self.extent[0] = min(self.extent[0], bounds.x)
        self.extent[1] = min(self.extent[1], bounds.y)
        self.extent[2] = max(self.extent[2], bounds.x + bounds.width)
        self.extent[3] = max(self.extent[3], bounds.y + bounds.height)


def _rect(group: Any, bounds: Bounds, **attributes: str) -> Any:
    size = {"width": _n(bounds.width), "height": _n(bounds.height)}
    return _sub(group, "rect", x=_n(bounds.x), y=_n(bounds.y), **size, **attributes)


def _circle(group: Any, cx: float, cy: float, r: float, **attributes: str) -> Any:
    return _sub(group, "circle", cx=_n(cx), cy=_n(cy), r=_n(r), **attributes)


def _points(points: list[tuple[float, float]]) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in points)


def _box(bounds: Bounds) -> Box:
    return Box(bounds.x, bounds.y, bounds.width, bounds.height)


def _sub(parent: Any, tag: str, **attributes: str) -> Any:
    element = etree.SubElement(parent, f"{{{SVG_NS}}}{tag}")
    for name, value in attributes.items():
        element.set(name, value)
    return element


def _bounds(element: Any) -> Bounds | None:
    if element is None:
        return None
    try:
        return Bounds(*(float(element.get(k, "0")) for k in ("x", "y", "width", "height")))
    except ValueError:
        return None


def _below(bounds: Bounds) -> Bounds:
    return Bounds(bounds.x - 30, bounds.y + bounds.height + 4, bounds.width + 60, LINE_HEIGHT)


def _n(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")
