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
      if (p.stage !== "done") {
        setTimeout(poll, 1000);
      }
    }).catch(() => setTimeout(poll, 3000));
  }
  poll();
})();
