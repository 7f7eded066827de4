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
