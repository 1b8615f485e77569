// Filters (and bulk actions) fold behind a button on phones and stay open on
// wider screens. Without this file a panel is simply closed until its button is
// clicked.
(function () {
  "use strict";

  // The same width as the phone layout in bansos.css.
  var wide = window.matchMedia("(min-width: 721px)");

  function sync() {
    document.querySelectorAll("details[data-open-wide]").forEach(function (panel) {
      // A filter with an error stays open, so the message is seen.
      panel.open = wide.matches || panel.hasAttribute("data-has-errors");
    });
  }

  sync();
  wide.addEventListener("change", sync);
})();
