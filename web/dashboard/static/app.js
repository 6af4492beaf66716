// The dashboard's core: CSRF-aware API calls, live events over /api/ws, hearts, Retry, live
// refresh of the page content, the page lifecycle (htmx swaps pages without reloading the
// document, so the player keeps playing) and the "Add to playlist" menu.
"use strict";

const Companion = (() => {
  const csrf = () => document.querySelector('meta[name="csrf-token"]')?.content || "";
  // COMPANION_BASE_PATH ("" or e.g. "/companion"), rendered by the server into <body>.
  const base = () => document.body?.dataset.basePath || "";
  // A root-relative path under the base path; absolute URLs and data: pass unchanged.
  function url(path) {
    if (typeof path !== "string" || !path.startsWith("/") || path.startsWith("//")) return path;
    const b = base();
    return b && (path === b || path.startsWith(b + "/") || path.startsWith(b + "?")) ? path : b + path;
  }
  // The current page's path without the base path (what the server's routes see).
  function pagePath() {
    const b = base(), p = location.pathname;
    return b && p.startsWith(b) ? (p.slice(b.length) || "/") : p;
  }
  const UNREACHABLE = "Jellyfin is slow or unreachable. Check your Jellyfin instance.";

  class ApiError extends Error {
    constructor(status, code, message) { super(message); this.status = status; this.code = code; }
  }

  // Every state-changing request carries the session's CSRF token.
  async function api(method, path, body) {
    const headers = { "Accept": "application/json" };
    if (method !== "GET") headers["X-CSRF-Token"] = csrf();
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let resp;
    try {
      resp = await fetch(url(path), {
        method, headers, credentials: "same-origin",
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30000),
      });
    } catch (err) {
      throw new ApiError(0, "network", "The companion did not answer. Check your connection.");
    }
    if (resp.status === 204) return null;
    let data = null;
    try { data = await resp.json(); } catch (err) { data = null; }
    if (!resp.ok) {
      const e = (data && data.error) || {};
      // A session that ended (signed out elsewhere, expired) goes back to the sign-in page.
      if (resp.status === 401 && document.body.dataset.signedIn === "true" && ["unauthorized", "signed_out"].includes(e.code)) {
        location.href = url("/login?next=" + encodeURIComponent(pagePath() + location.search));
      }
      throw new ApiError(resp.status, e.code || "http_" + resp.status, e.message || resp.statusText);
    }
    return data;
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "dataset") Object.assign(node.dataset, v);
      else if (k === "text") node.textContent = v;
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c);
    return node;
  }

  function toast(message, kind) {
    const box = document.getElementById("toasts");
    if (!box) return;
    const item = el("div", { class: "toast " + (kind || ""), text: message });
    box.append(item);
    setTimeout(() => item.remove(), 6000);
  }

  // The error block with a Retry button, the same one the server renders.
  function unreachableBlock(message, onRetry) {
    const button = el("button", { type: "button", "data-retry": "", text: "Retry" });
    if (onRetry) button.addEventListener("click", (e) => { e.stopPropagation(); onRetry(); });
    return el("div", { class: "unreachable", role: "alert" },
      el("p", { class: "unreachable-message", text: message || UNREACHABLE }), button);
  }

  function duration(seconds) {
    if (seconds === null || seconds === undefined) return "";
    const s = Math.max(0, Math.floor(seconds));
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
    const mm = h ? String(m).padStart(2, "0") : String(m);
    return (h ? h + ":" : "") + mm + ":" + String(r).padStart(2, "0");
  }

  function imageUrl(src, size) {
    if (!src) return "data:,";
    return url(src) + (src.includes("?") ? "&" : "?") + "size=" + size;
  }

  // ---- page content refresh (Retry and live updates) without a full reload ----
  let refreshing = null;
  async function refreshMain() {
    if (refreshing) return refreshing;
    const main = document.getElementById("main");
    refreshing = (async () => {
      try {
        const resp = await fetch(location.href, {
          headers: { "X-Fragment": "1" }, credentials: "same-origin",
          signal: AbortSignal.timeout(30000),
        });
        if (resp.status === 401) { location.href = resp.headers.get("X-Location") || url("/login"); return; }
        const html = await resp.text();
        const focused = document.activeElement && document.activeElement.id;
        main.innerHTML = html;
        if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
        document.dispatchEvent(new CustomEvent("companion:refreshed"));
        runPage();
      } catch (err) {
        main.replaceChildren(unreachableBlock("The companion did not answer. Check your connection.", refreshMain));
      } finally {
        refreshing = null;
      }
    })();
    return refreshing;
  }

  // ---- live events ----
  const listeners = new Set();
  let socket = null, backoff = 1000;
  let wsState = "closed";
  function setWsState(state) {
    wsState = state;
    document.body.dataset.ws = state;
    const badge = document.getElementById("ws-state");
    if (badge) { badge.textContent = state === "open" ? "live" : "offline"; badge.dataset.state = state; }
  }
  function connect() {
    if (document.body.dataset.signedIn !== "true") return;
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    socket = new WebSocket(proto + "//" + location.host + url("/api/ws"));
    setWsState("connecting");
    socket.addEventListener("message", (msg) => {
      let data;
      try { data = JSON.parse(msg.data); } catch (err) { return; }
      if (data.type === "auth_ok") {
        socket.send(JSON.stringify({ id: 1, type: "subscribe_events" }));
      } else if (data.type === "result" && data.id === 1 && data.success) {
        backoff = 1000;
        setWsState("open");
      } else if (data.type === "event") {
        for (const fn of listeners) {
          try { fn(data.event); } catch (err) { console.error(err); }
        }
      }
    });
    socket.addEventListener("close", () => {
      setWsState("closed");
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 30000);
    });
  }
  function onEvent(fn) { listeners.add(fn); }

  // Pages name the event types that change their content in <main data-live="...">.
  let refreshTimer = null;
  onEvent((event) => {
    const main = document.getElementById("main");
    const types = (main?.dataset.live || "").split(/\s+/).filter(Boolean);
    if (types.some((t) => t === event.type || (t.endsWith(".*") && event.type.startsWith(t.slice(0, -1))))) {
      clearTimeout(refreshTimer);
      refreshTimer = setTimeout(refreshMain, 150);
    }
  });

  // ---- hearts ----
  function setHearts(ref, favorite) {
    for (const b of document.querySelectorAll(".heart[data-heart]")) {
      if (b.dataset.heart === ref) b.setAttribute("aria-pressed", favorite ? "true" : "false");
    }
    document.dispatchEvent(new CustomEvent("companion:favorite", { detail: { ref, favorite } }));
  }
  onEvent((event) => {
    if (event.type === "favorite.changed" && event.data && event.data.ref) setHearts(event.data.ref, !!event.data.favorite);
  });
  const heartQueues = new WeakMap();
  function toggleHeart(button) {
    // Presses made while a toggle is in flight run after it, each reading the state it left:
    // the live event can show the new state before the API answers, and a second press must
    // not be lost then. Busy, not disabled: a disabled button would drop the keyboard focus.
    const previous = heartQueues.get(button) || Promise.resolve();
    const next = previous.then(() => applyHeart(button));
    heartQueues.set(button, next);
    return next;
  }
  async function applyHeart(button) {
    const ref = button.dataset.heart;
    const want = button.getAttribute("aria-pressed") !== "true";
    button.setAttribute("aria-busy", "true");
    try {
      const result = await api(want ? "PUT" : "DELETE", "/api/favorites/" + encodeURIComponent(ref));
      setHearts(ref, result.favorite);
    } catch (err) {
      toast(err.message, "error");
    } finally {
      button.removeAttribute("aria-busy");
    }
  }

  // ---- the lists a play button plays from ----
  function trackOf(node) {
    try { return JSON.parse(node.closest("[data-track]").dataset.track); } catch (err) { return null; }
  }
  function listTracks(node) {
    const list = node.closest("[data-list]") || document.querySelector("[data-list]");
    return list ? [...list.querySelectorAll("[data-track]")].map((n) => JSON.parse(n.dataset.track)) : [];
  }

  // ---- pages: htmx swaps the body, so page code runs on every swap, not once per load ----
  const pageHooks = [];
  function onPage(fn) { pageHooks.push(fn); }
  function runPage() {
    for (const fn of pageHooks) {
      try { fn(document.getElementById("main")); } catch (err) { console.error(err); }
    }
  }

  // ---- "Add to playlist" menu ----
  let menuRefs = [];
  async function openPlaylistMenu(refs) {
    menuRefs = refs;
    const dialog = document.getElementById("playlist-menu");
    const list = document.getElementById("playlist-menu-list");
    const error = document.getElementById("playlist-menu-error");
    error.textContent = "";
    list.replaceChildren(el("li", { text: "Loading…" }));
    dialog.showModal();
    try {
      const data = await api("GET", "/api/playlists");
      list.replaceChildren(...data.items.map((p) => el("li", {},
        el("button", { type: "button", "data-pick-playlist": p.id, text: p.name + " (" + p.item_count + ")" }))));
      if (!data.items.length) list.replaceChildren(el("li", { text: "No playlists yet." }));
    } catch (err) {
      list.replaceChildren();
      error.textContent = err.message;
    }
  }
  async function addToPlaylist(id, refs) {
    const result = await api("POST", "/api/playlists/" + id + "/items", { refs });
    toast(result.warning || ("Added to " + result.name), result.warning ? "warn" : "");
    return result;
  }

  // ---- one delegated click handler for the whole page ----
  document.addEventListener("click", async (e) => {
    const target = e.target.closest("button, a");
    if (!target) return;
    if (target.matches("[data-retry]")) { e.preventDefault(); refreshMain(); return; }
    if (target.matches(".heart[data-heart]")) { e.preventDefault(); toggleHeart(target); return; }
    const player = window.CompanionPlayer;
    if (target.matches("[data-play]") && player) {
      const tracks = listTracks(target), me = trackOf(target);
      const index = Math.max(0, tracks.findIndex((t) => t.ref === me.ref));
      player.playRefs((tracks.length ? tracks : [me]).map((t) => t.ref), index);
      return;
    }
    if (target.matches("[data-play-source]") && player) {
      e.preventDefault();
      player.playSource(target.dataset.playSource, target.dataset.ref || null, target.hasAttribute("data-shuffle"));
      return;
    }
    if (target.matches("[data-play-all]") && player) {
      player.playRefs(listTracks(target).map((t) => t.ref), 0, target.hasAttribute("data-shuffle"));
      return;
    }
    if (target.matches("[data-enqueue]") && player) { player.enqueue([trackOf(target)], "end"); return; }
    if (target.matches("[data-play-next]") && player) { player.enqueue([trackOf(target)], "next"); return; }
    if (target.matches("[data-add-to-playlist]")) { openPlaylistMenu([target.dataset.addToPlaylist]); return; }
    if (target.matches("[data-pick-playlist]")) {
      const error = document.getElementById("playlist-menu-error");
      try {
        await addToPlaylist(target.dataset.pickPlaylist, menuRefs);
        document.getElementById("playlist-menu").close();
      } catch (err) { error.textContent = err.message; }
      return;
    }
    if (target.id === "playlist-menu-create") {
      const input = document.getElementById("playlist-menu-new");
      const error = document.getElementById("playlist-menu-error");
      if (!input.value.trim()) { error.textContent = "Give the playlist a name."; input.focus(); return; }
      try {
        const result = await api("POST", "/api/playlists", { name: input.value.trim(), refs: menuRefs });
        toast(result.warning || ("Created " + result.name), result.warning ? "warn" : "");
        input.value = "";
        document.getElementById("playlist-menu").close();
      } catch (err) { error.textContent = err.message; }
    }
  });

  // ---- sign-in form ----
  document.addEventListener("submit", async (e) => {
    const form = e.target;
    if (form.id !== "login-form") return;
    e.preventDefault();
    const error = document.getElementById("login-error");
    error.textContent = "";
    try {
      await api("POST", "/api/auth/login", { username: form.username.value, password: form.password.value });
      location.href = form.dataset.next || url("/library");
    } catch (err) {
      error.textContent = err.message;
    }
  });

  // ---- Now playing: positions advance between events ----
  setInterval(() => {
    for (const bar of document.querySelectorAll("progress[data-position]")) {
      if (bar.dataset.paused === "true") continue;
      const started = Date.parse(bar.dataset.updated);
      if (Number.isNaN(started)) continue;
      const pos = Math.min(Number(bar.dataset.duration) || Infinity,
        Number(bar.dataset.position) + (Date.now() - started) / 1000);
      bar.value = pos;
      const clock = bar.parentElement.querySelector("[data-clock]");
      if (clock) clock.textContent = duration(pos);
    }
  }, 1000);

  // ---- Progress of long work (library index syncs) ----
  onEvent((event) => {
    if (event.type !== "library.index_progress") return;
    let bar = document.getElementById("work-progress");
    if (!bar) {
      bar = el("progress", { id: "work-progress", class: "work-progress", "aria-label": "Library sync" });
      document.querySelector("header.top")?.append(bar);
    }
    bar.max = event.data.total || 1;
    bar.value = event.data.done || 0;
    if (event.data.done >= event.data.total) setTimeout(() => bar.remove(), 2000);
  });

  document.addEventListener("DOMContentLoaded", () => { connect(); runPage(); });
  // A swapped page brings a fresh header: show the socket's state in it again.
  onPage(() => { if (socket) setWsState(wsState); });
  // A boosted navigation or a history restore swapped the body: run the page code again.
  document.addEventListener("htmx:afterSettle", (e) => {
    if (e.detail && (e.detail.boosted || e.detail.requestConfig?.boosted || e.target === document.body)) runPage();
  });
  document.addEventListener("htmx:historyRestore", runPage);
  return { api, url, pagePath, el, toast, duration, imageUrl, refreshMain, onEvent, onPage, runPage,
    unreachableBlock, trackOf, listTracks, openPlaylistMenu, addToPlaylist, setHearts, ApiError, UNREACHABLE };
})();
window.Companion = Companion;
