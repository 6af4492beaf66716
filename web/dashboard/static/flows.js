// Weekly flows: each flow's week with every download's state (live over /api/ws), Keep /
// Promote / Remove per track, Run now, past weeks; a form for a new flow; folders for admins.
"use strict";
(() => {
  const C = window.Companion;
  const el = C.el;
  const $ = (sel) => document.querySelector(sel);
  const flows = new Map();  // flow id -> flow detail
  let reloadTimer = null;

  function when(iso) { return iso ? new Date(iso).toLocaleString() : "—"; }

  function trackRow(t) {
    const bar = el("progress", { max: "100", "aria-label": "Download of " + t.title });
    if (t.percent != null) bar.value = t.percent; else bar.removeAttribute("value");
    const busy = ["waiting", "fetching", "placed"].includes(t.state);
    const buttons = t.actions.map((a) => el("button", {
      type: "button", "data-track": t.id, "data-action": a,
      text: { keep: t.decision === "keep" ? "Kept at reset ✓" : "Keep", promote: "Add to library now", remove: "Remove" }[a],
      title: { keep: "Keep it at this week's reset", promote: "Move it into your library now", remove: "Remove it from this week now" }[a],
    }));
    return el("tr", { "data-state": t.state },
      el("td", {}, el("strong", { text: t.title }), el("div", { class: "hint", text: t.artists.join(", ") + (t.album ? " · " + t.album : "") })),
      el("td", { text: t.source + (t.kind === "library" ? " (in your library)" : "") }),
      el("td", {}, el("span", { class: "badge state-" + t.state, text: t.label }), busy ? bar : "", el("div", { class: "hint", text: t.reason || t.why || "" })),
      el("td", {}, buttons));
  }

  function flowCard(f) {
    const w = f.week;
    const head = el("header", {},
      el("h3", { text: f.name }),
      el("p", { class: "hint", text: `${f.size_tracks ? f.size_tracks + " tracks" : ""}${f.size_gb ? " · at most " + f.size_gb + " GB" : ""} · new week every ${f.day} at ${f.time} (next: ${when(f.next_run_at)})` }),
      el("button", { type: "button", "data-run": f.id, text: "New week now" }), " ",
      el("button", { type: "button", "data-delete": f.id, text: "Delete flow" }));
    const body = [head];
    if (!w) body.push(el("p", { class: "empty", text: "No week yet." }));
    else {
      const p = w.progress;
      body.push(el("p", { text: `${w.title}: ${p.playable} of ${p.total} playable, ${p.downloading} on the way, ${p.failed} failed; ${w.reserve} in reserve.` }));
      for (const n of w.notices) body.push(el("p", { class: "notice", text: n }));
      body.push(el("table", { class: "flows" },
        el("thead", {}, el("tr", {}, el("th", { text: "Track" }), el("th", { text: "From" }), el("th", { text: "State" }), el("th", {}))),
        el("tbody", {}, ...w.tracks.map(trackRow))));
    }
    if (f.past && f.past.length) {
      body.push(el("details", {}, el("summary", { text: "Past weeks" }), el("ul", {},
        ...f.past.map((r) => el("li", { text: `${r.title}: ${r.state}${r.counts && r.counts.kept != null ? ` — kept ${r.counts.kept}, removed ${r.counts.removed}, back next week ${r.counts.carried}` : ""}` })))));
    }
    return el("article", { class: "card", "data-flow": f.id }, ...body);
  }

  function render() {
    if (!$("#fl-flows")) return;  // another page is shown now
    const list = [...flows.values()].sort((a, b) => a.name.localeCompare(b.name));
    $("#fl-flows").replaceChildren(...list.map(flowCard));
    $("#fl-flows").removeAttribute("aria-busy");
    $("#fl-empty").hidden = list.length > 0;
  }

  async function load() {
    const data = await C.api("GET", "/api/flows");
    const details = await Promise.all(data.items.map((f) => C.api("GET", `/api/flows/${f.id}`)));
    flows.clear();
    for (const f of details) flows.set(f.id, f);
    render();
  }

  function reloadSoon() {
    if (!$("#fl-flows")) return;
    clearTimeout(reloadTimer);
    reloadTimer = setTimeout(() => load().catch((err) => C.toast(err.message, "error")), 300);
  }

  C.onEvent((event) => {
    if (["flow.progress", "flow.ready", "flow.reset"].includes(event.type)) reloadSoon();
    if (event.type === "flow.ready") C.toast(`${event.data.flow}: this week's playlist is ready (${event.data.tracks} tracks)`);
  });

  document.addEventListener("click", async (e) => {
    const t = e.target.closest("#fl-flows button");
    if (!t) return;
    try {
      if (t.dataset.track) {
        await C.api("POST", `/api/flows/tracks/${t.dataset.track}/${t.dataset.action}`);
        reloadSoon();
      } else if (t.dataset.run) {
        await C.api("POST", `/api/flows/${t.dataset.run}/run`);
        C.toast("Building a new week…");
      } else if (t.dataset.delete) {
        if (!window.confirm("Delete this flow? Its downloads go; kept tracks stay in your library.")) return;
        await C.api("DELETE", `/api/flows/${t.dataset.delete}`);
        flows.delete(Number(t.dataset.delete));
        render();
      }
    } catch (err) { C.toast(err.message, "error"); }
  });

  async function createFlow(e) {
    e.preventDefault();
    const f = e.target;
    const num = (v) => (v === "" ? null : Number(v));
    const body = {
      name: f.name.value, size_tracks: num(f.size_tracks.value), size_gb: num(f.size_gb.value),
      day: f.day.value, time: f.time.value, one_per_artist: f.one_per_artist.checked,
      keep_plays: Number(f.keep_plays.value),
      blocklist: f.blocklist.value.split("\n").map((x) => x.trim()).filter(Boolean),
      sources: { listenbrainz: Number(f.listenbrainz.value), audiomuse: Number(f.audiomuse.value), ollama: Number(f.ollama.value) },
    };
    const status = $("#fl-status");
    try {
      await C.api("POST", "/api/flows", body);
      status.textContent = "Created: the first week is being built.";
      status.className = "";
      reloadSoon();
    } catch (err) { status.textContent = err.message; status.className = "error"; }
  }

  async function loadSettings(settingsForm) {
    const data = await C.api("GET", "/api/flows/settings");
    if (data.folders) {
      settingsForm.flows_path.value = data.folders.flows_path;
      settingsForm.links_name.value = data.folders.links_name;
    }
  }
  async function saveSettings(e) {
    e.preventDefault();
    const settingsForm = e.target;
    const status = $("#fl-settings-status");
    const body = { flows_path: settingsForm.flows_path.value };
    if (settingsForm.links_name.value) body.links_name = settingsForm.links_name.value;
    try {
      await C.api("PUT", "/api/flows/settings", body);
      status.textContent = "✓ Jellyfin sees the flows folder and the links. Saved.";
      status.className = "ok";
    } catch (err) { status.textContent = "✗ " + err.message; status.className = "error"; }
  }

  // The page comes and goes with htmx swaps: bind each time it appears.
  C.onPage(() => {
    const form = $("#fl-new");
    if (!form || form.dataset.bound) return;
    form.dataset.bound = "1";
    form.addEventListener("submit", createFlow);
    const settingsForm = $("#fl-settings-form");
    if (settingsForm) {
      settingsForm.addEventListener("submit", saveSettings);
      loadSettings(settingsForm).catch(() => {});
    }
    load().catch((err) => C.toast(err.message, "error"));
  });
})();
