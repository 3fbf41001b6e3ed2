/* A form posted after its page expired comes back with everything typed: the server
   gives the kept values (#kept-form); they are put back into the form that was posted
   (the one with the same action whose hidden values agree). Hidden fields keep the page's
   fresh values (a new token, the current version); files must be chosen again. */
(function () {
  "use strict";
  var holder = document.getElementById("kept-form");
  if (!holder) return;
  var kept;
  try { kept = JSON.parse(holder.getAttribute("data-kept")); } catch (e) { return; }
  var values = {};
  kept.fields.forEach(function (pair) { (values[pair[0]] = values[pair[0]] || []).push(pair[1]); });

  function each(form, fn) { Array.prototype.forEach.call(form.elements, fn); }

  function score(form) {
    if (new URL(form.action, window.location.href).pathname !== kept.action) return 0;
    var s = 1;
    each(form, function (el) {
      if (!el.name || !(el.name in values)) return;
      if (el.type === "hidden" && el.name !== "csrf_token" && values[el.name].indexOf(el.value) < 0) s -= 1000;
      else s += 1;
    });
    return s;
  }

  var best = null, bestScore = 0;
  document.querySelectorAll("form").forEach(function (form) {
    var s = score(form);
    if (s > bestScore) { best = form; bestScore = s; }
  });
  if (!best) return;

  var used = {};
  each(best, function (el) {
    var skip = ["hidden", "file", "submit", "button", "reset", "password"];
    if (!el.name || skip.indexOf(el.type) >= 0) return;
    var given = values[el.name] || [];
    if (el.type === "checkbox" || el.type === "radio") {
      el.checked = given.indexOf(el.value) >= 0;
    } else if (el.tagName === "SELECT" && el.multiple) {
      Array.prototype.forEach.call(el.options, function (o) { o.selected = given.indexOf(o.value) >= 0; });
    } else {
      var i = used[el.name] || 0;
      if (i >= given.length) return;
      el.value = given[i];
      used[el.name] = i + 1;
    }
    el.dispatchEvent(new Event("input", { bubbles: true }));
    el.dispatchEvent(new Event("change", { bubbles: true }));
  });
  best.setAttribute("data-kept-restored", "1");
})();
