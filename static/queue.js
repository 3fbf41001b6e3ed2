/* The queue's filter: the 环节 list follows the 事项 chosen (without a reload). */
(function () {
  "use strict";
  var procedure = document.querySelector(".queue-filter #procedure");
  var step = document.querySelector(".queue-filter #step");
  if (!procedure || !step) return;
  function follow() {
    var chosen = procedure.value;
    Array.prototype.forEach.call(step.options, function (o) {
      var hide = chosen !== "" && o.value !== "" && o.getAttribute("data-procedure") !== chosen;
      o.hidden = hide;
      o.disabled = hide;
      if (hide && o.selected) step.value = "";
    });
  }
  procedure.addEventListener("change", follow);
  follow();
})();
