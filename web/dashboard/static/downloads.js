// Downloads: search Lidarr or Soulseek and add; waiting import rows; the wanted list, live over
// /api/ws (download.progress/finished/failed) with Retry and Cancel; settings for administrators.
"use strict";
(() => {
  const C = window.Companion;
  const el = C.el;
  const $ = (sel) => document.querySelector(sel);
  const items = new Map();  // wanted id -> item
  const ACTIVE = ["waiting", "searching", "queued", "downloading", "importing"];

  function status(text, kind) { const s = $("#dl-search-status"); s.textContent = text || ""; s.className = kind || ""; }

  function label(item) { return (item.artists.length ? item.artists.join(", ") + " – " : "") + item.title; }

  function row(item) {
    const bar = el("progress", { max: "100", "aria-label": "Progress of " + item.title });
    if (item.percent != null) bar.value = item.percent; else bar.removeAttribute("value");
    const actions = [];
    if (item.state === "failed" || item.state === "cancelled") actions.push(el("button", { type: "button", "data-dl-retry": item.id, text: "Retry" }));
    if (ACTIVE.includes(item.state)) actions.push(el("button", { type: "button", "data-dl-cancel": item.id, text: "Cancel" }));
    const refs = item.state === "in_library" && item.refs.length ? el("a", { href: "/library?q=" + encodeURIComponent(item.title), text: "in the library" }) : "";
    return el("tr", { "data-id": item.id, "data-state": item.state },
      el("td", {}, el("strong", { text: label(item) }), item.album ? el("div", { class: "hint", text: item.album + (item.kind === "album" ? " (album)" : "") }) : ""),
      el("td", {}, el("span", { class: "badge state-" + item.state, text: item.state.replace("_", " ") }), " ", refs),
      el("td", {}, ACTIVE.includes(item.state) ? bar : "", el("div", { class: "hint", text: item.reason || "" })),
      el("td", {}, actions));
  }

  function render() {
    const body = $("#dl-items");
    const list = [...items.values()].sort((a, b) => b.id - a.id);
    body.replaceChildren(...list.map(row));
    $("#dl-empty").hidden = list.length > 0;
  }

  async function loadItems() {
    const data = await C.api("GET", "/api/downloads");
    items.clear();
    for (const item of data.items) items.set(item.id, item);
    render();
  }

  async function want(body) {
    const data = await C.api("POST", "/api/downloads", body);
    for (const item of data.items) items.set(item.id, item);
    render();
    C.toast(data.items.length === 1 ? "Wanted: " + label(data.items[0]) : data.items.length + " tracks wanted");
  }

  function result(source, r) {
    if (source === "lidarr") {
      return el("li", {}, el("span", { text: `${r.artist_name} – ${r.title}${r.year ? " (" + r.year + ")" : ""}` }), " ",
        el("button", { type: "button", text: "Add album", "data-want": JSON.stringify({ kind: "album", title: r.title, artists: [r.artist_name], album_mbid: r.album_mbid, artist_mbid: r.artist_mbid }) }));
    }
    const c = r.candidate;
    const info = [c.extension, c.bitrate ? c.bitrate + " kbps" : "", c.free_slot ? "free slot" : "queue " + c.queue_length, c.username].filter(Boolean).join(" · ");
    return el("li", {}, el("span", { text: `${r.artists.join(", ") || "?"} – ${r.title}` }), " ", el("span", { class: "hint", text: info }), " ",
      el("button", { type: "button", text: "Add track", "data-want": JSON.stringify({ kind: "track", title: r.title, artists: r.artists, album: r.album || undefined, candidate: c }) }));
  }

  // Forms are bound by delegation: this script loads once for every page (htmx swaps pages).
  async function search(e) {
    e.preventDefault();
    const form = e.target;
    const source = form.source.value;
    status(source === "soulseek" ? "Searching Soulseek (a few seconds)…" : "Searching Lidarr…");
    $("#dl-results").replaceChildren();
    try {
      const data = await C.api("GET", `/api/downloads/search?source=${source}&q=${encodeURIComponent(form.q.value)}`);
      $("#dl-results").replaceChildren(...data.items.map((r) => result(source, r)));
      status(data.items.length ? "" : "Nothing found.");
    } catch (err) { status(err.message, "error"); }
  }

  document.addEventListener("click", async (e) => {
    const t = e.target.closest("button");
    if (!t) return;
    try {
      if (t.dataset.want) await want(JSON.parse(t.dataset.want));
      else if (t.dataset.dlRetry) { const item = await C.api("POST", `/api/downloads/${t.dataset.dlRetry}/retry`); items.set(item.id, item); render(); }
      else if (t.dataset.dlCancel) { const item = await C.api("POST", `/api/downloads/${t.dataset.dlCancel}/cancel`); items.set(item.id, item); render(); }
      else if (t.dataset.importId) await want({ import_id: Number(t.dataset.importId) });
    } catch (err) { C.toast(err.message, "error"); }
  });

  async function loadImports() {
    const list = $("#dl-imports");
    try {
      const data = await C.api("GET", "/api/imports");
      list.replaceChildren(...data.items.map((imp) => el("li", {}, el("span", { text: `${imp.name} (${imp.source}, ${imp.total} rows)` }), " ",
        el("button", { type: "button", "data-import-id": imp.id, text: "Download its waiting tracks" }))));
    } catch (err) { list.replaceChildren(el("li", { text: err.message })); }
    list.removeAttribute("aria-busy");
  }

  C.onEvent((event) => {
    if (!["download.progress", "download.finished", "download.failed"].includes(event.type)) return;
    items.set(event.data.id, event.data);
    render();
  });

  // ---- settings (administrators) ----
  function options(select, choices, current, blank) {
    select.replaceChildren(el("option", { value: "", text: blank }), ...choices.map((c) => el("option", { value: c.id, text: c.name })));
    select.value = current || "";
  }

  async function loadSettings() {
    const form = $("#dl-settings-form");
    if (!form) return;
    const data = await C.api("GET", "/api/downloads/settings");
    const s = data.settings;
    options(form.library_id, data.libraries.map((l) => ({ id: l.id, name: l.name })), s.library_id, "—");
    const fillLocations = () => {
      const lib = data.libraries.find((l) => l.id === form.library_id.value);
      $("#dl-locations").replaceChildren(...(lib ? lib.locations : []).map((p) => el("option", { value: p })));
    };
    form.library_id.addEventListener("change", fillLocations);
    fillLocations();
    const lidarr = data.lidarr || { root_folders: [], quality_profiles: [], metadata_profiles: [] };
    options(form.lidarr_folder, lidarr.root_folders, s.lidarr_folder, data.lidarr ? "—" : "Lidarr is not set up");
    options(form.quality_profile, lidarr.quality_profiles, s.quality_profile, "—");
    options(form.metadata_profile, lidarr.metadata_profiles, s.metadata_profile, "—");
    form.jellyfin_folder.value = s.jellyfin_folder || "";
    form.companion_folder.value = s.companion_folder || "";
    form.slskd_folder.value = s.slskd_folder || "";
    form.formats.value = s.formats.join(", ");
    form.min_bitrate.value = s.min_bitrate;
    form.stall_minutes.value = s.stall_minutes;
    $("#dl-checks").replaceChildren(...data.problems.map((p) => el("li", { class: "error", text: p })));
    const hook = await C.api("GET", "/api/settings/webhooks/lidarr");
    $("#dl-webhook").replaceChildren(...hook.instructions.map((line) => el("li", { text: line })));
  }

  async function saveSettings(e) {
    e.preventDefault();
    const f = e.target;
    const lib = f.library_id.selectedOptions[0];
    const body = {
      library_id: f.library_id.value, library_name: lib && f.library_id.value ? lib.textContent : "",
      jellyfin_folder: f.jellyfin_folder.value, companion_folder: f.companion_folder.value,
      lidarr_folder: f.lidarr_folder.value, quality_profile: f.quality_profile.value,
      metadata_profile: f.metadata_profile.value, slskd_folder: f.slskd_folder.value,
      formats: f.formats.value.split(",").map((x) => x.trim()).filter(Boolean),
      min_bitrate: Number(f.min_bitrate.value), stall_minutes: Number(f.stall_minutes.value),
    };
    const show = (checks) => $("#dl-checks").replaceChildren(...checks.map((c) => el("li", { class: c.ok ? "ok" : "error", text: (c.ok ? "✓ " : "✗ ") + c.message })));
    // Read the error's details too: they list every check, not only the first failure.
    const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
    const resp = await fetch(C.url("/api/downloads/settings"), { method: "PUT", credentials: "same-origin", body: JSON.stringify(body),
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRF-Token": csrf } }).catch(() => null);
    const data = resp ? await resp.json().catch(() => null) : null;
    if (resp && resp.ok) { show(data.checks); C.toast("Saved"); return; }
    const error = (data && data.error) || { message: "The companion did not answer." };
    show((error.details && error.details.checks) || [{ ok: false, message: error.message }]);
  }

  document.addEventListener("submit", (e) => {
    if (e.target.id === "dl-search") search(e);
    else if (e.target.id === "dl-settings-form") saveSettings(e);
  });

  // The page comes and goes with htmx swaps: load it each time it appears.
  C.onPage(() => {
    const root = $("#dl-items");
    if (!root || root.dataset.bound) return;
    root.dataset.bound = "1";
    loadItems().catch((err) => C.toast(err.message, "error"));
    loadImports();
    loadSettings().catch((err) => $("#dl-checks").replaceChildren(el("li", { class: "error", text: err.message })));
  });
})();
