// The player's faces: the bar on every page (it survives page swaps) and the queue page with
// reorder by keyboard (Alt+↑/↓ keeps the focus on the moved track), remove, clear, save as
// playlist and the stream quality. Both are drawn from the engine's state (player.js).
"use strict";
(() => {
  const C = window.Companion;
  const P = window.CompanionPlayer;
  const el = C.el;
  const $ = (id) => document.getElementById(id);
  const REPEAT_NEXT = { off: "all", all: "one", one: "off" };
  const REPEAT_LABEL = { off: "Repeat: off", all: "Repeat: all", one: "Repeat: one track" };
  const names = (refs) => (refs || []).map((a) => a.name).join(", ");
  let seeking = false;

  // ---- the bar ----
  function drawBar() {
    const bar = $("player-bar");
    if (!bar) return;
    const state = P.state;
    const entry = P.current();
    const t = entry && entry.track;
    bar.dataset.state = !entry ? "idle" : P.playing ? "playing" : "paused";
    $("pb-title").textContent = t ? t.name : entry ? "Unavailable track" : "Nothing playing";
    $("pb-artist").textContent = t ? names(t.artists) : "";
    const art = t ? C.imageUrl(t.image_url, 96) : document.body.dataset.placeholder;
    if ($("pb-art").getAttribute("src") !== art) { delete $("pb-art").dataset.fallback; $("pb-art").src = art; }
    const play = $("pb-play");
    const showPause = P.playing && P.isActive();
    play.classList.toggle("is-playing", showPause);
    play.setAttribute("aria-label", showPause ? "Pause" : "Play");
    for (const id of ["pb-play", "pb-prev", "pb-next"]) $(id).setAttribute("aria-disabled", entry ? "false" : "true");
    const a = P.audio();
    const duration = P.isActive() && a.duration > 0 && Number.isFinite(a.duration) ? a.duration : (t && t.duration) || 0;
    const position = P.isActive() && entry ? a.currentTime : (state && state.position) || 0;
    const seek = $("pb-seek");
    seek.max = String(Math.floor(duration));
    if (!seeking) seek.value = String(Math.floor(position));
    seek.setAttribute("aria-valuetext", C.duration(position) + " of " + C.duration(duration));
    $("pb-time").textContent = C.duration(position);
    $("pb-duration").textContent = C.duration(duration);
    $("pb-shuffle").setAttribute("aria-pressed", state && state.shuffle ? "true" : "false");
    const repeat = (state && state.repeat) || "off";
    $("pb-repeat").dataset.repeat = repeat;
    $("pb-repeat").setAttribute("aria-label", REPEAT_LABEL[repeat]);
    const heart = $("pb-heart");
    heart.hidden = !t;
    if (t) {
      heart.dataset.heart = t.ref;
      heart.setAttribute("aria-pressed", t.favorite ? "true" : "false");
      heart.setAttribute("aria-label", "Favorite " + t.name);
    }
    const elsewhere = $("pb-elsewhere");
    const other = state && state.active && !P.isActive() && entry;
    elsewhere.hidden = !other;
    if (other) elsewhere.querySelector("span").textContent = (state.paused ? "Paused on " : "Playing on ") + (state.active.name || "another device");
    const error = $("pb-error");
    error.hidden = !P.error;
    if (P.error) error.querySelector("span").textContent = P.error;
  }

  document.addEventListener("click", (e) => {
    const b = e.target.closest("#player-bar button");
    if (!b) return;
    if (b.getAttribute("aria-disabled") === "true") return;
    if (b.id === "pb-play") P.toggle();
    else if (b.id === "pb-prev") P.previous();
    else if (b.id === "pb-next") P.next();
    else if (b.id === "pb-shuffle") P.setMode({ shuffle: !(P.state && P.state.shuffle) });
    else if (b.id === "pb-repeat") P.setMode({ repeat: REPEAT_NEXT[(P.state && P.state.repeat) || "off"] });
    else if (b.id === "pb-takeover") P.takeOver();
    else if (b.id === "pb-retry") P.retry();
  });
  document.addEventListener("input", (e) => { if (e.target.id === "pb-seek") { seeking = true; $("pb-time").textContent = C.duration(Number(e.target.value)); } });
  document.addEventListener("change", (e) => {
    if (e.target.id !== "pb-seek") return;
    seeking = false;
    P.seek(Number(e.target.value));
  });

  // ---- the queue page ----
  function trackJson(t) {
    return JSON.stringify({ ref: t.ref, name: t.name, artist: names(t.artists), image: t.image_url, duration: t.duration, favorite: t.favorite });
  }
  function row(entry, i, count, current) {
    const t = entry.track;
    const name = t ? t.name : "Unavailable track";
    return el("li", {
      class: "track" + (entry.id === current ? " current" : "") + (entry.available ? "" : " unavailable"),
      tabindex: "0", "data-entry": entry.id, "data-position": i,
      "aria-current": entry.id === current ? "true" : null,
      "aria-label": name + ", " + (i + 1) + " of " + count + (entry.id === current ? ", now playing" : ""),
      "data-track": t ? trackJson(t) : null,
    },
      el("span", { class: "num", text: String(i + 1) }),
      el("img", { class: "thumb", src: C.imageUrl(t && t.image_url, 64), alt: "", width: 40, height: 40, loading: "lazy" }),
      el("span", { class: "meta" }, el("span", { class: "name", text: name }), el("span", { class: "sub", text: t ? names(t.artists) : "" })),
      el("span", { class: "dur", text: t ? C.duration(t.duration) : "" }),
      el("span", { class: "actions" },
        el("button", { type: "button", "data-action": "jump", "aria-label": "Play " + name, text: "\u25B6" }),
        el("button", { type: "button", "data-action": "up", "aria-label": "Move " + name + " up", disabled: i === 0, text: "\u2191" }),
        el("button", { type: "button", "data-action": "down", "aria-label": "Move " + name + " down", disabled: i === count - 1, text: "\u2193" }),
        el("button", { type: "button", "data-action": "remove", "aria-label": "Remove " + name + " from the queue", text: "\u2715" }),
        t ? el("button", { type: "button", class: "heart", "data-heart": t.ref, "aria-pressed": t.favorite ? "true" : "false", "aria-label": "Favorite " + name, text: "\u2665" }) : null,
        t ? el("button", { type: "button", "data-add-to-playlist": t.ref, "aria-label": "Add " + name + " to a playlist", text: "\u2630" }) : null));
  }
  function drawQueue() {
    const list = $("queue");
    if (!list || !P.state) return;
    const entries = P.state.entries;
    // Keep the keyboard where it was: the same track (and the same control in its row).
    const focused = document.activeElement;
    const focusedRow = focused && focused.closest && focused.closest("#queue li[data-entry]");
    const keep = focusedRow ? { entry: focusedRow.dataset.entry, action: focused === focusedRow ? null : focused.dataset.action } : null;
    list.replaceChildren(...entries.map((e, i) => row(e, i, entries.length, P.state.current)));
    const empty = $("queue-empty");
    if (empty) empty.hidden = entries.length > 0;
    list.hidden = !entries.length;
    const count = $("queue-count");
    if (count) count.textContent = entries.length === 1 ? "1 track" : entries.length + " tracks";
    document.dispatchEvent(new CustomEvent("companion:list-rendered"));
    if (keep) {
      const li = list.querySelector('li[data-entry="' + CSS.escape(keep.entry) + '"]');
      const target = li && (keep.action ? li.querySelector('[data-action="' + keep.action + '"]:not([disabled])') || li : li);
      if (target) C.focusRow ? C.focusRow(target) : target.focus();
    }
  }
  async function moveBy(li, delta) {
    const to = Number(li.dataset.position) + delta;
    if (to < 0 || to >= P.state.entries.length) return;
    await P.move(li.dataset.entry, to);
  }
  document.addEventListener("click", async (e) => {
    const b = e.target.closest("#queue button[data-action]");
    if (b) {
      const li = b.closest("li[data-entry]");
      const action = b.dataset.action;
      if (action === "jump") P.jump(li.dataset.entry);
      else if (action === "up") await moveBy(li, -1);
      else if (action === "down") await moveBy(li, 1);
      else if (action === "remove") {
        // The focus goes to the next track's row (or the previous one at the end).
        const near = li.nextElementSibling || li.previousElementSibling;
        await P.remove(li.dataset.entry);
        const target = near && $("queue").querySelector('li[data-entry="' + CSS.escape(near.dataset.entry) + '"]');
        if (target) target.focus();
      }
      return;
    }
    if (e.target.closest("#queue-clear")) {
      if (confirm("Clear the queue?")) P.clear();
    }
  });
  document.addEventListener("keydown", (e) => {
    const li = e.target.closest && e.target.closest("#queue li[data-entry]");
    if (!li || !e.altKey || (e.key !== "ArrowUp" && e.key !== "ArrowDown")) return;
    e.preventDefault();
    moveBy(li, e.key === "ArrowUp" ? -1 : 1);
  });
  document.addEventListener("submit", async (e) => {
    if (e.target.id !== "queue-save") return;
    e.preventDefault();
    const input = $("queue-save-name");
    try {
      const p = await P.save(input.value.trim());
      C.toast(p.warning || "Saved as playlist " + p.name, p.warning ? "warn" : "");
      input.value = "";
    } catch (err) { C.toast(err.message, "error"); }
  });
  document.addEventListener("change", async (e) => {
    if (e.target.id !== "stream-quality") return;
    const value = e.target.value;
    const quality = value === "original" ? "original" : { max_bitrate: Number(value), codec: "mp3" };
    try {
      await C.api("PUT", "/api/me/preferences", { stream_quality: quality });
      C.toast("Stream quality: " + (value === "original" ? "original" : value + " kbps") + " (from the next track).");
    } catch (err) { C.toast(err.message, "error"); }
  });

  // Redraw when the state changes; the clock only needs the bar (a queue redraw would steal
  // nothing, but there is no need to rebuild fifty rows four times a second).
  let lastVersion = null;
  P.onChange(() => {
    drawBar();
    const version = P.state ? P.state.version + ":" + P.state.current : null;
    if (version !== lastVersion) { lastVersion = version; drawQueue(); }
  });
  C.onPage(() => { lastVersion = null; drawBar(); drawQueue(); });
})();
