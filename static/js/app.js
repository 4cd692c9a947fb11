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
    // replace(): this page leaves history, so Back cannot return to it. The link ends the session on
    // the server and then goes on to the neutral page.
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

  // Time zone lists: a search box above (the list stays a plain <select> without JavaScript),
  // and, where a zone is already saved, an offer of this device's zone when it differs.
  function setUpTimeZoneSearch(root) {
    root.querySelectorAll("select[data-time-zone-search]").forEach(function (select) {
      if (select.dataset.searchReady) return;
      select.dataset.searchReady = "1";
      const search = document.createElement("input");
      search.type = "search";
      search.className = "tz-search";
      search.setAttribute("aria-label", select.dataset.timeZoneSearch);
      search.placeholder = select.dataset.timeZoneSearch;
      search.setAttribute("aria-controls", select.id);
      select.parentNode.insertBefore(search, select);
      search.addEventListener("input", function () {
        const words = search.value.trim().toLowerCase();
        let first = null;
        select.querySelectorAll("option").forEach(function (option) {
          const text = (option.textContent + " " + option.value).toLowerCase().replace(/_/g, " ");
          const group = option.parentNode.tagName === "OPTGROUP" ? option.parentNode.label.toLowerCase() : "";
          const match = !words || text.includes(words) || group.includes(words);
          option.hidden = !match;
          if (match && !first) first = option;
        });
        select.querySelectorAll("optgroup").forEach(function (group) {
          group.hidden = !group.querySelector("option:not([hidden])");
        });
        if (words && first && (!select.selectedOptions[0] || select.selectedOptions[0].hidden)) {
          select.value = first.value;
          select.dataset.touched = "1";
        }
      });
    });
    let zone;
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
    root.querySelectorAll("select[data-suggest-time-zone]").forEach(function (select) {
      if (!zone || select.value === zone || select.dataset.suggested) return;
      const option = select.querySelector('option[value="' + CSS.escape(zone) + '"]');
      if (!option) return;
      select.dataset.suggested = "1";
      const offer = document.createElement("button");
      offer.type = "button";
      offer.className = "button small tz-suggest";
      offer.textContent = select.dataset.suggestTimeZone.replace("%(zone)s", option.textContent);
      offer.addEventListener("click", function () {
        select.value = zone;
        select.dataset.touched = "1";
        offer.remove();
        select.focus();
      });
      select.insertAdjacentElement("afterend", offer);
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

  // Long writing survives an expired session or a failed submit: each textarea with a draft key is
  // mirrored into this tab's sessionStorage and restored if the page comes back empty. Drafts belong
  // to the signed-in person (<body data-draft-owner>, an opaque id): a page for anyone else drops them
  // all first, so on a shared device nobody is shown the words of whoever signed in before. A page
  // with no owner (the sign-in page after a session expired) keeps them for the same person's return.
  // Signing out and Quick exit clear them (and the server's Clear-Site-Data does too).
  const DRAFT_PREFIX = "draft:";
  const DRAFT_OWNER = "draft-owner";
  const DRAFT_SENT = "draft-sent";  // see settleSentDrafts

  function draftStore() {
    try { return window.sessionStorage; } catch (e) { return null; }  // private mode, or blocked
  }

  function clearDrafts() {
    const store = draftStore();
    if (!store) return;
    try {
      const keys = [];
      for (let i = 0; i < store.length; i += 1) keys.push(store.key(i));
      keys.forEach(function (key) {
        if (key && (key.indexOf(DRAFT_PREFIX) === 0 || key === DRAFT_OWNER || key === DRAFT_SENT)) {
          store.removeItem(key);
        }
      });
    } catch (e) { /* nothing kept, nothing to clear */ }
  }

  // The store, once it is certain to hold only this person's drafts; null when nobody is signed in.
  function ownDrafts() {
    const owner = document.body && document.body.dataset.draftOwner;
    const store = draftStore();
    if (!owner || !store) return null;
    try {
      if (store.getItem(DRAFT_OWNER) !== owner) {
        clearDrafts();
        store.setItem(DRAFT_OWNER, owner);
      }
    } catch (e) { return null; }
    return store;
  }

  function draftKey(name) {
    return DRAFT_PREFIX + document.body.dataset.draftOwner + ":" + name;
  }

  // A form sent as a whole page (not by htmx) names its drafts here. The next page settles them:
  // reached through a redirect on a signed-in page, the server took the words (our views redirect
  // after a successful save), so they go; a form shown again (a refusal) keeps them, and so does a
  // page with nobody signed in (the session had expired), for the same person's return.

  document.addEventListener("submit", function (event) {
    const form = event.target;
    // htmx sends its forms itself and has prevented the page submit by now; those drafts are
    // settled when the swap is (below).
    if (event.defaultPrevented || !(form instanceof HTMLFormElement)) return;
    const names = Array.prototype.map.call(
      form.querySelectorAll("textarea[data-draft-key]"),
      function (area) { return area.dataset.draftKey; }
    );
    const store = draftStore();
    if (!names.length || !store) return;
    try { store.setItem(DRAFT_SENT, JSON.stringify(names)); } catch (e) { /* as below */ }
  });

  function settleSentDrafts() {
    const store = draftStore();
    if (!store) return;
    let names;
    try {
      names = JSON.parse(store.getItem(DRAFT_SENT) || "null");
      store.removeItem(DRAFT_SENT);
    } catch (e) { return; }
    if (!Array.isArray(names)) return;
    const navigation = window.performance && performance.getEntriesByType
      ? performance.getEntriesByType("navigation")[0] : null;
    if (!navigation || !navigation.redirectCount) return;
    const own = ownDrafts();
    if (!own) return;
    names.forEach(function (name) { own.removeItem(draftKey(String(name))); });
  }

  function setUpDrafts(root) {
    if (root === document) settleSentDrafts();
    const store = ownDrafts();
    if (!store) return;
    root.querySelectorAll("textarea[data-draft-key]").forEach(function (area) {
      const key = draftKey(area.dataset.draftKey);
      const kept = store.getItem(key);
      if (kept && !area.value.trim()) {
        area.value = kept;
        // Words brought back must be in sight: open a folded section ("More") that holds them.
        const folded = area.closest("details");
        if (folded) folded.open = true;
      } else if (kept && kept === area.value) store.removeItem(key);
      area.addEventListener("input", function () {
        try { store.setItem(key, area.value); } catch (e) { /* storage full: the page still works */ }
      });
      if (area.form) area.form.addEventListener("submit", function () {
        // Keep it until the server has the words: cleared on the next page if they match.
        try { store.setItem(key, area.value); } catch (e) { /* as above */ }
      });
    });
  }

  // An htmx save that replaced its form with what was saved (a check-in's summary, say) leaves no
  // box to compare with, so its drafts are dropped once the new content is in.
  const sentDrafts = new WeakMap();  // htmx request (its XMLHttpRequest) -> the draft keys it sent
  document.addEventListener("htmx:beforeRequest", function (event) {
    const elt = event.detail.elt;
    if (!elt || !elt.querySelectorAll || !event.detail.xhr) return;
    const names = Array.prototype.map.call(
      elt.querySelectorAll("textarea[data-draft-key]"),
      function (area) { return area.dataset.draftKey; }
    );
    if (names.length) sentDrafts.set(event.detail.xhr, names);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    const names = event.detail.xhr && sentDrafts.get(event.detail.xhr);
    if (!names || !event.detail.successful) return;
    sentDrafts.delete(event.detail.xhr);
    const store = ownDrafts();
    if (!store) return;
    names.forEach(function (name) {
      if (!document.querySelector('textarea[data-draft-key="' + CSS.escape(name) + '"]')) {
        store.removeItem(draftKey(name));
      }
    });
  });

  // An htmx send the server refused or never answered (a page left open too long, a lost
  // connection) swaps nothing, so without this the person would see no answer at all. Their words
  // stay in the box (and in the draft), and the message says what to do.
  function sendFailed(event) {
    const elt = event.detail.elt;
    const form = elt && (elt.closest ? elt.closest("form") : null);
    if (!form) return;
    const stale = event.detail.xhr && event.detail.xhr.status === 403;
    const text = stale ? document.body.dataset.sendStale : document.body.dataset.sendFailed;
    if (!text) return;
    let note = form.querySelector("[data-send-failed]");
    if (!note) {
      note = document.createElement("p");
      note.className = "error";
      note.setAttribute("role", "alert");
      note.dataset.sendFailed = "";
      form.prepend(note);
    }
    note.textContent = text;
  }
  document.addEventListener("htmx:responseError", sendFailed);
  document.addEventListener("htmx:sendError", sendFailed);

  // Signing out (our form on Settings, or allauth's own sign-out page): forget the drafts now.
  document.addEventListener("submit", function (event) {
    const signOut = document.body.dataset.signOut;
    const form = event.target;
    if (!signOut || !(form instanceof HTMLFormElement)) return;
    if (new URL(form.action, window.location.href).pathname === signOut) clearDrafts();
  });

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
    setUpTimeZoneSearch(root);
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
