// Playlists: list, create, adopt from Jellyfin; one playlist: rename, reorder by drag and by
// keyboard, remove, delete, and its sync badge with Retry. Rendered from /api/playlists.
"use strict";
(() => {
  const C = window.Companion;
  const el = C.el;

  function syncBadge(p, onRetry) {
    const s = p.sync || { state: "pending" };
    const badge = el("span", { class: "badge sync-" + s.state, "data-sync-state": s.state, text: s.state });
    if (s.state !== "failing") return badge;
    return el("span", { class: "sync" }, badge, " ",
      el("span", { class: "error", text: s.last_error || "Could not sync to Jellyfin." }), " ",
      el("button", { type: "button", "data-sync-retry": p.id, text: "Retry" }));
  }

  function failed(box, err, reload) {
    box.setAttribute("aria-busy", "false");
    if (err.status === 503 || err.status === 0) box.replaceChildren(C.unreachableBlock(err.message, reload));
    else if (err.status === 404) box.replaceChildren(el("p", { class: "error", text: err.code === "not_found" && err.message === "Not found." ? "Playlists are not available yet." : err.message }));
    else box.replaceChildren(el("p", { class: "error", text: err.message }));
  }

  async function retrySync(id, reload) {
    try {
      const p = await C.api("POST", "/api/playlists/" + id + "/sync");
      if (p.warning) C.toast(p.warning, "warn");
    } catch (err) { C.toast(err.message, "error"); }
    reload();
  }

  // ---- the list (the page may come and go: htmx swaps pages in this document) ----
  let listBox = null;
  async function loadList() {
    if (!listBox) return;
    try {
      const data = await C.api("GET", "/api/playlists");
      listBox.setAttribute("aria-busy", "false");
      if (!data.items.length) { listBox.replaceChildren(el("p", { class: "empty", text: "No playlists yet." })); }
      else listBox.replaceChildren(el("ul", { class: "playlists" }, data.items.map((p) => el("li", { "data-playlist": p.id },
        el("a", { href: C.url("/playlists/" + p.id), text: p.name }), " ",
        el("span", { class: "sub", text: p.item_count + " tracks" }), " ", syncBadge(p, loadList)))));
    } catch (err) { failed(listBox, err, loadList); return; }
    try {
      const jf = await C.api("GET", "/api/playlists/jellyfin");
      const section = document.getElementById("jellyfin-playlists");
      section.hidden = !jf.items.length;
      document.getElementById("jellyfin-playlists-list").replaceChildren(...jf.items.map((p) => el("li", {},
        p.name + " (" + p.item_count + ") ", el("button", { type: "button", "data-adopt": p.jellyfin_id, text: "Bring into the companion" }))));
    } catch (err) { /* optional section */ }
  }
  document.addEventListener("submit", async (e) => {
    if (e.target.id !== "playlist-create") return;
    e.preventDefault();
    const input = document.getElementById("playlist-name");
    try {
      const p = await C.api("POST", "/api/playlists", { name: input.value.trim() });
      if (p.warning) C.toast(p.warning, "warn");
      input.value = "";
      loadList();
    } catch (err) { C.toast(err.message, "error"); }
  });
  C.onEvent((ev) => {
    if (listBox && listBox.isConnected && (ev.type === "playlist.changed" || ev.type === "playlist.synced")) loadList();
  });

  // ---- one playlist ----
  let box = null;
  let current = null;
  let id = null;

  function row(item, count) {
    const t = item.track;
    const name = t ? t.name : item.ref;
    const li = el("li", {
      class: "track" + (item.available ? "" : " unavailable"), draggable: "true", tabindex: "0",
      "data-position": item.position, "aria-label": name + ", position " + (item.position + 1) + " of " + count,
      "data-track": t ? JSON.stringify({ ref: t.ref, name: t.name, artist: (t.artists || []).map((a) => a.name).join(", "), image: t.image_url, duration: t.duration, favorite: t.favorite }) : null,
    },
      el("span", { class: "num", text: String(item.position + 1) }),
      el("span", { class: "handle", "aria-hidden": "true", text: "\u2261" }),
      el("span", { class: "meta" }, el("span", { class: "name", text: name }),
        el("span", { class: "sub", text: t ? (t.artists || []).map((a) => a.name).join(", ") : "Not available in Jellyfin" })),
      el("span", { class: "dur", text: t ? C.duration(t.duration) : "" }),
      el("span", { class: "actions" },
        t ? el("button", { type: "button", class: "heart", "data-heart": t.ref, "aria-pressed": t.favorite ? "true" : "false", "aria-label": "Favorite " + name, text: "\u2665" }) : null,
        t ? el("button", { type: "button", "data-play": "", "aria-label": "Play " + name, text: "\u25B6" }) : null,
        el("button", { type: "button", "data-move": item.position, "data-to": item.position - 1, "aria-label": "Move " + name + " up", disabled: item.position === 0, text: "\u2191" }),
        el("button", { type: "button", "data-move": item.position, "data-to": item.position + 1, "aria-label": "Move " + name + " down", disabled: item.position === count - 1, text: "\u2193" }),
        el("button", { type: "button", "data-remove": item.position, "aria-label": "Remove " + name, text: "\u2715" })));
    return li;
  }

  function render(p) {
    current = p;
    box.setAttribute("aria-busy", "false");
    const title = el("h1", { id: "playlist-title", text: p.name });
    document.title = p.name + " · Jellyfin Companion";
    const rename = el("form", { id: "playlist-rename", class: "row" },
      el("label", { for: "playlist-rename-name", text: "Name" }),
      el("input", { id: "playlist-rename-name", name: "name", value: p.name, maxlength: 200, required: true }),
      el("button", { type: "submit", text: "Rename" }));
    const tools = el("p", { class: "row" },
      el("button", { type: "button", "data-play-source": "playlist", "data-ref": String(p.id), text: "Play all" }),
      el("button", { type: "button", "data-play-source": "playlist", "data-ref": String(p.id), "data-shuffle": "", text: "Shuffle" }),
      el("button", { type: "button", id: "playlist-delete", class: "danger", text: "Delete playlist" }));
    const list = el("ol", { class: "tracks sortable", id: "playlist-items", "data-list": "" }, p.items.map((i) => row(i, p.items.length)));
    // A live refresh must not take the keyboard focus away from the row being moved.
    const focused = document.activeElement && document.activeElement.closest && document.activeElement.closest("#playlist-items li[data-position]");
    const focusedAt = focused ? focused.dataset.position : null;
    box.replaceChildren(title, el("p", {}, p.item_count + " tracks · sync: ", syncBadge(p)), rename, tools,
      p.items.length ? list : el("p", { class: "empty", text: "Empty. Add tracks from the library with the \u2630 button." }),
      el("p", { class: "hint", text: "Reorder by dragging, with the arrow buttons, or by focusing a track and pressing Alt+Arrow up/down." }));
    document.dispatchEvent(new CustomEvent("companion:list-rendered"));
    if (focusedAt !== null) box.querySelector('#playlist-items [data-position="' + focusedAt + '"]')?.focus();
  }

  async function loadOne() {
    try { render(await C.api("GET", "/api/playlists/" + id)); } catch (err) { failed(box, err, loadOne); }
  }

  async function write(method, path, body) {
    try {
      const p = await C.api(method, path, body);
      if (p && p.warning) C.toast(p.warning, "warn");
      if (p && p.items) render(p);
      return p;
    } catch (err) { C.toast(err.message, "error"); loadOne(); return null; }
  }

  async function move(from, to, focus) {
    if (!current || to < 0 || to >= current.items.length || from === to) return;
    await write("POST", "/api/playlists/" + id + "/move", { from, to });
    if (focus) document.querySelector('#playlist-items [data-position="' + to + '"]')?.focus();
  }

  const inBox = (e) => box && box.isConnected && box.contains(e.target);
  document.addEventListener("click", async (e) => {
    if (!inBox(e)) return;
    const b = e.target.closest("button");
    if (!b) return;
    if (b.dataset.move !== undefined) { await move(Number(b.dataset.move), Number(b.dataset.to), false); }
    else if (b.dataset.remove !== undefined) { await write("DELETE", "/api/playlists/" + id + "/items/" + b.dataset.remove); }
    else if (b.id === "playlist-delete") {
      if (!confirm("Delete this playlist?")) return;
      try { await C.api("DELETE", "/api/playlists/" + id); location.href = C.url("/playlists"); }
      catch (err) { C.toast(err.message, "error"); }
    }
  });
  document.addEventListener("submit", async (e) => {
    if (!inBox(e) || e.target.id !== "playlist-rename") return;
    e.preventDefault();
    await write("PATCH", "/api/playlists/" + id, { name: document.getElementById("playlist-rename-name").value.trim() });
  });
  document.addEventListener("keydown", (e) => {
    if (!inBox(e)) return;
    const li = e.target.closest && e.target.closest("li[data-position]");
    if (!li || e.target !== li || !e.altKey) return;
    const pos = Number(li.dataset.position);
    if (e.key === "ArrowUp") { e.preventDefault(); move(pos, pos - 1, true); }
    if (e.key === "ArrowDown") { e.preventDefault(); move(pos, pos + 1, true); }
  });
  let dragFrom = null;
  document.addEventListener("dragstart", (e) => {
    const li = inBox(e) && e.target.closest("li[data-position]");
    if (!li) return;
    dragFrom = Number(li.dataset.position);
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", String(dragFrom));
  });
  document.addEventListener("dragover", (e) => { if (inBox(e) && e.target.closest("li[data-position]")) e.preventDefault(); });
  document.addEventListener("drop", (e) => {
    const li = inBox(e) && e.target.closest("li[data-position]");
    if (!li || dragFrom === null) return;
    e.preventDefault();
    move(dragFrom, Number(li.dataset.position), false);
    dragFrom = null;
  });
  C.onEvent((ev) => {
    if (!box || !box.isConnected) return;
    if ((ev.type === "playlist.changed" || ev.type === "playlist.synced") && String(ev.data.playlist_id) === String(id)) loadOne();
  });

  C.onPage(() => {
    const list = document.querySelector("[data-playlists]");
    if (list && !list.dataset.bound) { list.dataset.bound = "1"; listBox = list; loadList(); }
    const one = document.querySelector("[data-playlist-id]");
    if (one && !one.dataset.bound) { one.dataset.bound = "1"; box = one; id = one.dataset.playlistId; current = null; loadOne(); }
  });

  document.addEventListener("click", async (e) => {
    const b = e.target.closest("button");
    if (!b) return;
    if (b.dataset.syncRetry) retrySync(b.dataset.syncRetry, box ? loadOne : loadList);
    if (b.dataset.adopt) {
      try { const p = await C.api("POST", "/api/playlists/adopt", { jellyfin_id: b.dataset.adopt }); location.href = C.url("/playlists/" + p.id); }
      catch (err) { C.toast(err.message, "error"); }
    }
  });
})();
