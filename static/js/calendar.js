// The calendar page: FullCalendar over /calendar/feed/, drag to reschedule with an Undo toast, shortcuts.
// All text from posts and channels is put in the page with textContent, never as HTML.
(function () {
  "use strict";

  const root = document.getElementById("calendar");
  if (!root || !window.FullCalendar) return;
  const config = JSON.parse(document.getElementById("calendar-config").textContent);
  const form = document.getElementById("calendar-filters");
  const toastEl = document.getElementById("calendar-toast");
  const toastText = document.getElementById("calendar-toast-text");
  const undoButton = document.getElementById("calendar-undo");
  const viewNames = { dayGridMonth: "month", timeGridWeek: "week", listMonth: "list" };
  // Messages in the interface language, from the page (scheduler/calendar_i18n.py).
  const texts = config.messages;
  let undoToken = null;

  function filterParams() {
    const params = new URLSearchParams();
    for (const [name, value] of new FormData(form)) {
      if (value && name !== "view" && name !== "date") params.append(name, value);
    }
    return params;
  }

  function loadEvents(info, success, failure) {
    const params = filterParams();
    params.set("start", info.startStr);
    params.set("end", info.endStr);
    fetch(config.feedUrl + "?" + params.toString(), { headers: { Accept: "application/json" } })
      .then((response) => response.ok ? response.json() : response.json().then((body) => Promise.reject(body)))
      .then(success)
      .catch((body) => { showToast((body && body.error) || texts.loadFailed); failure(body); });
  }

  function post(url, data) {
    return fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": root.dataset.csrf, Accept: "application/json" },
      body: new URLSearchParams(data),
    }).then((response) => response.json().catch(() => ({})).then((body) => {
      if (!response.ok) {
        const fallback = response.status === 403 ? texts.forbidden : texts.failed;
        return Promise.reject(new Error(body.error || fallback));
      }
      return body;
    }));
  }

  function showToast(message, token) {
    undoToken = token || null;
    toastText.textContent = message;
    undoButton.hidden = !undoToken;
    window.bootstrap.Toast.getOrCreateInstance(toastEl).show();
    if (undoToken) undoButton.focus({ preventScroll: true });
  }

  // FullCalendar runs in a named zone without a zone plugin, so a date's UTC fields hold the wall-clock time.
  function wallClock(date) {
    return date.toISOString().slice(0, 19);
  }

  function onDrop(info) {
    const url = config.moveUrl.replace("/0/move/", "/" + info.event.id + "/move/");
    post(url, { start: wallClock(info.event.start) })
      .then((body) => showToast(body.message, body.undoToken))
      .catch((error) => { info.revert(); showToast(error.message); });
  }

  function onUndo() {
    if (!undoToken) return;
    const token = undoToken;
    undoButton.hidden = true;
    post(config.undoUrl, { token: token })
      .then((body) => { calendar.refetchEvents(); showToast(body.message); })
      .catch((error) => showToast(error.message));
  }

  function onDateClick(info) {
    if (!config.canEdit) return;
    // A day cell in the month view has no time: start the composer at 09:00 that day.
    const at = info.allDay ? info.dateStr + "T09:00:00" : wallClock(info.date);
    window.location.assign(config.composeUrl + "?at=" + encodeURIComponent(at));
  }

  const legend = config.legend;
  const unknownState = { label: "", colour: "#6c757d", text: "#ffffff" };

  // The feed sends states and platform keys only; colours, labels and icons come once with the page.
  function eventDataTransform(data) {
    const state = legend.states[data.extendedProps.state] || unknownState;
    return Object.assign(data, { backgroundColor: state.colour, borderColor: state.colour, textColor: state.text });
  }

  function platformOf(props) {
    return legend.platforms[props.platform] || { label: props.platform, icon: props.platform.slice(0, 1) };
  }

  function eventContent(arg) {
    const props = arg.event.extendedProps;
    const platform = platformOf(props);
    const line = document.createElement("div");
    line.className = "smo-cal-event";
    const icon = document.createElement("span");
    icon.className = "smo-cal-icon";
    icon.textContent = platform.icon;
    icon.setAttribute("aria-label", platform.label);
    line.append(icon);
    if (arg.timeText && arg.view.type !== "listMonth") line.append(arg.timeText + " ");
    line.append(arg.event.title || "…");
    return { domNodes: [line] };
  }

  function eventDidMount(info) {
    const props = info.event.extendedProps;
    info.el.dataset.delivery = info.event.id;
    info.el.dataset.state = props.state;
    info.el.dataset.editable = String(info.event.startEditable);
    const state = legend.states[props.state] || unknownState;
    const parts = [platformOf(props).label, props.channel, state.label, props.campaign];
    info.el.title = parts.filter(Boolean).join(" · ");
  }

  function onDatesSet(info) {
    const date = info.view.currentStart.toISOString().slice(0, 10);
    form.elements.view.value = viewNames[info.view.type] || "month";
    form.elements.date.value = date;
    const params = filterParams();
    params.set("view", form.elements.view.value);
    params.set("date", date);
    window.history.replaceState(null, "", "?" + params.toString());
  }

  const calendar = new window.FullCalendar.Calendar(root, {
    timeZone: config.timeZone,
    initialView: config.initialView,
    initialDate: config.initialDate || config.today,
    // The language code alone makes FullCalendar format dates with the browser's Intl in that language;
    // its own words (buttons, hints, "all day") come translated from the page, so no locale file is needed.
    locale: config.locale,
    firstDay: config.firstDay,
    buttonText: config.buttonText,
    buttonHints: config.buttonHints,
    viewHint: config.viewHint,
    navLinkHint: config.navLinkHint,
    moreLinkHint: config.moreLinkHint,
    moreLinkText: config.moreLinkText,
    allDayText: config.allDayText,
    noEventsText: config.noEventsText,
    closeHint: config.closeHint,
    timeHint: config.timeHint,
    eventHint: config.eventHint,
    weekText: config.weekText,
    weekTextLong: config.weekTextLong,
    headerToolbar: { left: "prev,next today", center: "title", right: "dayGridMonth,timeGridWeek,listMonth" },
    height: "auto",
    nowIndicator: true,
    scrollTime: "08:00:00",
    editable: config.canEdit,
    eventDurationEditable: false,
    dayMaxEvents: 4,
    eventDisplay: "block",  // state colours show in the month grid too, not only a dot
    eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
    events: loadEvents,
    eventDataTransform: eventDataTransform,
    eventContent: eventContent,
    eventDidMount: eventDidMount,
    eventDrop: onDrop,
    dateClick: onDateClick,
    datesSet: onDatesSet,
  });
  calendar.render();

  undoButton.addEventListener("click", onUndo);
  form.addEventListener("change", () => form.requestSubmit());

  const shortcuts = {
    t: () => calendar.today(),
    m: () => calendar.changeView("dayGridMonth"),
    w: () => calendar.changeView("timeGridWeek"),
    l: () => calendar.changeView("listMonth"),
    ArrowLeft: () => calendar.prev(),
    ArrowRight: () => calendar.next(),
  };
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    const target = event.target;
    if (target.closest && target.closest("input, select, textarea, [contenteditable]")) return;
    const action = shortcuts[event.key];
    if (action) { event.preventDefault(); action(); }
  });
})();
