/* Ledger import: poll the background job's progress and show it (no inline JS: CSP). */
(function () {
  "use strict";
  var box = document.querySelector("[data-import-job]");
  if (!box || !window.fetch) return;
  var url = box.getAttribute("data-progress-url");
  var bar = box.querySelector("[data-progress-bar]");
  var text = box.querySelector("[data-progress-text]");
  var bars = box.querySelector("[role=progressbar]");
  // The messages come translated from the page (data-checking, data-importing...).
  function show(r) {
    bar.style.width = r.percent + "%";
    bar.textContent = r.percent + "%";
    bars.setAttribute("aria-valuenow", r.percent);
    var format = text.getAttribute(r.status === "importing" ? "data-importing" : "data-checking") || "";
    text.textContent = format.replace("{checked}", r.checked).replace("{done}", r.processed).replace("{total}", r.total);
  }
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (resp) {
        if (!resp.ok) throw new Error("HTTP " + resp.status);
        return resp.json();
      })
      .then(function (r) {
        show(r);
        if (r.running) { window.setTimeout(poll, 1000); } else { window.location.reload(); }
      })
      .catch(function () { text.textContent = text.getAttribute("data-interrupted") || ""; });
  }
  window.setTimeout(poll, 500);
})();
