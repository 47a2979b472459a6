"""The npm files the workspace will use work as served, under the pages' strict CSP: bpmn-js
(the navigated viewer and its style sheets from the allow-list) draws a shipped diagram and
marks an element, and the browser reports no policy violation."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.live_server import REPO

pytestmark = pytest.mark.timeout(180)
DRAW = """async ([xml, styles, script]) => {
    const violations = [];
    document.addEventListener(
        "securitypolicyviolation", (e) => violations.push(e.violatedDirective));
    for (const href of styles) {
        const link = Object.assign(document.createElement("link"), {rel: "stylesheet", href});
        document.head.appendChild(link);
    }
    await new Promise((resolve, reject) => {
        const tag = Object.assign(document.createElement("script"), {src: script});
        tag.onload = resolve; tag.onerror = reject;
        document.head.appendChild(tag);
    });
    const container = document.createElement("div");
    document.querySelector("main").appendChild(container);
    const viewer = new BpmnJS({container, height: 400});
    const {warnings} = await viewer.importXML(xml);
    viewer.get("canvas").zoom("fit-viewport");
    viewer.get("canvas").addMarker("check_dossier", "highlight");
    return {
        warnings: warnings.length,
        shapes: container.querySelectorAll(".djs-shape").length,
        marked: container.querySelectorAll(".highlight").length,
        violations,
    };
}"""


def test_bpmn_js_draws_a_shipped_diagram_under_the_content_security_policy(
    page: Page, origin: str
) -> None:
    page.goto(f"{origin}/tra-cuu")
    assets = page.evaluate(
        "() => document.querySelector('link[rel=stylesheet]').href.split('/css/')[0]"
    )
    drawn = page.evaluate(
        DRAW,
        [
            (REPO / "bpmn" / "cap_lai_the_bhyt.bpmn").read_text("utf-8"),
            [f"{assets}/vendor/bpmn-js/diagram-js.css", f"{assets}/vendor/bpmn-js/bpmn-js.css"],
            f"{assets}/vendor/bpmn-js/bpmn-navigated-viewer.js",
        ],
    )
    assert drawn["warnings"] == 0 and drawn["shapes"] > 30 and drawn["marked"] == 1
    assert drawn["violations"] == []
