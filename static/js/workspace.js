// Keyboard shortcuts for the workspace, declared in the markup:
//   data-shortcut="r"        pressing r clicks the element (a link, a button, a <summary>)
//   data-shortcut-focus="/"  pressing / focuses the element (a search box, a composer)
// "?" opens the help dialog. Keys are ignored while typing in a field; Escape leaves a field.
(function () {
  "use strict";
  function typing(target) {
    if (!target) return false;
    var tag = target.tagName;
    return target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }
  function visible(el) {
    return !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
  }
  function find(attr, key) {
    var all = document.querySelectorAll("[" + attr + "]");
    for (var i = 0; i < all.length; i++) {
      if (all[i].getAttribute(attr) === key && visible(all[i]) && !all[i].disabled) return all[i];
    }
    return null;
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && typing(event.target)) { event.target.blur(); return; }
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    if (event.key === "?") {
      var help = document.getElementById("shortcut-help");
      if (help && help.showModal) { event.preventDefault(); help.showModal(); }
      return;
    }
    var focus = find("data-shortcut-focus", event.key);
    if (focus) { event.preventDefault(); focus.focus(); return; }
    var click = find("data-shortcut", event.key);
    if (click) { event.preventDefault(); click.click(); }
  });
})();
