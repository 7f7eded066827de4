// Progressive enhancements: every page works without this script.
(function () {
  "use strict";

  // Ask before destructive forms (data-confirm="...") are sent.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
    }
  });

  // Company autocomplete: fill the <datalist> from the account's companies as one types.
  var list = document.getElementById("company-names");
  var input = document.querySelector("input[list='company-names']");
  if (list && input) {
    var timer = null;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var url = list.getAttribute("data-suggest-url") + "?q=" + encodeURIComponent(input.value);
        fetch(url, { headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : []; })
          .then(function (names) {
            list.replaceChildren.apply(list, names.map(function (name) {
              var option = document.createElement("option");
              option.value = name;
              return option;
            }));
          })
          .catch(function () {});
      }, 150);
    });
  }

  // Sign-up: preselect the browser's time zone when the user has not chosen one.
  var zone = document.querySelector("select[name='timezone'][data-detect]");
  if (zone && zone.value === "UTC" && window.Intl) {
    var detected = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (detected && zone.querySelector("option[value='" + detected + "']")) {
      zone.value = detected;
    }
  }
})();

// Imports: drop a file on the upload box; watch a running import's progress.
(function () {
  "use strict";
  var zone = document.querySelector("[data-dropzone]");
  if (zone) {
    var input = zone.querySelector("input[type=file]");
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("dropzone-active");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dropzone-active"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (event.dataTransfer && event.dataTransfer.files.length) {
        input.files = event.dataTransfer.files;
        zone.closest("form").submit();
      }
    });
  }

  var box = document.getElementById("import-progress");
  if (box && box.getAttribute("data-status") === "running") {
    var bar = box.querySelector("progress");
    var done = box.querySelector("[data-done]");
    var poll = function () {
      fetch(box.getAttribute("data-progress-url"), { headers: { Accept: "application/json" } })
        .then(function (response) { return response.json(); })
        .then(function (state) {
          if (bar) { bar.max = state.total || 1; bar.value = state.done; }
          if (done) { done.textContent = state.done; }
          if (state.status === "running") { setTimeout(poll, 700); } else { window.location.reload(); }
        })
        .catch(function () { setTimeout(poll, 2000); });
    };
    setTimeout(poll, 700);
  }
})();

// Templates: live preview, merge-field picker, copy to clipboard.
(function () {
  "use strict";
  var form = document.getElementById("template-form");
  if (form) {
    var last = form.querySelector("[data-merge-target]");
    form.querySelectorAll("[data-merge-target]").forEach(function (input) {
      input.addEventListener("focus", function () { last = input; });
    });
    form.querySelectorAll("[data-merge-field]").forEach(function (button) {
      button.addEventListener("click", function () {
        var text = "{{ " + button.getAttribute("data-merge-field") + " }}";
        var start = last.selectionStart || 0, end = last.selectionEnd || 0;
        last.value = last.value.slice(0, start) + text + last.value.slice(end);
        last.focus();
        last.setSelectionRange(start + text.length, start + text.length);
        schedule();
      });
    });
    var subject = document.querySelector("[data-preview-subject]");
    var body = document.querySelector("[data-preview-body]");
    var errors = document.querySelector("[data-preview-errors]");
    var timer = null;
    var refresh = function () {
      var data = new FormData(form);
      document.querySelectorAll("[data-preview-input]").forEach(function (el) {
        data.set(el.name, el.value);
      });
      fetch(form.getAttribute("data-preview-url"), {
        method: "POST", body: data,
        headers: { "X-CSRFToken": data.get("csrf_token"), Accept: "application/json" },
      })
        .then(function (response) { return response.json(); })
        .then(function (result) {
          // The server escapes every value and marks fallbacks; nothing else is markup.
          subject.innerHTML = result.subject;
          body.innerHTML = result.body;
          var messages = [];
          Object.keys(result.errors).forEach(function (key) {
            messages = messages.concat(result.errors[key]);
          });
          errors.textContent = messages.join(" ");
        })
        .catch(function () {});
    };
    var schedule = function () { clearTimeout(timer); timer = setTimeout(refresh, 250); };
    form.addEventListener("input", schedule);
    document.querySelectorAll("[data-preview-input]").forEach(function (el) {
      el.addEventListener("change", schedule);
    });
    refresh();
  }

  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var source = document.querySelector(button.getAttribute("data-copy"));
      var status = document.querySelector("[data-copy-status]");
      var done = function () { if (status) { status.textContent = "Copied."; } };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(source.value).then(done);
      } else {
        source.classList.remove("visually-hidden");
        source.select();
        document.execCommand("copy");
        source.classList.add("visually-hidden");
        done();
      }
    });
  });
})();

