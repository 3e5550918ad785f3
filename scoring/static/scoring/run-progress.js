// The quarter run's progress page: polls the JSON endpoint every second until the run is done
// (a file, not an inline script: the Content-Security-Policy allows scripts from this site only).
(function () {
  const box = document.getElementById("run-progress");
  if (!box) {
    return;
  }
  function poll() {
    fetch(box.dataset.pollUrl, {credentials: "same-origin"}).then((r) => r.json()).then((p) => {
      document.getElementById("run-bar").value = p.percent;
      document.getElementById("run-stage").textContent = p.stage_label;
      document.getElementById("run-status").textContent = p.status;
      document.getElementById("run-count").textContent = p.done + " / " + p.total;
      // Redis unreachable: the page shows why and asks less often.
      const message = document.getElementById("run-message");
      message.textContent = p.message;
      message.hidden = !p.message;
      if (p.stage !== "done") {
        setTimeout(poll, p.message ? 10000 : 1000);
      }
    }).catch(() => setTimeout(poll, 3000));
  }
  poll();
})();
