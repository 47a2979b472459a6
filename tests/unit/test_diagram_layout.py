"""Every element of the shipped diagrams is drawn: a shape or an edge with coordinates, so that
modelers and the SVG renderer show all of it."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DIAGRAMS = sorted([*REPO.glob("bpmn/*.bpmn"), *REPO.glob("tests/fixtures/*.bpmn")])
BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
BPMNDI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
DC = "{http://www.omg.org/spec/DD/20100524/DC}"
DI = "{http://www.omg.org/spec/DD/20100524/DI}"
DRAWN = {"participant", "lane", "sequenceFlow"} | {
    "startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent",
    "task", "userTask", "manualTask", "scriptTask", "serviceTask", "subProcess", "callActivity",
    "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway",
}  # fmt: skip


@pytest.mark.parametrize("path", DIAGRAMS, ids=lambda p: p.name)
def test_every_element_has_a_shape_or_an_edge(path: Path) -> None:
    root = ET.parse(path).getroot()  # noqa: S314 - our own files
    elements = {
        el.get("id"): el.tag.removeprefix(BPMN)
        for el in root.iter()
        if el.tag.startswith(BPMN) and el.tag.removeprefix(BPMN) in DRAWN
    }
    shapes = {s.get("bpmnElement"): s for s in root.iter(f"{BPMNDI}BPMNShape")}
    edges = {e.get("bpmnElement"): e for e in root.iter(f"{BPMNDI}BPMNEdge")}
    missing = [
        f"{kind} {element_id}"
        for element_id, kind in elements.items()
        if element_id not in (edges if kind == "sequenceFlow" else shapes)
    ]
    assert not missing, f"{path.name}: not drawn: {missing}"
    for shape in shapes.values():
        bounds = shape.find(f"{DC}Bounds")
        assert bounds is not None and float(bounds.get("width", 0)) > 0
    for edge in edges.values():
        assert len(edge.findall(f"{DI}waypoint")) >= 2
    assert set(shapes) | set(edges) <= set(elements), "drawn elements that do not exist"