// Board: drag a card to another column to change its status (the menu does it without JS).
(function () {
  "use strict";
  var board = document.querySelector("[data-board]");
  if (!board) { return; }
  var token = document.getElementById("board-csrf").value;
  var dragged = null;
  board.addEventListener("dragstart", function (event) {
    dragged = event.target.closest(".board-card");
    if (dragged) { event.dataTransfer.setData("text/plain", dragged.getAttribute("data-pitch-id")); }
  });
  board.querySelectorAll(".board-column").forEach(function (column) {
    column.addEventListener("dragover", function (event) { event.preventDefault(); column.classList.add("drop-target"); });
    column.addEventListener("dragleave", function () { column.classList.remove("drop-target"); });
    column.addEventListener("drop", function (event) {
      event.preventDefault();
      column.classList.remove("drop-target");
      if (!dragged) { return; }
      var card = dragged;
      var body = new FormData();
      body.set("csrf_token", token);
      body.set("status", column.getAttribute("data-status"));
      fetch(card.getAttribute("data-status-url"), { method: "POST", body: body, headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) { throw new Error("refused"); }
          return response.json();
        })
        .then(function () { window.location.reload(); })
        .catch(function () { window.alert("The pitch could not be moved. Reload the page and try again."); });
    });
  });
})();

