// The inbox page. htmx does the fetching (list and thread polling, opening a conversation, the action
// forms); this file adds what htmx cannot: the keyboard, the unread count in the tab title, keeping the
// ticked rows and the j/k cursor across list refreshes, presence pings, and the saved-reply picker.
// Nothing here builds HTML from data: server-rendered (escaped) fragments only, and text via .value.
(function () {
  "use strict";

  const PING_MS = 10000;
  const TYPING_PING_MS = 3000;
  const selected = new Set();
  let currentId = null;
  let baseTitle = document.title;
  let lastTypingPing = 0;

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  const byId = (id) => document.getElementById(id);
  const rows = () => Array.from(document.querySelectorAll("#inbox-rows [data-conversation-row]"));
  const pane = () => byId("inbox-pane");

  function isTyping(target) {
    if (!(target instanceof Element)) return false;
    return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
  }

  // -- the list: title count, ticks and cursor survive every refresh -------------------------------------

  function updateTitle() {
    const list = byId("inbox-list");
    if (!list) return;
    const count = parseInt(list.dataset.unread || "0", 10);
    document.title = (count > 0 ? "(" + count + ") " : "") + baseTitle;
  }

  function updateBulkCount() {
    const label = byId("inbox-bulk-count");
    if (!label) return;
    label.textContent = selected.size ? selected.size + " ✓" : label.dataset.empty || label.textContent;
  }

  function restoreList() {
    const openId = pane() && pane().dataset.conversation;
    rows().forEach((row) => {
      const id = row.dataset.conversationRow;
      row.classList.toggle("smo-current", id === currentId);
      row.classList.toggle("smo-open", id === openId);
      const box = row.querySelector('input[name="ids"]');
      if (box) box.checked = selected.has(id);
    });
    updateTitle();
    updateBulkCount();
  }

  function setCurrent(row) {
    if (!row) return;
    currentId = row.dataset.conversationRow;
    restoreList();
    row.scrollIntoView({ block: "nearest" });
  }

  function move(step) {
    const all = rows();
    if (!all.length) return;
    const at = all.findIndex((row) => row.dataset.conversationRow === currentId);
    const next = at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.min(Math.max(at + step, 0), all.length - 1);
    setCurrent(all[next]);
  }

  function currentRow() {
    return rows().find((row) => row.dataset.conversationRow === currentId) || null;
  }

  function openCurrent() {
    const row = currentRow();
    const link = row && row.querySelector("[data-open-link]");
    if (link) link.click();
  }

  document.addEventListener("change", (event) => {
    const box = event.target;
    if (!(box instanceof HTMLInputElement) || box.name !== "ids" || !box.closest("#inbox-rows")) return;
    if (box.checked) selected.add(box.value);
    else selected.delete(box.value);
    updateBulkCount();
  });

  document.addEventListener("click", (event) => {
    const row = event.target instanceof Element && event.target.closest("#inbox-rows [data-conversation-row]");
    if (row) currentId = row.dataset.conversationRow;
    const toggle = event.target instanceof Element && event.target.closest("[data-inbox-help-toggle]");
    if (toggle) toggleHelp();
  });

  // -- presence: "I have this open" every 10 s, "I am replying" while typing -------------------------------

  function ping(state) {
    const target = pane();
    const url = target && target.dataset.presenceUrl;
    if (!url || document.visibilityState !== "visible") return;
    const body = new URLSearchParams({ state: state });
    fetch(url, { method: "POST", body: body, headers: { "X-CSRFToken": csrfToken() }, credentials: "same-origin" })
      .then((response) => (response.ok ? response.text() : null))
      .then((html) => {
        const box = byId("inbox-presence");
        if (html !== null && box) box.innerHTML = html; // our own template's escaped output
      })
      .catch(() => {});
  }

  function leave(paneElement) {
    const url = paneElement && paneElement.dataset.presenceUrl;
    if (!url || !navigator.sendBeacon) return;
    const form = new FormData();
    form.append("state", "left");
    form.append("csrfmiddlewaretoken", csrfToken());
    navigator.sendBeacon(url, form);
  }

  setInterval(() => ping("viewing"), PING_MS);
  window.addEventListener("pagehide", () => leave(pane()));

  document.addEventListener("input", (event) => {
    if (!(event.target instanceof Element) || event.target.id !== "inbox-reply-text") return;
    const now = Date.now();
    if (now - lastTypingPing > TYPING_PING_MS) {
      lastTypingPing = now;
      ping("replying");
    }
  });

  // -- saved replies: fill the reply box with the chosen text ---------------------------------------------

  document.addEventListener("change", (event) => {
    const picker = event.target;
    if (!(picker instanceof HTMLSelectElement) || picker.id !== "inbox-saved-reply" || !picker.value) return;
    const url = picker.dataset.url.replace(/\/0\/$/, "/" + encodeURIComponent(picker.value) + "/");
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : null))
      .then((data) => {
        const box = byId("inbox-reply-text");
        if (!data || !box) return;
        const start = box.selectionStart ?? box.value.length;
        box.value = box.value.slice(0, start) + data.text + box.value.slice(box.selectionEnd ?? start);
        box.focus();
        picker.value = "";
      })
      .catch(() => {});
  });

  // -- htmx hooks ---------------------------------------------------------------------------------------------

  document.addEventListener("htmx:beforeSwap", (event) => {
    if (event.detail.target && event.detail.target.id === "inbox-pane") leave(pane());
  });

  // The reply view (inbox/views_replies.py) answers with the thread's replies and an event: queued clears
  // the box; refused keeps the text, and its reason is copied next to the box (the thread itself is
  // refreshed every few seconds, which would take the message away).
  document.body.addEventListener("inbox-reply-queued", () => {
    const box = byId("inbox-reply-text");
    if (box) box.value = "";
    const result = byId("inbox-reply-result");
    if (result) result.textContent = "";
    if (window.htmx) window.htmx.trigger(document.body, "inbox-changed");
  });

  function copyReplyErrors(event) {
    const form = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!(form instanceof HTMLFormElement) || form.id !== "inbox-reply-form") return;
    const result = byId("inbox-reply-result");
    if (!result) return;
    const errors = Array.from(document.querySelectorAll("#inbox-pane [data-reply-error]"), (e) => e.textContent);
    result.textContent = errors.join(" ");
  }

  document.addEventListener("htmx:afterSettle", (event) => {
    copyReplyErrors(event);
    const target = event.detail.target;
    if (!(target instanceof Element)) return;
    if (target.id === "inbox-pane") {
      const id = target.dataset.conversation;
      if (id) currentId = id;
      const row = currentRow();
      if (row) row.classList.remove("smo-unread");
      ping("viewing");
    }
    restoreList();
  });

  // -- keyboard ---------------------------------------------------------------------------------------------

  function toggleHelp(force) {
    const help = byId("inbox-help");
    if (!help) return;
    const show = force === undefined ? help.hidden : force;
    help.hidden = !show;
    if (show) help.querySelector("button").focus();
  }

  function click(selector) {
    const element = document.querySelector(selector);
    if (element) element.click();
    return Boolean(element);
  }

  document.addEventListener("keydown", (event) => {
    const help = byId("inbox-help");
    if (help && !help.hidden && (event.key === "Escape" || event.key === "?")) {
      event.preventDefault();
      toggleHelp(false);
      return;
    }
    if (isTyping(event.target)) {
      if (event.target.id === "inbox-reply-text" && event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
        event.preventDefault();
        event.target.form.requestSubmit();
      } else if (event.key === "Escape") {
        event.target.blur();
      }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const onControl = event.target instanceof Element && event.target.closest("a, button");
    const actions = {
      j: () => move(1),
      k: () => move(-1),
      o: openCurrent,
      Enter: () => (onControl ? false : openCurrent()),
      x: () => {
        const box = currentRow() && currentRow().querySelector('input[name="ids"]');
        if (box) box.click();
      },
      r: () => {
        const box = byId("inbox-reply-text");
        if (box) box.focus();
      },
      e: () => click('#inbox-pane [data-action="done"]'),
      a: () => {
        const select = byId("inbox-assign");
        if (select) select.focus();
      },
      "?": () => toggleHelp(),
    };
    const action = actions[event.key];
    if (!action) return;
    if (action() === false) return;
    event.preventDefault();
  });

  document.addEventListener("DOMContentLoaded", () => {
    baseTitle = document.title.replace(/^\(\d+\) /, "");
    const label = byId("inbox-bulk-count");
    if (label) label.dataset.empty = label.textContent;
    const open = pane() && pane().dataset.conversation;
    if (open) currentId = open;
    restoreList();
    ping("viewing");
  });
})();
