/* Ledger import: run the import chunk by chunk and show a progress bar (no inline JS: CSP). */
(function () {
  "use strict";
  var form = document.querySelector("form[data-import-run]");
  if (!form || !window.fetch) return;
  var box = form.querySelector(".progress");
  var bar = form.querySelector("[data-progress-bar]");
  var text = form.querySelector("[data-progress-text]");
  // The messages come translated from the page (data-progress-format, data-interrupted).
  var format = text.getAttribute("data-progress-format") || "{done} / {total}";
  var interrupted = text.getAttribute("data-interrupted") || "";
  function show(r) {
    bar.style.width = r.percent + "%";
    bar.textContent = r.percent + "%";
    box.setAttribute("aria-valuenow", r.percent);
    text.textContent = format.replace("{done}", r.processed).replace("{total}", r.total);
  }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    box.classList.remove("d-none");
    var body = new FormData(form);
    function step() {
      fetch(form.action, { method: "POST", body: body, headers: { "X-Requested-With": "fetch" }, credentials: "same-origin" })
        .then(function (resp) {
          if (!resp.ok) throw new Error("HTTP " + resp.status);
          return resp.json();
        })
        .then(function (r) {
          show(r);
          if (r.done) { window.location.reload(); } else { step(); }
        })
        .catch(function () { text.textContent = interrupted; });
    }
    step();
  });
})();
