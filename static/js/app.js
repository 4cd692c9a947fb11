// Small enhancements; every page works without them. No inline scripts anywhere (strict CSP).
(function () {
  "use strict";

  // Quick exit: replace this page in history, so Back does not return here. Shift three times too.
  function quickExit(event) {
    const link = document.querySelector("[data-quick-exit]");
    if (!link) return;
    if (event) event.preventDefault();
    document.body.hidden = true;
    try { window.sessionStorage.clear(); } catch (e) { /* private mode */ }
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

  // Long writing survives an expired session or a lost connection: each textarea with a draft key
  // is mirrored into this tab's sessionStorage (gone when the tab closes, and on Quick exit) and
  // restored if the page comes back empty. A successful save reloads the page with the saved text.
  function setUpDrafts(root) {
    root.querySelectorAll("textarea[data-draft-key]").forEach(function (area) {
      const key = "draft:" + area.dataset.draftKey;
      let store;
      try { store = window.sessionStorage; } catch (e) { return; }
      const kept = store.getItem(key);
      if (kept && !area.value.trim()) area.value = kept;
      else if (kept && kept === area.value) store.removeItem(key);
      area.addEventListener("input", function () { store.setItem(key, area.value); });
      if (area.form) area.form.addEventListener("submit", function () {
        // Keep it until the server has the words: cleared on the next page if they match.
        store.setItem(key, area.value);
      });
    });
  }

  // Guided practice: a visible countdown when JavaScript is on; the steps work without it.
  function setUpPractice(root) {
    root.querySelectorAll("[data-practice]").forEach(function (box) {
      const start = box.querySelector("[data-timer-start]");
      const display = box.querySelector("[data-timer]");
      const status = box.querySelector("[data-timer-status]");
      const total = parseInt(box.dataset.seconds, 10) || 0;
      if (!start || !display || !total) return;
      const show = function (left) {
        display.textContent = Math.floor(left / 60) + ":" + String(left % 60).padStart(2, "0");
      };
      show(total);
      display.hidden = false;
      start.hidden = false;
      let timer = null;
      start.addEventListener("click", function () {
        if (timer) { clearInterval(timer); timer = null; start.textContent = start.dataset.label || start.textContent; return; }
        let left = total;
        start.dataset.label = start.dataset.label || start.textContent;
        start.textContent = start.dataset.stopText || "Stop";
        timer = setInterval(function () {
          left -= 1;
          show(Math.max(left, 0));
          if (left <= 0) {
            clearInterval(timer); timer = null;
            start.textContent = start.dataset.label;
            if (status) status.textContent = status.dataset.doneText || "Time. Take a breath together.";
          }
        }, 1000);
      });
    });
  }

  function enhance(root) {
    fillTimeZones(root);
    setUpCopy(root);
    setUpDrafts(root);
    setUpPractice(root);
  }
  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.detail.elt); });
  document.addEventListener("change", function (event) {
    if (event.target.matches("select[data-browser-time-zone]")) event.target.dataset.touched = "1";
  });
})();
