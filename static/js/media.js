// Media library: uploads one file at a time over XHR so the progress bar can follow the bytes sent,
// then puts the server-rendered card at the top of the grid. Without JS the form posts normally.
(function () {
  "use strict";

  const form = document.getElementById("media-upload");
  const area = document.getElementById("media-progress-area");
  const bar = document.getElementById("media-progress");
  const status = document.getElementById("media-status");

  function setProgress(percent, failed) {
    const fill = bar.querySelector(".progress-bar");
    bar.setAttribute("aria-valuenow", String(percent));
    fill.style.width = percent + "%";
    fill.textContent = percent + "%";
    fill.classList.toggle("bg-danger", Boolean(failed));
    fill.classList.toggle("progress-bar-animated", percent < 100 && !failed);
  }

  function addCard(html) {
    const grid = document.getElementById("media-grid");
    const empty = document.getElementById("media-empty");
    if (empty) empty.remove();
    grid.insertAdjacentHTML("afterbegin", html);
    if (window.htmx) window.htmx.process(grid.firstElementChild);
  }

  function sendOne(file, token) {
    return new Promise(function (resolve) {
      const data = new FormData();
      data.append("file", file);
      const xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", token);
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) setProgress(Math.round((event.loaded / event.total) * 100), false);
      });
      xhr.addEventListener("load", function () {
        let body = {};
        try { body = JSON.parse(xhr.responseText); } catch (err) { body = {}; }
        if (xhr.status === 201 && body.html) {
          setProgress(100, false);
          addCard(body.html);
          status.textContent = form.dataset.uploaded.replace("%s", file.name);
          resolve(true);
        } else {
          setProgress(100, true);
          status.textContent = body.error || form.dataset.failed.replace("%s", String(xhr.status));
          resolve(false);
        }
      });
      xhr.addEventListener("error", function () {
        setProgress(100, true);
        status.textContent = form.dataset.offline;
        resolve(false);
      });
      status.textContent = form.dataset.uploading.replace("%s", file.name);
      setProgress(0, false);
      xhr.send(data);
    });
  }

  if (form) {
    form.addEventListener("submit", async function (event) {
      const input = form.querySelector("input[type=file]");
      if (!input.files.length) return; // let the server say what is missing
      event.preventDefault();
      const token = form.querySelector("input[name=csrfmiddlewaretoken]").value;
      const button = form.querySelector("button[type=submit]");
      area.hidden = false;
      button.disabled = true;
      for (const file of Array.from(input.files)) {
        if (!(await sendOne(file, token))) break;
      }
      button.disabled = false;
      input.value = "";
    });
  }

  document.addEventListener("submit", function (event) {
    const message = event.target.dataset && event.target.dataset.confirm;
    if (message && !window.confirm(message)) event.preventDefault();
  });
})();
