// The composer's small client side: channel tabs follow the chosen channels, actions follow the
// server's verdict, Ctrl/Cmd+Enter schedules, and a submit waits for an autosave still in flight so
// the two never create two posts. Counting, previews and validation all happen on the server.
(function () {
  "use strict";

  function form() { return document.getElementById("composer"); }

  function syncTabs() {
    const f = form();
    if (!f) return;
    f.querySelectorAll('input[name="channels"]').forEach(function (box) {
      const tab = f.querySelector('[data-channel-tab="' + box.value + '"]');
      if (tab) tab.hidden = !box.checked;
    });
  }

  function syncActions() {
    const f = form();
    const verdict = document.getElementById("compose-verdict");
    if (!f || !verdict) return;
    const valid = verdict.dataset.valid === "true";
    f.querySelectorAll("[data-needs-valid]").forEach(function (button) {
      button.disabled = !valid;
      // The form carries the translated hint; the English one is only a last resort.
      button.title = valid ? "" : button.dataset.blockedTitle || f.dataset.blockedTitle || "Fix the problems listed first.";
    });
  }

  let autosaving = false;
  let pendingSubmitter = null;

  document.addEventListener("DOMContentLoaded", function () {
    const f = form();
    if (!f) return;
    syncTabs();
    f.addEventListener("change", function (event) {
      if (event.target.name === "channels") syncTabs();
    });
    f.addEventListener("keydown", function (event) {
      if (event.key !== "Enter" || !(event.ctrlKey || event.metaKey)) return;
      event.preventDefault();
      const button = f.querySelector("[data-default-action]");
      if (button && !button.disabled) f.requestSubmit(button);
    });
    f.addEventListener("submit", function (event) {
      if (!autosaving) return;
      event.preventDefault();
      pendingSubmitter = event.submitter || f.querySelector("[data-default-action]");
    });
  });

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail.target && event.detail.target.id === "compose-counters") syncActions();
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (event.detail.elt && event.detail.elt.id === "compose-autosave") autosaving = true;
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    if (!event.detail.elt || event.detail.elt.id !== "compose-autosave") return;
    autosaving = false;
    if (pendingSubmitter) {
      const button = pendingSubmitter;
      pendingSubmitter = null;
      form().requestSubmit(button);
    }
  });
})();
