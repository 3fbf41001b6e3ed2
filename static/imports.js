/* Ledger import: run the import chunk by chunk and show a progress bar (no inline JS: CSP). */
(function () {
  "use strict";
  var form = document.querySelector("form[data-import-run]");
  if (!form || !window.fetch) return;
  var box = form.querySelector(".progress");
  var bar = form.querySelector("[data-progress-bar]");
  var text = form.querySelector("[data-progress-text]");
  function show(r) {
    bar.style.width = r.percent + "%";
    bar.textContent = r.percent + "%";
    box.setAttribute("aria-valuenow", r.percent);
    text.textContent = "已处理 " + r.processed + " / " + r.total + " 户";
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
        .catch(function () { text.textContent = "导入中断，请刷新页面后继续（已导入的数据不会重复导入）"; });
    }
    step();
  });
})();
