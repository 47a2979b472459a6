/* The task page's diagram: bpmn-js's NavigatedViewer (drag to move, wheel to zoom) with the
   completed and current steps marked. The BPMN comes from the same origin; without JavaScript,
   or if anything fails, the server's SVG (the <img> inside the container) stays. */
(function () {
  "use strict";

  function ids(element, name) {
    return (element.getAttribute(name) || "").split(" ").filter(Boolean);
  }

  function mark(canvas, list, marker) {
    list.forEach(function (id) {
      try { canvas.addMarker(id, marker); } catch (ignored) { /* not drawn: nothing to mark */ }
    });
  }

  function show(container) {
    if (typeof window.BpmnJS !== "function" || !window.fetch) return;
    fetch(container.getAttribute("data-bpmn-url"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("diagram " + response.status);
        return response.text();
      })
      .then(function (xml) {
        var canvasElement = document.createElement("div");
        canvasElement.className = "diagram__canvas";
        canvasElement.setAttribute("role", "region");
        canvasElement.setAttribute("aria-label", container.getAttribute("data-label") || "");
        container.appendChild(canvasElement);
        var viewer = new window.BpmnJS({ container: canvasElement });
        return viewer.importXML(xml).then(function () {
          var canvas = viewer.get("canvas");
          mark(canvas, ids(container, "data-completed"), "diagram-completed");
          mark(canvas, ids(container, "data-current"), "diagram-current");
          canvas.zoom("fit-viewport");
          container.classList.add("diagram--interactive");
          container.setAttribute("data-ready", "true");
        }).catch(function (error) {
          container.removeChild(canvasElement);
          throw error;
        });
      })
      .catch(function () { /* the SVG stays */ });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var containers = document.querySelectorAll(".diagram[data-bpmn-url]");
    for (var i = 0; i < containers.length; i++) show(containers[i]);
  });
})();
