"""The server's SVG of a diagram (for documents and clients without JavaScript) draws what a
reader expects (issue 16): a sub-process's label is painted after the shapes inside it (not
hidden under them), an event sub-process has a dotted border, and no two labels overlap."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import lxml.etree as etree
import pytest

from engine.spiff.diagram import DOTTED, render_svg
from engine.spiff.diagram_layout import CHAR_WIDTH, LINE_HEIGHT

REPO = Path(__file__).resolve().parents[2]
SVG = "{http://www.w3.org/2000/svg}"
WITH_EVENT_SUBPROCESS = ["luong_huu", "om_dau", "cap_so_bhxh", "bhxh_mot_lan"]


def draw(source: str) -> Any:
    return etree.fromstring(render_svg(source, "test").encode())


def group(svg: Any, element_id: str) -> Any:
    [found] = svg.xpath(f"//*[@data-element-id='{element_id}']")
    return found


def label_boxes(svg: Any) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Each outside label's area, as a reader sees it: (element, (x, y, width, height))."""
    boxes: list[tuple[str, tuple[float, float, float, float]]] = []
    for text in svg.iter(f"{SVG}text"):
        holder = text.getparent()
        if holder.get("class") != "bpmn-outside-label":
            continue
        lines = [span.text or "" for span in text.iter(f"{SVG}tspan")]
        width = max(len(line) for line in lines) * CHAR_WIDTH
        x = float(text.get("x"))
        left = x if text.get("text-anchor") == "start" else x - width / 2
        top = float(text.get("y")) - LINE_HEIGHT / 2
        boxes.append((holder.get("data-label-for"), (left, top, width, len(lines) * LINE_HEIGHT)))
    return boxes


def overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


@pytest.mark.parametrize("key", WITH_EVENT_SUBPROCESS)
def test_an_event_subprocess_is_dotted_and_its_label_is_painted_over_its_content(key: str) -> None:
    source = (REPO / "bpmn" / f"{key}.bpmn").read_text()
    svg = draw(source)
    border = group(svg, "overdue_handling").find(f"{SVG}rect")
    assert border.get("stroke-dasharray") == DOTTED
    order = list(svg.iter())
    children = ("warn_overdue", "reappoint")
    [label] = svg.xpath("//*[@data-label-for='overdue_handling']")
    assert "Xử lý hồ sơ sắp quá hạn" in "".join(label.itertext())
    assert all(order.index(label) > order.index(group(svg, child)) for child in children)
    # the sub-process is painted before (under) what it contains
    assert order.index(group(svg, "overdue_handling")) < order.index(group(svg, "reappoint"))
    # an ordinary (expanded) sub-process keeps a solid border
    if svg.xpath("//*[@data-element-id='processing']"):
        assert group(svg, "processing").find(f"{SVG}rect").get("stroke-dasharray") is None


@pytest.mark.parametrize("path", sorted((REPO / "bpmn").glob("*.bpmn")), ids=lambda p: p.stem)
def test_no_two_labels_overlap(path: Path) -> None:
    boxes = label_boxes(draw(path.read_text()))
    assert boxes
    clashes = [
        (a, b)
        for i, (a, box_a) in enumerate(boxes)
        for b, box_b in boxes[i + 1 :]
        if overlap(box_a, box_b)
    ]
    assert clashes == []


def test_labels_the_modeler_placed_on_top_of_each_other_are_moved_apart() -> None:
    events = "".join(
        f'<bpmn:startEvent id="e{n}" name="Sự kiện số {n} có tên dài" />' for n in range(3)
    )
    shapes = "".join(
        f'<bpmndi:BPMNShape id="e{n}_di" bpmnElement="e{n}">'
        f'<dc:Bounds x="{100 + n * 20}" y="100" width="36" height="36" />'
        '<bpmndi:BPMNLabel><dc:Bounds x="90" y="140" width="90" height="28" /></bpmndi:BPMNLabel>'
        "</bpmndi:BPMNShape>"
        for n in range(3)
    )
    source = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
        'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" id="d">'
        f'<bpmn:process id="p" isExecutable="true">{events}</bpmn:process>'
        f'<bpmndi:BPMNDiagram id="dd"><bpmndi:BPMNPlane id="pl" bpmnElement="p">{shapes}'
        "</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>"
    )
    boxes = [box for _, box in label_boxes(draw(source))]
    assert len(boxes) == 3
    assert not any(overlap(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])


def test_labels_are_painted_after_every_shape_and_flow() -> None:
    svg = draw((REPO / "bpmn" / "cap_lai_the_bhyt.bpmn").read_text())
    layers = [g.get("class") for g in svg.findall(f"{SVG}g")]
    assert layers == ["bpmn-shapes", "bpmn-flows", "bpmn-labels"]
