/* Small progressive enhancements; the pages work without them. No inline scripts (CSP). */
(function () {
  "use strict";
  var WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  var CHECK = "10X98765432";

  function idMessage(raw) {
    var v = (raw || "").trim().toUpperCase();
    if (!v) return ["", ""];
    if (v.length !== 18) return ["bad", "身份证号码应为18位，当前为" + v.length + "位"];
    if (!/^\d{17}[\dX]$/.test(v)) return ["bad", "前17位应为数字，最后一位为数字或X"];
    var y = +v.substr(6, 4), m = +v.substr(10, 2), d = +v.substr(12, 2);
    var dt = new Date(y, m - 1, d);
    if (dt.getFullYear() !== y || dt.getMonth() !== m - 1 || dt.getDate() !== d) {
      return ["bad", "出生日期无效"];
    }
    var sum = 0;
    for (var i = 0; i < 17; i++) sum += (+v[i]) * WEIGHTS[i];
    if (CHECK[sum % 11] !== v[17]) return ["bad", "校验位不正确，请核对"];
    return ["ok", "号码有效：" + y + "年" + m + "月" + d + "日出生，" + ((+v[16]) % 2 ? "男" : "女")];
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
