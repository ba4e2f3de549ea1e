// The Queues page: reorder a channel's queued posts by native HTML5 drag and drop. The ↑/↓ buttons beside
// each post do the same from the keyboard (and without JavaScript). After a drop the new order is posted
// with htmx and the server answers with the channel's card, so the page always shows what was saved.
(function () {
  "use strict";

  let dragged = null;

  function itemOf(target) {
    return target instanceof Element ? target.closest("[data-queue-item]") : null;
  }

  function orderOf(list) {
    return Array.from(list.querySelectorAll("[data-queue-item]"), (item) => item.dataset.delivery).join(",");
  }

  document.addEventListener("dragstart", (event) => {
    const item = itemOf(event.target);
    if (!item || item.getAttribute("draggable") !== "true") return;
    dragged = item;
    item.classList.add("smo-dragging");
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", item.dataset.delivery);
  });

  // The dragged post moves live under the pointer: above a row's middle it goes before it, below it after.
  document.addEventListener("dragover", (event) => {
    const item = itemOf(event.target);
    if (!dragged || !item || item.parentElement !== dragged.parentElement) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = "move";
    if (item === dragged) return;
    const box = item.getBoundingClientRect();
    const after = event.clientY > box.top + box.height / 2;
    item.parentElement.insertBefore(dragged, after ? item.nextElementSibling : item);
  });

  document.addEventListener("drop", (event) => {
    if (dragged && itemOf(event.target)) event.preventDefault();
  });

  document.addEventListener("dragend", () => {
    if (!dragged) return;
    const list = dragged.parentElement;
    dragged.classList.remove("smo-dragging");
    dragged = null;
    const order = orderOf(list);
    if (order === list.dataset.order || !window.htmx) return;
    window.htmx.ajax("POST", list.dataset.reorderUrl, {
      target: list.closest("[data-queue-card]"),
      swap: "outerHTML",
      values: { order: order },
      headers: { "X-CSRFToken": list.dataset.csrf },
    });
  });
})();
