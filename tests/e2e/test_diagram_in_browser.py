"""The dossier's diagram as a browser draws it: headless Chromium (Debian's `chromium`, installed
by .ci/run) loads the SVG the API serves and reports through the DOM what it drew."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_bhxh_mot_lan import APPROVE, submit
from tests.support import ACCEPT, HttpApi

CHROMIUM = shutil.which("chromium")
# The flags that work on this kind of machine (no sandbox as root, no background network).
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TASK_KINDS = ("userTask", "scriptTask", "manualTask", "task")
PROBE = """
<pre id="result"></pre>
<script>
  const kinds = TASK_KINDS;
  const drawn = [...document.querySelectorAll("svg g.bpmn-element")]
    .filter((group) => kinds.includes(group.dataset.kind))
    .map((group) => {
      const shape = group.querySelector("rect");
      const box = shape.getBoundingClientRect();
      const style = getComputedStyle(shape);
      return {
        id: group.dataset.elementId,
        width: box.width,
        height: box.height,
        fill: style.fill,
        stroke: style.stroke,
        shown: style.display !== "none" && style.visibility !== "hidden",
        label: group.textContent.replace(/\\s+/g, " ").trim(),
      };
    });
  document.getElementById("result").textContent = JSON.stringify(drawn);
</script>
""".replace("TASK_KINDS", json.dumps(TASK_KINDS))


def drawn_in_chromium(svg: str, workdir: Path) -> list[dict[str, Any]]:
    page = workdir / "diagram.html"
    inline = re.sub(r"^<\?xml[^>]*>\s*", "", svg)
    page.write_text(f"<!doctype html><html><body>{inline}{PROBE}</body></html>", "utf-8")
    assert CHROMIUM is not None
    done = subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={workdir / 'profile'}", "--dump-dom", page.as_uri()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    found = re.search(r'<pre id="result">(.*?)</pre>', done.stdout, re.DOTALL)
    assert found is not None, done.stdout[-2000:]
    return json.loads(html.unescape(found.group(1)))  # type: ignore[no-any-return]


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="Debian's chromium is not installed (.ci/run installs it: apt-get install chromium)",
)
@pytest.mark.timeout(180)
def test_chromium_draws_every_task_and_highlights_the_current_one(
    http: HttpApi, tmp_path: Path
) -> None:
    key = "bhxh_mot_lan"
    code = submit(http, key)["code"]
    http.act(code, "reception", ACCEPT)
    http.act(code, "specialist", APPROVE)  # now the leader signs: approve_payment is current
    response = http.client.get(
        f"/api/v1/dossiers/{code}/diagram.svg",
        headers={"Authorization": f"Bearer {http.token('leader')}"},
    )
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"

    drawn = {
        item["id"]: item for item in drawn_in_chromium(response.get_data(as_text=True), tmp_path)
    }

    version = http.call("GET", f"/api/v1/definitions/{key}/versions/1", "auditor")
    tasks = {n["bpmn_id"] for n in version["model"]["nodes"] if n["kind"] in TASK_KINDS}
    assert set(drawn) == tasks
    for item in drawn.values():
        assert item["shown"] and item["width"] >= 90 and item["height"] >= 70, item
        assert item["label"], item
    assert drawn["approve_payment"]["fill"] == "rgb(254, 247, 224)"  # current: orange
    assert drawn["approve_payment"]["stroke"] == "rgb(227, 116, 0)"
    for done in ("init_dossier", "check_dossier", "appraise"):
        assert drawn[done]["fill"] == "rgb(230, 244, 234)", done  # completed: green
    for waiting in ("pay_benefit", "return_result", "approve_refusal"):
        assert drawn[waiting]["fill"] == "rgb(255, 255, 255)", waiting
