/* Enabling a county: each choice of the province -> city -> county picker reloads the
   page with the next level's choices (no inline JS: CSP). Without JS, "下一步" does it. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-cascade-picker]");
  if (!form) return;
  form.querySelectorAll("select").forEach(function (select) {
    select.addEventListener("change", function () {
      (select.getAttribute("data-resets") || "").split(" ").forEach(function (name) {
        var next = name && form.querySelector("select[name='" + name + "']");
        if (next) next.value = "";
      });
      form.submit();
    });
  });
})();
