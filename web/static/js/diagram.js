/* motcua: diagrams in the workspace with bpmn-js (issue 16). Progressive enhancement: the page
   already holds the server's SVG and the figures as a table; this draws the diagram with the
   NavigatedViewer (pan and zoom) and puts the table's figures on the elements:
   - rows with data-diagram-problem: a red marker and an overlay with the message;
   - rows with data-heat-step: a marker coloured by data-heat-level and an overlay with counts.
   No inline script (CSP); messages are inserted as text, never as HTML. */
(function () {
  "use strict";

  function sourceOf(figure) {
    var url = figure.getAttribute("data-source-url");
    if (url) {
      return fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) throw new Error("diagram " + response.status);
        return response.text();
      });
    }
    var holder = document.getElementById(figure.getAttribute("data-source-id") || "");
    return holder ? Promise.resolve(holder.value) : Promise.reject(new Error("no diagram"));
  }

  function overlayNode(className, text) {
    var node = document.createElement("div");
    node.className = "diagram-overlay " + className;
    node.textContent = text;
    return node;
  }

  function markProblems(viewer) {
    var registry = viewer.get("elementRegistry");
    var canvas = viewer.get("canvas");
    var overlays = viewer.get("overlays");
    var rows = document.querySelectorAll("[data-diagram-problem]");
    /* one overlay per element, with every message about it (an error outranks a warning) */
    var byElement = {};
    var order = [];
    for (var i = 0; i < rows.length; i++) {
      var id = rows[i].getAttribute("data-element-id");
      if (!id || !registry.get(id)) continue;
      if (!byElement[id]) { byElement[id] = { severity: "warning", messages: [] }; order.push(id); }
      if (rows[i].getAttribute("data-severity") !== "warning") byElement[id].severity = "error";
      byElement[id].messages.push(rows[i].getAttribute("data-message") || "");
    }
    for (var j = 0; j < order.length; j++) {
      var found = byElement[order[j]];
      canvas.addMarker(order[j], "motcua-" + found.severity);
      overlays.add(order[j], "motcua-problem", {
        position: { bottom: -4, left: 0 },
        html: overlayNode("diagram-overlay--" + found.severity, found.messages.join(" · "))
      });
    }
  }

  function markHeat(viewer) {
    var registry = viewer.get("elementRegistry");
    var canvas = viewer.get("canvas");
    var overlays = viewer.get("overlays");
    var rows = document.querySelectorAll("[data-heat-step]");
    for (var i = 0; i < rows.length; i++) {
      var id = rows[i].getAttribute("data-element-id");
      if (!id || !registry.get(id)) continue;
      var level = String(parseInt(rows[i].getAttribute("data-heat-level") || "0", 10) || 0);
      canvas.addMarker(id, "motcua-heat-" + level);
      overlays.add(id, "motcua-heat", {
        position: { top: -28, left: -10 },
        html: overlayNode("diagram-overlay--heat heat-" + level, rows[i].getAttribute("data-overlay") || "")
      });
    }
  }

  function draw(figure) {
    var canvasNode = figure.querySelector("[data-diagram-canvas]");
    var fallback = figure.querySelector("[data-diagram-fallback]");
    if (!canvasNode || typeof window.BpmnJS !== "function") return;
    canvasNode.hidden = false;
    var viewer = new window.BpmnJS({ container: canvasNode });
    sourceOf(figure)
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        viewer.get("canvas").zoom("fit-viewport", "auto");
        markProblems(viewer);
        markHeat(viewer);
        if (fallback) fallback.hidden = true;
        figure.setAttribute("data-diagram-ready", "true");
      })
      .catch(function () {
        /* the server's picture stays: nothing is lost without the viewer */
        canvasNode.hidden = true;
        viewer.destroy();
        figure.setAttribute("data-diagram-ready", "failed");
      });
  }

  function start() {
    var figures = document.querySelectorAll("[data-bpmn-diagram]");
    for (var i = 0; i < figures.length; i++) draw(figures[i]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
