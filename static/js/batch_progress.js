// The page of an import being saved in the background reloads itself every few
// seconds (data-reload-every on its progress section) until the import is done;
// without JavaScript the page says to reload it by hand.
(function () {
  "use strict";
  var running = document.querySelector("[data-reload-every]");
  if (!running) return;
  var seconds = parseInt(running.getAttribute("data-reload-every"), 10);
  if (!(seconds >= 1)) seconds = 3;
  window.setTimeout(function () {
    window.location.reload();
  }, seconds * 1000);
})();
