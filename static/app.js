/* Small progressive enhancements; the pages work without them. No inline scripts (CSP). */
(function () {
  "use strict";
  var WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var CHECK = "10X98765432";

  // Messages in the interface language, given by the page (households/new.html).
  var MESSAGES = {
    length: "身份证号码应为18位，当前为{n}位",
    digits: "前17位应为数字，最后一位为数字或X",
    birth: "出生日期无效",
    check: "校验位不正确，请核对",
    ok: "号码有效：{date}出生，{sex}",
    date: "{y}年{m}月{d}日",
    male: "男",
    female: "女"
  };
  var given = document.querySelector("[data-idcheck-messages]");
  if (given) {
    try {
      var parsed = JSON.parse(given.getAttribute("data-idcheck-messages"));
      for (var key in parsed) if (Object.prototype.hasOwnProperty.call(parsed, key)) MESSAGES[key] = parsed[key];
    } catch (e) { /* keep the defaults */ }
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, name) { return name in values ? values[name] : all; });
  }

  function idMessage(raw) {
    var v = (raw || "").trim().toUpperCase();
    if (!v) return ["", ""];
    if (v.length !== 18) return ["bad", fill(MESSAGES.length, { n: v.length })];
    if (!/^\d{17}[\dX]$/.test(v)) return ["bad", MESSAGES.digits];
    var y = +v.substr(6, 4), m = +v.substr(10, 2), d = +v.substr(12, 2);
    var dt = new Date(y, m - 1, d);
    if (dt.getFullYear() !== y || dt.getMonth() !== m - 1 || dt.getDate() !== d) {
      return ["bad", MESSAGES.birth];
    }
    var sum = 0;
    for (var i = 0; i < 17; i++) sum += (+v[i]) * WEIGHTS[i];
    if (CHECK[sum % 11] !== v[17]) return ["bad", MESSAGES.check];
    var date = fill(MESSAGES.date, { y: y, m: m, d: d });
    return ["ok", fill(MESSAGES.ok, { date: date, sex: (+v[16]) % 2 ? MESSAGES.male : MESSAGES.female })];
  }

  document.querySelectorAll("input[data-idcheck]").forEach(function (input) {
    var out = input.closest("div").parentElement.querySelector(".idcheck");
    function update() {
      var r = idMessage(input.value);
      if (!out) return;
      out.className = "idcheck small " + r[0];
      out.textContent = r[1];
    }
    input.addEventListener("input", update);
    update();
  });

  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (ev) {
      if (!window.confirm(el.getAttribute("data-confirm"))) ev.preventDefault();
    });
  });

  document.querySelectorAll("[data-print]").forEach(function (el) {
    el.addEventListener("click", function () { window.print(); });
  });

  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function () {
      // A double click must not post twice; the server refuses a repeat anyway.
      form.querySelectorAll("button[type=submit]").forEach(function (b) {
        setTimeout(function () { b.disabled = true; }, 0);
      });
    });
  });
})();
