// Small enhancements; every page works without them. No inline scripts anywhere (strict CSP).
(function () {
  "use strict";

  // Quick exit: replace this page in history, so Back does not return here. Shift three times too.
  function quickExit(event) {
    const link = document.querySelector("[data-quick-exit]");
    if (!link) return;
    if (event) event.preventDefault();
    document.body.hidden = true;
    window.location.replace(link.href);
  }
  document.addEventListener("click", function (event) {
    const link = event.target.closest("[data-quick-exit]");
    if (link) quickExit(event);
  });
  let shiftPresses = [];
  document.addEventListener("keydown", function (event) {
    // Only Shift on its own counts: typing capitals (Shift+A, Shift+B...) must never leave the site.
    if (event.key !== "Shift") { shiftPresses = []; return; }
    if (event.repeat) return;
    const now = Date.now();
    shiftPresses = shiftPresses.filter(function (t) { return now - t < 1200; });
    shiftPresses.push(now);
    if (shiftPresses.length >= 3) quickExit(null);
  });

  // Time zone pickers start at the browser's own zone until the person picks one.
  function fillTimeZones(root) {
    let zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    if (!zone) return;
    root.querySelectorAll("select[data-browser-time-zone]").forEach(function (select) {
      if (select.dataset.touched) return;
      const initial = select.querySelector("option[selected]");
      if (initial && initial.value !== "UTC") return;  // an existing choice: keep it
      if (select.querySelector('option[value="' + CSS.escape(zone) + '"]')) select.value = zone;
    });
  }

  // Copy buttons: shown only when the clipboard works; the read-only field is there either way.
  function setUpCopy(root) {
    root.querySelectorAll("[data-copy-target]").forEach(function (button) {
      if (!navigator.clipboard) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        const source = document.getElementById(button.dataset.copyTarget);
        const status = button.closest(".card").querySelector("[data-copy-status]");
        navigator.clipboard.writeText(source.value).then(
          function () { if (status) status.textContent = button.dataset.copiedText || "Copied."; },
          function () { source.select(); }
        );
      });
    });
    root.querySelectorAll("[data-copy-source]").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
    const focusTarget = root.querySelector("[data-autofocus]");
    if (focusTarget) focusTarget.focus();
  }

  function enhance(root) {
    fillTimeZones(root);
    setUpCopy(root);
  }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.detail.elt); });
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-browser-time-zone]")) event.target.dataset.touched = "1";
  });
})();