// Dashboard funnel: a Chart.js bar chart over the numbers the table already shows.
(function () {
  "use strict";
  var canvas = document.getElementById("funnel-chart");
  if (!canvas || !window.Chart) { return; }
  var table = document.querySelector("[data-funnel-table]");
  if (table) { table.classList.add("visually-hidden"); }
  new window.Chart(canvas, {
    type: "bar",
    data: {
      labels: JSON.parse(canvas.getAttribute("data-labels")),
      datasets: [{ label: "Pitches", data: JSON.parse(canvas.getAttribute("data-values")),
                   backgroundColor: ["#0d6efd", "#6610f2", "#198754", "#ffc107"] }],
    },
    options: { indexAxis: "y", animation: false, plugins: { legend: { display: false } },
               scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
  });
})();

// Mailbox presets: choosing a provider fills in its servers (without JavaScript the
// server fills the empty ones from the same preset when the form is sent).
document.querySelectorAll("select[data-presets]").forEach((select) => {
  select.addEventListener("change", () => {
    const option = select.selectedOptions[0];
    const help = document.getElementById("preset-help");
    if (help && option.dataset.help) help.textContent = option.dataset.help;
    for (const side of ["smtp", "imap"]) {
      if (!option.dataset[side]) continue;
      const [host, port, security] = option.dataset[side].split("|");
      document.getElementById(`${side}_host`).value = host;
      document.getElementById(`${side}_port`).value = port;
      document.getElementById(`${side}_security`).value = security;
    }
  });
});

// Contact pickers: a combobox (ARIA 1.2 pattern) over /contacts/lookup. Without this
// script the picker is a search field with a Find button that lists the matches.
document.querySelectorAll("[data-contact-picker]").forEach((picker) => {
  const input = picker.querySelector("[data-picker-input]");
  const list = picker.querySelector("[role=listbox]");
  const status = picker.querySelector("[data-picker-status]");
  const find = picker.querySelector("[data-picker-find]");
  let value = picker.querySelector("[data-picker-value]");
  if (!value) {  // the page listed matches (no script before): keep one hidden field
    picker.querySelectorAll("fieldset").forEach((el) => el.remove());
    value = document.createElement("input");
    value.type = "hidden";
    value.name = "contact_id";
    value.setAttribute("data-picker-value", "");
    picker.prepend(value);
  }
  if (find) { find.hidden = true; find.parentElement.classList.remove("input-group"); }
  let options = [];
  let active = -1;
  let timer = null;
  let asked = "";

  const close = () => {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  };
  const highlight = (index) => {
    options.forEach((li, i) => {
      li.classList.toggle("active", i === index);
      li.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    }
  };
  const choose = (contact) => {
    value.value = contact.id;
    input.value = contact.name;
    status.textContent = "Chosen: " + contact.name + (contact.email ? " <" + contact.email + ">" : "")
      + (contact.company ? " · " + contact.company : "");
    close();
    value.dispatchEvent(new Event("change", { bubbles: true }));
  };
  const show = (contacts, limit) => {
    options = contacts.map((contact, i) => {
      const li = document.createElement("li");
      li.id = "contact-option-" + i;
      li.className = "list-group-item list-group-item-action";
      li.setAttribute("role", "option");
      li.setAttribute("aria-selected", "false");
      const name = document.createElement("span");
      name.className = "fw-semibold";
      name.textContent = contact.name;
      const more = document.createElement("span");
      more.className = "text-body-secondary small d-block";
      more.textContent = [contact.email, contact.company, contact.city].filter(Boolean).join(" · ");
      li.append(name, more);
      li.addEventListener("mousedown", (event) => { event.preventDefault(); choose(contact); });
      li.contact = contact;
      return li;
    });
    list.replaceChildren(...options);
    list.hidden = options.length === 0;
    input.setAttribute("aria-expanded", options.length ? "true" : "false");
    status.textContent = options.length === 0 ? "No contact matches “" + input.value + "”."
      : options.length >= limit ? "The first " + limit + " matches: type more to narrow them."
      : options.length + (options.length === 1 ? " contact matches." : " contacts match.");
    highlight(options.length ? 0 : -1);
  };
  const search = () => {
    const q = input.value.trim();
    if (q === asked) return;
    asked = q;
    if (!q) { options = []; list.replaceChildren(); close(); return; }
    const url = picker.getAttribute("data-lookup") + (picker.getAttribute("data-lookup").includes("?") ? "&" : "?")
      + "q=" + encodeURIComponent(q);
    fetch(url, { headers: { Accept: "application/json" } })
      .then((response) => (response.ok ? response.json() : { contacts: [], limit: 20 }))
      .then((answer) => { if (asked === q) show(answer.contacts, answer.limit); })
      .catch(() => {});
  };
  input.addEventListener("input", () => {
    value.value = "";  // what is typed is a search until a contact is chosen
    clearTimeout(timer);
    timer = setTimeout(search, 150);
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "ArrowDown" && options.length) {
      event.preventDefault();
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      highlight(Math.min(active + 1, options.length - 1));
    } else if (event.key === "ArrowUp" && options.length) {
      event.preventDefault();
      highlight(Math.max(active - 1, 0));
    } else if (event.key === "Enter" && !list.hidden && active >= 0) {
      event.preventDefault();  // choosing, not sending the form
      choose(options[active].contact);
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", () => setTimeout(close, 100));
  // Letters typed before this script ran (a slow page) are a search too.
  if (input.value !== input.defaultValue) {
    value.value = "";
    search();
  }
});

// Compose: choosing a template (or another release or contact) fills in the subject and
// the message at once, asking first when they have been edited since.
document.querySelectorAll("form[data-compose]").forEach((form) => {
  const subject = form.querySelector("[name=subject]");
  const body = form.querySelector("[name=body]");
  const template = form.querySelector("[name=template_id]");
  const fill = form.querySelector("[data-fill-button]");
  if (!template || !subject || !body) return;
  if (fill) fill.hidden = true;
  const filled = { subject: subject.value, body: body.value };
  const refill = () => {
    const contact = form.querySelector("[data-picker-value]");
    if (!template.value || (contact && !contact.value)) return;
    const edited = subject.value !== filled.subject || body.value !== filled.body;
    if (edited && (subject.value || body.value)
        && !window.confirm("Replace the subject and message you edited with the template's?")) return;
    const action = document.createElement("input");
    action.type = "hidden";
    action.name = "action";
    action.value = "render";
    form.append(action);
    form.submit();
  };
  template.addEventListener("change", refill);
  form.querySelector("[name=release_id]")?.addEventListener("change", refill);
  form.querySelector("[data-picker-value]")?.addEventListener("change", refill);
});

// Contact list: a selection kept across pages (in this tab), its live count, select the
// whole page, and the action's own fields only. Without this script the ticked boxes of
// one page, or "all matching", are sent as they are.
document.querySelectorAll("form[data-bulk]").forEach((form) => {
  const key = "stagedoor:" + form.getAttribute("data-selection-key");
  const load = () => {
    try { return new Set(JSON.parse(sessionStorage.getItem(key) || "[]")); } catch (e) { return new Set(); }
  };
  const picked = load();
  const boxes = Array.from(form.querySelectorAll("input[data-pick]"));
  const count = form.querySelector("[data-selected-count]");
  const page = form.querySelector("[data-select-page]");
  const matching = form.querySelector("#scope-matching");
  const selected = form.querySelector("#scope-selected");
  const total = Number(form.getAttribute("data-total"));
  const save = () => sessionStorage.setItem(key, JSON.stringify(Array.from(picked)));
  const show = () => {
    if (matching.checked) {
      count.textContent = total.toLocaleString() + " selected";
    } else {
      count.textContent = picked.size.toLocaleString() + " selected";
    }
    const onPage = boxes.filter((box) => box.checked).length;
    page.checked = onPage === boxes.length && boxes.length > 0;
    page.indeterminate = onPage > 0 && onPage < boxes.length;
  };
  boxes.forEach((box) => {
    box.checked = picked.has(box.value);
    box.addEventListener("change", () => {
      if (box.checked) picked.add(box.value); else picked.delete(box.value);
      selected.checked = true;
      save();
      show();
    });
  });
  form.querySelector("[data-select-page-box]").hidden = false;
  page.addEventListener("change", () => {
    boxes.forEach((box) => {
      box.checked = page.checked;
      if (page.checked) picked.add(box.value); else picked.delete(box.value);
    });
    selected.checked = true;
    save();
    show();
  });
  [matching, selected].forEach((radio) => radio.addEventListener("change", show));

  const action = form.querySelector("#bulk_action");
  const fields = Array.from(form.querySelectorAll("[data-bulk-for]"));
  const showFields = () => fields.forEach((el) => {
    el.hidden = !el.getAttribute("data-bulk-for").split(" ").includes(action.value);
  });
  action.addEventListener("change", showFields);
  showFields();

  form.addEventListener("submit", (event) => {
    const quick = event.submitter && event.submitter.name === "quick_action";
    const what = quick ? event.submitter.value : action.value;
    const size = matching.checked ? total : picked.size;
    if (what === "delete"
        && !window.confirm("Delete " + size.toLocaleString() + " contacts? You can undo it from the list of changes.")) {
      event.preventDefault();
      return;
    }
    // The ticked contacts of other pages go too.
    const here = new Set(boxes.map((box) => box.value));
    picked.forEach((id) => {
      if (here.has(id)) return;
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = "contact_id";
      input.value = id;
      form.append(input);
    });
    if (!["export", "pitch"].includes(what)) sessionStorage.removeItem(key);
  });
  show();
});

// Tables that stack on a phone: each cell learns its column's name from the header.
document.querySelectorAll("table.table-stack").forEach((table) => {
  const names = Array.from(table.querySelectorAll("thead th")).map((th) => th.textContent.trim());
  table.querySelectorAll("tbody tr").forEach((row) => {
    Array.from(row.children).forEach((cell, i) => {
      if (cell.tagName === "TD" && names[i] && !cell.hasAttribute("data-label")) {
        cell.setAttribute("data-label", names[i]);
      }
    });
  });
});

// Contact list on a phone: the filters fold behind one button (they stay open while any
// is in use), so the list starts on the first screen.
document.querySelectorAll("[data-filters-toggle]").forEach((slot) => {
  if (!window.matchMedia("(max-width: 575.98px)").matches) return;
  const form = slot.closest("form");
  const folded = Array.from(form.querySelectorAll("[data-fold]"));
  const button = slot.querySelector("button");
  const set = (open) => {
    folded.forEach((el) => { el.hidden = !open; });
    button.setAttribute("aria-expanded", open ? "true" : "false");
  };
  slot.hidden = false;
  set(slot.hasAttribute("data-active"));
  button.addEventListener("click", () => set(button.getAttribute("aria-expanded") !== "true"));
});

// Anywhere: keyboard shortcuts (/ search, n quick add, p new pitch, ? the list) and the
// quick add of a contact in a dialog (without this script "+ Contact" opens the full form).
// The dialogs wait in a <template> and are in the page only while open.
(() => {
  const dialogs = document.getElementById("app-dialogs");
  if (!dialogs || !window.HTMLDialogElement) return;
  const urls = dialogs.content.getElementById("shortcuts").dataset;
  const open = (id) => {
    if (document.querySelector("dialog[open]")) return;
    const dialog = dialogs.content.getElementById(id).cloneNode(true);
    document.body.append(dialog);
    dialog.querySelectorAll("[data-close-dialog]").forEach((button) => {
      button.addEventListener("click", () => dialog.close());
    });
    dialog.addEventListener("close", () => dialog.remove());
    dialog.showModal();
    const first = dialog.querySelector("input:not([type=hidden]), button");
    if (first) first.focus();
  };
  document.querySelectorAll("[data-quick-add]").forEach((link) => {
    link.addEventListener("click", (event) => { event.preventDefault(); open("quick-add"); });
  });
  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.defaultPrevented) return;
    const target = event.target;
    if (target.closest("input, textarea, select, [contenteditable], dialog[open]")) return;
    if (event.key === "/") {
      event.preventDefault();
      const search = document.querySelector("input[type=search]#q");
      if (search) search.focus(); else window.location.href = urls.searchUrl;
    } else if (event.key === "n") {
      event.preventDefault();
      open("quick-add");
    } else if (event.key === "p") {
      window.location.href = urls.pitchUrl;
    } else if (event.key === "?") {
      open("shortcuts");
    }
  });
  if (new URLSearchParams(window.location.search).get("focus") === "search") {
    const search = document.querySelector("input[type=search]#q");
    if (search) search.focus();
  }
})();

// Contact list: change a contact's role or tags in place (a small button beside each;
// without this script the contact's own page edits them).
(() => {
  const form = document.getElementById("bulk-form");
  const roles = document.getElementById("role-options");
  if (!form || !roles) return;
  const token = form.querySelector("[name=csrf_token]").value;
  const save = (cell, name, value) => {
    const body = new FormData();
    body.set("csrf_token", token);
    body.set(name, value);
    return fetch(cell.dataset.url, { method: "POST", body, headers: { Accept: "application/json" } })
      .then((response) => response.json().then((answer) => ({ ok: response.ok, answer })));
  };
  const tagBadges = (tags) => tags.map((tag) => {
    const badge = document.createElement("span");
    badge.className = "badge text-bg-secondary me-1";
    badge.textContent = tag;
    return badge;
  });
  document.querySelectorAll("[data-inline]").forEach((cell) => {
    const name = cell.dataset.inline;
    const shown = cell.querySelector("[data-shown]");
    const edit = document.createElement("button");
    edit.type = "button";
    edit.className = "btn btn-link btn-sm p-0 ms-1 inline-edit";
    edit.textContent = "edit";
    const what = name === "role" ? "role" : "tags";
    edit.setAttribute("aria-label", "Edit the " + what + " of " + cell.dataset.who);
    cell.append(edit);
    edit.addEventListener("click", () => {
      const field = name === "role" ? document.createElement("select") : document.createElement("input");
      field.className = "form-control form-control-sm d-inline-block w-auto";
      field.setAttribute("aria-label", (name === "role" ? "Role of " : "Tags of ") + cell.dataset.who
        + (name === "tags" ? " (separated by ;)" : ""));
      if (name === "role") field.append(roles.content.cloneNode(true));
      field.value = cell.dataset.value;
      shown.hidden = true;
      edit.hidden = true;
      cell.append(field);
      field.focus();
      const done = () => { field.remove(); shown.hidden = false; edit.hidden = false; edit.focus(); };
      const commit = () => {
        if (field.value === cell.dataset.value) { done(); return; }
        save(cell, name, field.value).then(({ ok, answer }) => {
          if (!ok) {
            field.classList.add("is-invalid");
            field.title = Object.values(answer.errors || {}).flat().join(" ");
            window.alert(field.title || "That could not be saved.");
            return;
          }
          if (name === "role") {
            cell.dataset.value = answer.role;
            shown.textContent = answer.role_label;
            const guessed = cell.querySelector("[data-guessed]");
            if (guessed) guessed.remove();
          } else {
            cell.dataset.value = answer.tags.join("; ");
            shown.replaceChildren(...tagBadges(answer.tags));
          }
          done();
        }).catch(() => window.alert("That could not be saved. Reload the page and try again."));
      };
      field.addEventListener("keydown", (event) => {
        if (event.key === "Escape") { event.preventDefault(); done(); }
        if (event.key === "Enter") { event.preventDefault(); commit(); }
      });
      if (name === "role") field.addEventListener("change", commit);
      else field.addEventListener("blur", commit);
    });
  });
})();
