/* The jurisdiction picker (templates/admin/_picker.html): search by name, or choose level
   by level; either fills the form field with the code (no inline JS: CSP). */
(function () {
  "use strict";
  function get(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); return r.json(); });
  }
  function setup(box) {
    var url = box.getAttribute("data-url");
    var levels = JSON.parse(box.getAttribute("data-levels"));
    var input = box.querySelector("input:not([data-search])");
    var picked = box.querySelector("[data-picked]");
    var search = box.querySelector("[data-search]");
    var results = box.querySelector("[data-results]");
    var cascade = box.querySelector("[data-cascade]");
    // The formats come translated from the page: {name}, {level}, {code}.
    function format(name, row) {
      return box.getAttribute(name)
        .replace("{name}", row.full_name).replace("{level}", levels[row.level]).replace("{code}", row.code);
    }
    function pick(row) {
      input.value = row.code;
      picked.textContent = format("data-format-picked", row);
    }
    function addSelect(rows, depth) {
      while (cascade.children.length > depth) cascade.removeChild(cascade.lastChild);
      if (!rows.length) return;
      var select = document.createElement("select");
      select.className = "form-select form-select-sm w-auto";
      select.setAttribute("aria-label", levels[rows[0].level]);
      var first = document.createElement("option");
      first.value = "";
      first.textContent = box.getAttribute("data-choose").replace("{level}", levels[rows[0].level]);
      select.appendChild(first);
      rows.forEach(function (row, i) {
        var opt = document.createElement("option");
        opt.value = String(i);
        opt.textContent = row.name;
        select.appendChild(opt);
      });
      select.addEventListener("change", function () {
        if (select.value === "") return;
        var row = rows[Number(select.value)];
        pick(row);
        get(url + "?parent=" + row.id).then(function (kids) { addSelect(kids, depth + 1); });
      });
      cascade.appendChild(select);
    }
    var timer = null;
    search.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = search.value.trim();
        results.textContent = "";
        if (!q) return;
        get(url + "?q=" + encodeURIComponent(q)).then(function (rows) {
          results.textContent = "";
          if (!rows.length) {
            var none = document.createElement("div");
            none.className = "list-group-item small text-muted";
            none.textContent = box.getAttribute("data-none");
            results.appendChild(none);
          }
          rows.forEach(function (row) {
            var b = document.createElement("button");
            b.type = "button";
            b.className = "list-group-item list-group-item-action small";
            b.textContent = format("data-format-option", row);
            b.addEventListener("click", function () { pick(row); results.textContent = ""; search.value = ""; });
            results.appendChild(b);
          });
        });
      }, 250);
    });
    get(url).then(function (roots) { addSelect(roots, 0); });
  }
  if (!window.fetch) return;
  document.querySelectorAll("[data-jurisdiction-picker]").forEach(setup);
})();
