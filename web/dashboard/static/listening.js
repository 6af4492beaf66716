// Listening: history imports (preview, import, live progress), scrobble accounts (link, switch,
// backfill, retry, unlink) and the year in review's "Top of <year>" playlist button.
"use strict";
(() => {
  const C = window.Companion;

  function show(box, ok, text) {
    if (!box) return;
    box.textContent = text;
    box.className = "result " + (ok ? "ok" : "error");
  }

  function fields(form) {
    const body = {};
    for (const [key, value] of new FormData(form).entries()) {
      if (typeof value === "string" && value.trim() !== "") body[key] = value.trim();
    }
    return body;
  }

  async function run(box, action, done) {
    try {
      const result = await action();
      if (done) show(box, true, done(result));
      C.refreshMain();
    } catch (err) {
      show(box, false, err.message);
    }
  }

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.dataset.importForm) {
      event.preventDefault();
      const body = { source: form.dataset.importForm, ...fields(form) };
      if (body.plugin_utc_offset_minutes !== undefined) body.plugin_utc_offset_minutes = Number(body.plugin_utc_offset_minutes);
      const box = document.querySelector("[data-import-result]");
      run(box, () => C.api("POST", "/api/history/imports", body), () => "Preview started; it shows below.");
    } else if (form.hasAttribute("data-link-form")) {
      event.preventDefault();
      const card = form.closest("[data-service]");
      const box = card.querySelector("[data-service-result]");
      run(box, () => C.api("PUT", "/api/scrobble/" + card.dataset.service, fields(form)), () => "Linked.");
    } else if (form.hasAttribute("data-backfill-form")) {
      event.preventDefault();
      const card = form.closest("[data-service]");
      const box = card.querySelector("[data-service-result]");
      const day = new FormData(form).get("backfill_from");
      run(box, () => C.api("PATCH", "/api/scrobble/" + card.dataset.service, { backfill_from: day + "T00:00:00Z" }),
        () => "Plays since " + day + " are queued.");
    }
  });

  document.addEventListener("change", (event) => {
    const input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-service-switch")) return;
    const card = input.closest("[data-service]");
    const box = card.querySelector("[data-service-result]");
    run(box, () => C.api("PATCH", "/api/scrobble/" + card.dataset.service, { enabled: input.checked }),
      () => (input.checked ? "Sending plays." : "Not sending plays."));
  });

  document.addEventListener("click", (event) => {
    const button = event.target instanceof Element ? event.target.closest("button") : null;
    if (!button) return;
    if (button.dataset.jobAction) {
      const job = button.closest("[data-job]").dataset.job;
      const box = document.querySelector("[data-import-result]");
      if (button.dataset.jobAction === "import") {
        run(box, () => C.api("POST", "/api/history/imports/" + job + "/import"), () => "Importing…");
      } else {
        run(box, () => C.api("DELETE", "/api/history/imports/" + job), () => "Forgotten (the plays it added stay).");
      }
    } else if (button.dataset.serviceAction) {
      const card = button.closest("[data-service]");
      const box = card.querySelector("[data-service-result]");
      const path = "/api/scrobble/" + card.dataset.service;
      if (button.dataset.serviceAction === "retry") run(box, () => C.api("POST", path + "/retry"), () => "Sending again.");
      else run(box, () => C.api("DELETE", path));
    } else if (button.dataset.reviewPlaylist) {
      const box = document.querySelector("[data-review-result]");
      const year = button.dataset.reviewPlaylist;
      button.setAttribute("aria-busy", "true");
      C.api("POST", "/api/stats/review/" + year + "/playlist", { size: 50 })
        .then((pl) => {
          const note = pl.warning ? " " + pl.warning : pl.sync.state === "synced" ? " It is in Jellyfin." : "";
          show(box, true, "Saved “" + pl.name + "” with " + pl.items.length + " tracks." + note);
        })
        .catch((err) => show(box, false, err.message))
        .finally(() => button.removeAttribute("aria-busy"));
    }
  });

  // Live progress of imports: move the bar; a job that changes state redraws the list.
  C.onEvent((event) => {
    if (event.type !== "history.import" || !event.data) return;
    const item = document.querySelector('[data-job="' + event.data.job_id + '"]');
    if (!item || item.dataset.state !== event.data.state) { C.refreshMain(); return; }
    const bar = item.querySelector("[data-job-progress]");
    if (bar) {
      bar.max = Math.max(event.data.total || 1, 1);
      bar.value = event.data.done || 0;
      bar.textContent = event.data.done + " / " + event.data.total;
    }
  });
})();
