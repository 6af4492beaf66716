// The HTML5 player: plays the browser-kept queue from the stream route, skips tracks that fail.
"use strict";
(() => {
  const C = window.Companion;
  const FAILED = "Could not load track. Jellyfin is slow or unreachable. Check your Jellyfin instance.";
  const audio = document.getElementById("audio");
  const queueList = document.getElementById("queue");
  const error = document.getElementById("player-error");
  const heart = document.getElementById("player-heart");
  const addButton = document.getElementById("player-add");
  let queue = C.loadQueue();
  let failures = 0;

  function current() { return queue.items[queue.index] || null; }

  function renderQueue() {
    queueList.replaceChildren(...queue.items.map((t, i) => C.el("li", {
      class: "track" + (i === queue.index ? " current" : ""), "data-track": JSON.stringify(t),
      "aria-current": i === queue.index ? "true" : null,
    },
      C.el("img", { class: "thumb", src: C.imageUrl(t.image, 64), alt: "", width: 40, height: 40 }),
      C.el("span", { class: "meta" }, C.el("span", { class: "name", text: t.name }),
        C.el("span", { class: "sub", text: t.artist || "" })),
      C.el("span", { class: "dur", text: C.duration(t.duration) }),
      C.el("span", { class: "actions" },
        C.el("button", { type: "button", class: "heart", "data-heart": t.ref, "aria-pressed": t.favorite ? "true" : "false", "aria-label": "Favorite " + t.name, text: "\u2665" }),
        C.el("button", { type: "button", "data-queue-play": i, "aria-label": "Play " + t.name, text: "\u25B6" }),
        C.el("button", { type: "button", "data-queue-up": i, "aria-label": "Move " + t.name + " up", text: "\u2191" }),
        C.el("button", { type: "button", "data-queue-remove": i, "aria-label": "Remove " + t.name + " from the queue", text: "\u2715" }),
        C.el("button", { type: "button", "data-add-to-playlist": t.ref, "aria-label": "Add " + t.name + " to a playlist", text: "\u2630" })))));
  }

  function show() {
    const t = current();
    document.getElementById("player-title").textContent = t ? t.name : "Nothing queued";
    document.getElementById("player-artist").textContent = t ? (t.artist || "") : "";
    document.getElementById("player-art").src = t ? C.imageUrl(t.image, 300) : "data:,";
    heart.hidden = addButton.hidden = !t;
    if (t) {
      heart.dataset.heart = t.ref;
      heart.setAttribute("aria-pressed", t.favorite ? "true" : "false");
      addButton.dataset.addToPlaylist = t.ref;
    }
    renderQueue();
  }

  function load(index, play) {
    if (index < 0 || index >= queue.items.length) { audio.removeAttribute("src"); show(); return; }
    queue.index = index;
    C.saveQueue(queue);
    audio.src = C.url("/api/tracks/" + encodeURIComponent(queue.items[index].ref) + "/stream");
    show();
    if (play) audio.play().catch(() => {});
  }

  audio.addEventListener("playing", () => { failures = 0; error.textContent = ""; });
  audio.addEventListener("ended", () => load(queue.index + 1, true));
  audio.addEventListener("error", () => {
    if (!audio.getAttribute("src")) return;
    error.textContent = FAILED;
    failures += 1;
    // Skip to the next track, but stop after a whole queue of failures.
    if (failures < queue.items.length && queue.index + 1 < queue.items.length) {
      setTimeout(() => load(queue.index + 1, true), 800);
    }
  });

  document.getElementById("player-next").addEventListener("click", () => load(queue.index + 1, true));
  document.getElementById("player-prev").addEventListener("click", () => load(Math.max(0, queue.index - 1), true));
  document.getElementById("player-clear").addEventListener("click", () => {
    queue = { items: [], index: 0 }; C.saveQueue(queue); audio.removeAttribute("src"); audio.load(); show();
  });
  queueList.addEventListener("click", (e) => {
    const b = e.target.closest("button");
    if (!b) return;
    if (b.dataset.queuePlay !== undefined) load(Number(b.dataset.queuePlay), true);
    if (b.dataset.queueUp !== undefined) {
      const i = Number(b.dataset.queueUp);
      if (i > 0) {
        [queue.items[i - 1], queue.items[i]] = [queue.items[i], queue.items[i - 1]];
        if (queue.index === i) queue.index -= 1; else if (queue.index === i - 1) queue.index += 1;
        C.saveQueue(queue); show();
      }
    }
    if (b.dataset.queueRemove !== undefined) {
      const i = Number(b.dataset.queueRemove);
      queue.items.splice(i, 1);
      if (queue.index > i) queue.index -= 1;
      C.saveQueue(queue); show();
    }
  });
  document.addEventListener("companion:favorite", (e) => {
    for (const t of queue.items) if (t.ref === e.detail.ref) t.favorite = e.detail.favorite;
    C.saveQueue(queue);
  });
  document.addEventListener("companion:queue", () => {
    queue = C.loadQueue();
    if (queue.autoplay) { queue.autoplay = false; load(queue.index, true); } else show();
  });

  // Favorite flags may have changed since the queue was saved: ask Jellyfin once.
  async function refreshFlags() {
    const refs = queue.items.map((t) => t.ref).slice(0, 500);
    if (!refs.length) return;
    try {
      const data = await C.api("POST", "/api/items/resolve", { refs });
      data.items.forEach((item, i) => { if (item) queue.items[i].favorite = item.favorite; });
      C.saveQueue(queue); show();
    } catch (err) { /* the queue still plays; hearts keep their saved state */ }
  }

  if (queue.autoplay) { queue.autoplay = false; load(queue.index, true); } else if (current()) load(queue.index, false); else show();
  refreshFlags();
})();
