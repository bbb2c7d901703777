// Page behaviour that used to live in inline handlers and style attributes. The
// Content-Security-Policy (script-src 'self', style-src 'self') blocks both, so markup only
// declares intent with data attributes and this one static script acts on them:
//   <select data-autosubmit>          submits its form when the choice changes
//   <button data-print>               opens the print dialogue
//   <div data-width="42.5">           width: 42.5%   (progress bars)
//   <div data-left="80">              left: 80%      (markers on a progress track)
// Styles set from script through the CSSOM (element.style.x = …) are not style attributes in
// markup, so the policy allows them.
(function () {
  "use strict";

  var PERCENT_PROPERTIES = { width: "width", left: "left" };

  function percent(value) {
    var number = parseFloat(value);
    if (!isFinite(number)) return null;
    return Math.min(Math.max(number, 0), 100) + "%";
  }

  function applySizes(root) {
    if (!root || !root.querySelectorAll) return;
    Object.keys(PERCENT_PROPERTIES).forEach(function (key) {
      var selector = "[data-" + key + "]";
      var nodes = Array.prototype.slice.call(root.querySelectorAll(selector));
      if (root.matches && root.matches(selector)) nodes.push(root);
      nodes.forEach(function (node) {
        var value = percent(node.getAttribute("data-" + key));
        if (value !== null) node.style[PERCENT_PROPERTIES[key]] = value;
      });
    });
  }

  document.addEventListener("change", function (event) {
    var field = event.target.closest && event.target.closest("[data-autosubmit]");
    if (field && field.form) field.form.submit();
  });

  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  });

  // The navigation bar's menus are <details> drop-downs: opening one closes the others, and a
  // click elsewhere or Escape closes them (Escape gives the focus back to the menu's title).
  function closeMenus(except) {
    document.querySelectorAll("details.nav-menu[open]").forEach(function (menu) {
      if (menu !== except) menu.removeAttribute("open");
    });
  }

  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (menu.matches && menu.matches("details.nav-menu") && menu.open) closeMenus(menu);
  }, true);

  document.addEventListener("click", function (event) {
    if (!(event.target.closest && event.target.closest("details.nav-menu"))) closeMenus(null);
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var open = event.target.closest && event.target.closest("details.nav-menu[open]");
    closeMenus(null);
    if (open) open.querySelector("summary").focus();
  });

  // A table wider than its .table-responsive container scrolls inside it: such a container
  // takes the keyboard focus, so that it scrolls with the arrow keys too (WCAG 2.1.1).
  function focusableScrollers(root) {
    if (!root || !root.querySelectorAll) return;
    root.querySelectorAll(".table-responsive").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) box.setAttribute("tabindex", "0");
      else box.removeAttribute("tabindex");
    });
  }

  var resizing = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizing);
    resizing = setTimeout(function () { focusableScrollers(document); }, 150);
  });

  // Content htmx swaps in (the export progress polled every second) gets its sizes too.
  document.addEventListener("htmx:load", function (event) {
    applySizes(event.target);
    focusableScrollers(event.target);
  });

  function start() {
    applySizes(document);
    focusableScrollers(document);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
