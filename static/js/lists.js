// The workspace's lists: row focus with j / k, Enter opens, x selects; clicking a row opens it;
// "select all" and the selection count for the bulk actions; the "save this filter" form takes
// the address bar's query at the moment it is sent (htmx may have changed it since the page loaded).
// Everything here is an enhancement: without it the links, forms and checkboxes work as they are.
(function () {
  "use strict";
  var focused = -1;

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("table[data-rows] tbody tr[data-href]"));
  }
  function typing(target) {
    if (!target) return false;
    var tag = target.tagName;
    return target.isContentEditable || tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT";
  }
  function focusRow(index) {
    var all = rows();
    if (!all.length) return;
    index = Math.max(0, Math.min(all.length - 1, index));
    all.forEach(function (row) { row.classList.remove("focused"); });
    var row = all[index];
    row.classList.add("focused");
    row.focus({ preventScroll: true });
    row.scrollIntoView({ block: "nearest" });
    focused = index;
  }
  function current() {
    var all = rows();
    return focused >= 0 && focused < all.length ? all[focused] : null;
  }
  function updateSelection(scope) {
    var root = scope || document;
    var boxes = root.querySelectorAll("table[data-rows] tbody input[name=case]");
    var checked = root.querySelectorAll("table[data-rows] tbody input[name=case]:checked").length;
    var label = root.querySelector(".list-bar .selected");
    if (label) {
      label.hidden = checked === 0;
      label.textContent = checked + " selected";
    }
    var all = root.querySelector("table[data-rows] .select-all");
    if (all) {
      all.checked = boxes.length > 0 && checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var dialog = document.querySelector("dialog[open]");
    if (dialog) return;
    if (event.key === "j" || event.key === "k") {
      if (!rows().length) return;
      event.preventDefault();
      focusRow(focused < 0 ? 0 : focused + (event.key === "j" ? 1 : -1));
    } else if (event.key === "Enter") {
      var row = current();
      if (row && (document.activeElement === row || document.activeElement === document.body)) {
        event.preventDefault();
        window.location.href = row.getAttribute("data-href");
      }
    } else if (event.key === "x") {
      var selected = current();
      var box = selected && selected.querySelector("input[name=case]");
      if (box) {
        event.preventDefault();
        box.checked = !box.checked;
        updateSelection();
      }
    }
  });

  // Pop-overs (More filters, Assign to…, Saved filter) close on a click elsewhere or Escape.
  function closePopovers(except) {
    document.querySelectorAll("details.more[open], details.assign-to[open], details.saved-edit[open]").forEach(function (d) {
      if (d !== except) d.removeAttribute("open");
    });
  }
  document.addEventListener("click", function (event) {
    closePopovers(event.target.closest && event.target.closest("details"));
  }, true);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape") closePopovers(null);
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.closest("a, button, input, select, label, summary, textarea")) return;
    var row = target.closest("table[data-rows] tbody tr[data-href]");
    if (!row || (window.getSelection && String(window.getSelection()))) return;  // selecting text is not a click
    if (event.ctrlKey || event.metaKey) {
      window.open(row.getAttribute("data-href"), "_blank");
    } else {
      window.location.href = row.getAttribute("data-href");
    }
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.classList && target.classList.contains("select-all")) {
      var table = target.closest("table");
      table.querySelectorAll("tbody input[name=case]").forEach(function (box) { box.checked = target.checked; });
    }
    if (target.name === "case" || (target.classList && target.classList.contains("select-all"))) updateSelection();
  });

  // "Save this list as a filter": send the list as the address bar shows it now.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.closest || !form.closest(".save-filter")) return;
    var params = new URLSearchParams(window.location.search);
    var view = params.get("view");
    ["view", "page", "saved"].forEach(function (name) { params.delete(name); });
    if (view) form.querySelector("input[name=view]").value = view;
    form.querySelector("input[name=query]").value = params.toString();
  }, true);

  document.addEventListener("htmx:afterSwap", function () {
    focused = -1;
    updateSelection();
  });
})();
