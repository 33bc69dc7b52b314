/* guidelines_tool: every page. A table too wide for the screen scrolls inside its own box; a
 * keyboard user must be able to reach that box to scroll it (WCAG 2.1.1; axe:
 * scrollable-region-focusable). Boxes that scroll get tabindex="0" and a name; boxes that fit get
 * neither, so they add no Tab stop. Re-checked when the window is resized. No request, no storage.
 */
(function () {
  "use strict";
  var SELECTOR = ".md-typeset__scrollwrap, .gl-stack, [role='main'] table, .rst-content table";

  function update() {
    Array.prototype.forEach.call(document.querySelectorAll(SELECTOR), function (box, index) {
      var style = window.getComputedStyle(box);
      var scrolls = (style.overflowX === "auto" || style.overflowX === "scroll") && box.scrollWidth > box.clientWidth + 1;
      if (scrolls && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", "Table " + (index + 1) + " (scrolls sideways)");  // names differ: landmarks
        box.setAttribute("data-gl-scroll", "");
      } else if (!scrolls && box.hasAttribute("data-gl-scroll")) {
        ["tabindex", "role", "aria-label", "data-gl-scroll"].forEach(function (name) { box.removeAttribute(name); });
      }
    });
  }

  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) window.clearTimeout(pending);
    pending = window.setTimeout(update, 150);
  });
  if (window.document$ && typeof window.document$.subscribe === "function") {
    window.document$.subscribe(function () { window.setTimeout(update, 0); });
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", update);
  } else {
    update();
  }
})();
