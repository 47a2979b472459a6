/* motcua: progressive enhancement only. Every page works without this file: forms post, rows
   are added and removed by the server, conditional fields are simply always shown. */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  /* The error summary takes the focus, so a screen reader reads what to fix first. */
  function focusErrorSummary() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  }

  /* Conditional fields of a JSON-Schema form: shown while the field that makes them required
     has one of the listed values; never hidden while they hold a value or an error. */
  function currentValue(form, name) {
    var inputs = form.querySelectorAll('[name="' + CSS.escape(name) + '"]');
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.checked) return input.value;
      } else {
        return input.value;
      }
    }
    return inputs.length && inputs[0].type === "checkbox" ? "false" : "";
  }

  function holdsSomething(field) {
    if (field.querySelector(".error-message")) return true;
    var inputs = field.querySelectorAll("input:not([type=hidden]), select, textarea");
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if ((input.type === "radio" || input.type === "checkbox") ? input.checked : input.value) return true;
    }
    return false;
  }

  function updateConditionalFields(root) {
    var fields = root.querySelectorAll("[data-show-when]");
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      var form = field.closest("form");
      if (!form) continue;
      var values = JSON.parse(field.getAttribute("data-show-values") || "[]");
      var shown = values.indexOf(currentValue(form, field.getAttribute("data-show-when"))) !== -1;
      field.classList.toggle("conditional-hidden", !shown && !holdsSomething(field));
    }
  }

  /* After htmx replaced a repeatable group: focus the new row's first input, or the group. */
  function focusAfterRowAction(event) {
    var detail = event.detail || {};
    var trigger = detail.requestConfig && detail.requestConfig.elt;
    if (!trigger || !trigger.hasAttribute("data-row-action")) return;
    var group = document.getElementById(trigger.getAttribute("hx-target").slice(1));
    if (!group) return;
    var rows = group.querySelectorAll(".repeat__row");
    var target = null;
    if (trigger.getAttribute("data-row-action") === "add" && rows.length) {
      target = rows[rows.length - 1].querySelector("input:not([type=hidden]), select, textarea");
    }
    if (!target) {
      target = group.querySelector("[data-row-action=add]") || group.querySelector("input:not([type=hidden]), select, textarea");
    }
    if (target) target.focus();
    updateConditionalFields(group);
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrorSummary();
    updateConditionalFields(document);
    document.addEventListener("change", function (event) {
      if (event.target.closest("form")) updateConditionalFields(event.target.closest("form"));
    });
    document.body.addEventListener("htmx:afterSettle", focusAfterRowAction);
  });
})();
