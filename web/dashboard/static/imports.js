// Imports: upload a file, link or paste a playlist; map unknown CSV columns; follow progress
// live; review rows (pick a candidate, skip); make the playlist. Rendered from /api/imports.
"use strict";
(() => {
  const C = window.Companion;
  const el = C.el;
  const $ = (sel) => document.querySelector(sel);
  const FIELDS = ["title", "artist", "album", "duration", "isrc"];
  let current = null;   // the import shown
  let pendingFile = null;  // a file waiting for its column mapping

  function status(text, kind) { const s = $("#import-status"); s.textContent = text || ""; s.className = kind || ""; }

  // POST /api/imports keeping the error's details (the column-mapping step needs them).
  async function post(body, json) {
    const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
    const headers = { "X-CSRF-Token": csrf, "Accept": "application/json" };
    if (json) headers["Content-Type"] = "application/json";
    let resp;
    try { resp = await fetch(C.url("/api/imports"), { method: "POST", body, credentials: "same-origin", headers }); }
    catch (err) { throw new C.ApiError(0, "network", "The companion did not answer. Check your connection."); }
    const data = await resp.json().catch(() => null);
    if (!resp.ok) { const e = (data && data.error) || {}; const err = new C.ApiError(resp.status, e.code, e.message || resp.statusText); err.details = e.details; throw err; }
    return data;
  }

  function upload(file, mapping) {
    const form = new FormData();
    form.append("file", file, file.name);
    if (mapping) form.append("mapping", JSON.stringify(mapping));
    return post(form, false);
  }

  async function start(run) {
    status("Reading and matching…");
    $("#import-progress").hidden = false;
    try { show(await run()); status(""); loadRecent(); }
    catch (err) {
      if (err.code === "csv_columns_unknown" && err.details) askMapping(err.details);
      else status(err.message, "error");
    } finally { $("#import-progress").hidden = true; }
  }

  function askMapping(details) {
    const box = $("#import-mapping");
    box.hidden = false;
    $("[data-mapping-fields]").replaceChildren(...FIELDS.map((f) => el("label", {}, f + " ",
      el("select", { name: f }, el("option", { value: "", text: "—" }), details.headers.map((h) => el("option", { value: h, text: h }))))));
    $("[data-mapping-sample]").replaceChildren(el("table", {}, el("tr", {}, details.headers.map((h) => el("th", { text: h }))),
      (details.sample || []).map((row) => el("tr", {}, row.map((v) => el("td", { text: v }))))));
  }

  function counts(c) { return `${c.matched} matched, ${c.ambiguous} to choose, ${c.unmatched} not in the library, ${c.skipped} skipped`; }

  function rowCells(imp, r) {
    const match = r.state === "matched" ? `${r.ref}${r.confidence != null ? " (" + Math.round(r.confidence * 100) + "%)" : ""}`
      : r.state === "ambiguous" ? el("span", {}, r.candidates.map((c) => el("button", { type: "button", "data-pick": c.ref, title: (c.album || "") + " " + C.duration(c.duration_s), text: `${c.title} — ${c.artists.join(", ")} (${Math.round(c.score * 100)}%)` })))
      : (r.reason || "");
    const actions = r.state === "skipped" ? el("button", { type: "button", "data-unskip": "1", text: "Unskip" })
      : r.filled ? "" : el("button", { type: "button", "data-skip": "1", text: "Skip" });
    return el("tr", { "data-row": r.index, "data-state": r.state },
      el("td", { text: String(r.index + 1) }), el("td", { text: r.title }), el("td", { text: r.artists.join(", ") }),
      el("td", { text: r.album || "" }), el("td", {}, el("span", { class: "badge state-" + r.state, text: r.state + (r.filled ? " ✓" : "") })),
      el("td", {}, match), el("td", {}, actions));
  }

  function show(imp) {
    current = imp;
    $("#import-mapping").hidden = true;
    $("#import-current").hidden = false;
    $("[data-import-name]").textContent = imp.name + " (" + imp.source + ")";
    const notice = $("[data-import-notice]"); notice.hidden = !imp.notice; notice.textContent = imp.notice || "";
    $("[data-import-counts]").textContent = counts(imp.counts);
    const committed = imp.state === "committed";
    $("#import-commit").hidden = committed;
    if (!committed && !$("#import-commit-name").value) $("#import-commit-name").value = imp.name;
    const link = $("[data-import-playlist]"); link.hidden = !committed;
    if (committed) link.replaceChildren("Playlist: ", el("a", { href: "/playlists/" + imp.playlist_id, text: "open" }), ` — ${imp.counts.waiting} track(s) wait for your library and will join it when they arrive.`);
    $("[data-import-rows]").replaceChildren(...imp.rows.map((r) => rowCells(imp, r)));
  }

  async function patchRow(index, body) {
    try { show(await C.api("PATCH", `/api/imports/${current.id}/rows/${index}`, body)); }
    catch (err) { C.toast(err.message, "error"); }
  }

  async function loadRecent() {
    const list = $("#import-recent");
    try {
      const data = await C.api("GET", "/api/imports");
      list.setAttribute("aria-busy", "false");
      list.replaceChildren(...(data.items.length ? data.items.map((i) => el("li", {}, el("button", { type: "button", "data-open": i.id, text: `${i.name} — ${i.total} tracks, ${i.state}` })))
        : [el("li", { class: "empty", text: "No imports yet." })]));
    } catch (err) { list.replaceChildren(el("li", { class: "error", text: err.message })); }
  }

  // Spotify: sign in (PKCE, on the companion's side) and list your own playlists.
  async function loadAccounts() {
    let spotify;
    try { spotify = (await C.api("GET", "/api/imports/accounts")).items.find((a) => a.source === "spotify"); }
    catch (err) { return; }
    if (!spotify) return;
    $("#import-accounts").hidden = false;
    $("#spotify-connect").hidden = spotify.connected;
    if (!spotify.connected) return;
    try {
      const data = await C.api("GET", "/api/imports/accounts/spotify/playlists");
      $("#spotify-playlists").replaceChildren(...data.items.map((p) => el("li", {},
        el("button", { type: "button", "data-spotify": p.id, text: `Import ${p.name} (${p.item_count} tracks)` }))));
    } catch (err) { $("#spotify-playlists").replaceChildren(el("li", { class: "error", text: err.message })); }
  }

  // The page comes and goes with htmx swaps: bind each time it appears.
  C.onPage(() => {
    const form = $("#import-file");
    if (!form || form.dataset.bound) return;
    form.dataset.bound = "1";
    $("#spotify-connect").addEventListener("click", async () => {
      try { location.href = (await C.api("POST", "/api/imports/accounts/spotify/connect")).url; }
      catch (err) { C.toast(err.message, "error"); }
    });
    $("#spotify-playlists").addEventListener("click", (e) => {
      const btn = e.target.closest("[data-spotify]"); if (!btn) return;
      start(() => post(JSON.stringify({ url: "https://open.spotify.com/playlist/" + btn.dataset.spotify }), true));
    });
    const params = new URLSearchParams(location.search);
    if (params.get("account_error")) status("Spotify sign-in failed (" + params.get("account_error") + "). Try again.", "error");
    loadAccounts();
    $("#import-file").addEventListener("submit", (e) => { e.preventDefault(); pendingFile = $("#import-file-input").files[0]; if (pendingFile) start(() => upload(pendingFile)); });
    $("#import-url").addEventListener("submit", (e) => { e.preventDefault(); start(() => post(JSON.stringify({ url: $("#import-url-input").value.trim() }), true)); });
    $("#import-text").addEventListener("submit", (e) => {
      e.preventDefault();
      const text = $("#import-text-input").value;
      pendingFile = new File([text], "Pasted playlist.txt");
      start(() => post(JSON.stringify({ source: $("#import-text-source").value, text, name: "Pasted playlist" }), true));
    });
    $("#import-mapping-form").addEventListener("submit", (e) => {
      e.preventDefault();
      const mapping = {};
      for (const s of e.target.querySelectorAll("select")) if (s.value) mapping[s.name] = s.value;
      if (pendingFile) start(() => upload(pendingFile, mapping));
    });
    $("#import-commit").addEventListener("submit", async (e) => {
      e.preventDefault();
      try { const done = await C.api("POST", `/api/imports/${current.id}/commit`, { name: $("#import-commit-name").value.trim() }); show(done); C.toast("Playlist made.", "ok"); loadRecent(); }
      catch (err) { C.toast(err.message, "error"); }
    });
    $("[data-import-rows]").addEventListener("click", (e) => {
      const btn = e.target.closest("button"); if (!btn) return;
      const index = Number(btn.closest("tr").dataset.row);
      if (btn.dataset.pick) patchRow(index, { ref: btn.dataset.pick });
      else if (btn.dataset.skip) patchRow(index, { skip: true });
      else if (btn.dataset.unskip) patchRow(index, { skip: false });
    });
    $("#import-recent").addEventListener("click", async (e) => {
      const btn = e.target.closest("[data-open]"); if (!btn) return;
      try { show(await C.api("GET", "/api/imports/" + btn.dataset.open)); } catch (err) { C.toast(err.message, "error"); }
    });
    loadRecent();
  });

  C.onEvent((event) => {
    if (event.type === "import.progress") {
      const bar = $("#import-progress"); if (!bar) return;
      bar.hidden = event.data.phase === "ready" || event.data.phase === "committed";
      bar.max = event.data.total || 1; bar.value = event.data.done || 0;
      status(event.data.phase === "fetching" ? `Reading the playlist… ${event.data.done} tracks` : event.data.phase === "matching" ? `Matching… ${event.data.done} of ${event.data.total}` : "");
    } else if (event.type === "import.filled" && current && event.data.import_id === current.id) {
      C.api("GET", "/api/imports/" + current.id).then(show).catch(() => {});
    }
  });
})();
