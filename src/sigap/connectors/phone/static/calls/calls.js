// The call panel (calls/_panel_body.html): a running timer and the transfer fields.
// The server records the start and end times; this clock is only what the agent sees.
(function () {
  "use strict";

  function pad(n) {
    return n < 10 ? "0" + n : String(n);
  }

  function format(seconds) {
    var h = Math.floor(seconds / 3600);
    var m = Math.floor((seconds % 3600) / 60);
    var s = seconds % 60;
    return (h ? h + ":" + pad(m) : String(m)) + ":" + pad(s);
  }

  function startTimers(panel) {
    // Correct for a browser clock that differs from the server's.
    var serverNow = Date.parse(panel.getAttribute("data-server-now"));
    var skew = isNaN(serverNow) ? 0 : serverNow - Date.now();
    panel.querySelectorAll("[data-call-timer]").forEach(function (el) {
      var started = Date.parse(el.getAttribute("data-started-at"));
      if (isNaN(started)) return;
      function tick() {
        var elapsed = Math.max(0, Math.floor((Date.now() + skew - started) / 1000));
        el.textContent = format(elapsed);
      }
      tick();
      window.setInterval(tick, 1000);
    });
  }

  function wireTransfer(form) {
    var outcome = form.querySelector("select[name=outcome]");
    if (!outcome) return;
    function sync() {
      var transfer = outcome.value === "transferred";
      form.querySelectorAll("[data-call-transfer]").forEach(function (row) {
        row.hidden = !transfer;
      });
      var team = form.querySelector("select[name=team]");
      if (team) {
        team.required = transfer;
        if (!transfer) team.value = "";
      }
    }
    outcome.addEventListener("change", sync);
    sync();
  }

  function init() {
    document.querySelectorAll("[data-calls]").forEach(function (panel) {
      startTimers(panel);
      panel.querySelectorAll("[data-call-finish]").forEach(wireTransfer);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
