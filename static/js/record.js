// The record pages' small enhancements (everything works without them):
// - choosing "Comment" or "Work note" (keys c / w) puts the cursor in the composer;
// - on a phone, related lists start folded.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var tab = event.target.closest && event.target.closest(".composer-tabs .tab");
    if (!tab) return;
    var box = tab.closest("form").querySelector("textarea");
    if (box) setTimeout(function () { box.focus(); }, 0);
  });
  document.addEventListener("DOMContentLoaded", function () {
    if (window.matchMedia && window.matchMedia("(max-width: 900px)").matches) {
      document.querySelectorAll("details.rel[open]").forEach(function (d) { d.removeAttribute("open"); });
    }
  });
})();
