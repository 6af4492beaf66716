// Vibe queues: start from a track, album or artist found by name (never a typed ref), words,
// recent plays, alchemy or a path; the queue updates live as it auto-extends; play here, send
// to a session, or save.
"use strict";
(() => {
  const C = window.Companion;
  const el = C.el;
  const KIND = { tracks: "track", albums: "album", artists: "artist" };
  const MODE_OF = { track: "similar", album: "album", artist: "artist" };
  let queue = null;

  const form = () => document.getElementById("vibe-form");
  const chips = (name) => [...document.querySelectorAll('[data-picker="' + name + '"] [data-chips] .chip')];
  const refs = (name) => chips(name).map((c) => c.dataset.ref);

  function chip(item, kind) {
    return el("li", { class: "chip", "data-ref": item.ref, "data-kind": kind },
      el("span", { text: item.name }), " ", el("span", { class: "sub", text: kind }), " ",
      el("button", { type: "button", "data-chip-remove": "", "aria-label": "Remove " + item.name, text: "\u2715" }));
  }

  function bindPicker(box) {
    const input = box.querySelector("input[type=search]");
    const list = box.querySelector("[data-chips]");
    C.combobox(input, box.querySelector("[role=listbox]"), {
      kinds: box.dataset.kinds.split(" "), limit: 6,
      pick(item, kind) {
        const node = chip(item, KIND[kind]);
        if (box.hasAttribute("data-multi")) list.append(node); else list.replaceChildren(node);
        input.value = "";
        document.getElementById("vibe-error").textContent = "";
      },
    });
  }

  function showFields() {
    const f = form();
    const mode = f.mode.value || "seed";
    for (const box of f.querySelectorAll("[data-for]")) box.hidden = !box.dataset.for.split(" ").includes(mode);
  }

  function body() {
    const f = form();
    const mode = f.mode.value || "seed";
    if (mode === "seed") {
      const c = chips("seed")[0];
      if (!c) throw new Error("Search for a track, album or artist and choose one.");
      return { mode: MODE_OF[c.dataset.kind] || "similar", ref: c.dataset.ref };
    }
    if (mode === "text") return { mode, text: f.text.value.trim() };
    if (mode === "alchemy") {
      return { mode, add: refs("add"), subtract: refs("subtract"), temperature: Number(f.temperature.value), subtract_distance: Number(f.subtract_distance.value) };
    }
    if (mode === "path") {
      const from = refs("from")[0], to = refs("to")[0];
      if (!from || !to) throw new Error("Choose the first and the last track.");
      return { mode, from, to };
    }
    return { mode };
  }

  function trackJson(t) {
    return JSON.stringify({ ref: t.ref, name: t.name, artist: (t.artists || []).map((a) => a.name).join(", "), image: t.image_url, duration: t.duration, favorite: t.favorite });
  }

  function render(q) {
    queue = q;
    const result = document.getElementById("vibe-result");
    if (!result) return;
    result.hidden = false;
    document.getElementById("vibe-engine").textContent = q.engine;
    document.getElementById("vibe-notice").textContent = q.notice || "";
    result.dataset.queueId = q.id;
    const list = document.getElementById("vibe-queue");
    list.replaceChildren(...q.items.map((t) => el("li", { class: "track", "data-track": trackJson(t) },
      el("img", { class: "thumb", src: C.imageUrl(t.image_url, 64), alt: "", width: 40, height: 40 }),
      el("span", { class: "meta" }, el("span", { class: "name", text: t.name }),
        el("span", { class: "sub", text: (t.artists || []).map((a) => a.name).join(", ") })),
      el("span", { class: "dur", text: C.duration(t.duration) }),
      el("span", { class: "actions" },
        el("button", { type: "button", "data-play": "", "aria-label": "Play " + t.name, text: "\u25B6" }),
        el("button", { type: "button", class: "heart", "data-heart": t.ref, "aria-pressed": t.favorite ? "true" : "false", "aria-label": "Favorite " + t.name, text: "\u2665" }),
        el("button", { type: "button", "data-add-to-playlist": t.ref, "aria-label": "Add " + t.name + " to a playlist", text: "\u2630" })))));
    list.setAttribute("data-list", "");
    document.dispatchEvent(new CustomEvent("companion:list-rendered"));
  }

  async function loadSessions() {
    const select = document.getElementById("vibe-session");
    try {
      const data = await C.api("GET", "/api/sessions");
      const usable = data.items.filter((s) => s.supports_remote_control);
      select.replaceChildren(...usable.map((s) => el("option", { value: s.id, text: s.device_name + " (" + s.client + ")" })));
      document.getElementById("vibe-send").disabled = !usable.length;
      if (!usable.length) select.replaceChildren(el("option", { value: "", text: "No Jellyfin session to send to" }));
    } catch (err) {
      select.replaceChildren(el("option", { value: "", text: err.message }));
      document.getElementById("vibe-send").disabled = true;
    }
  }

  function showError(err, retry) {
    const error = document.getElementById("vibe-error");
    if (err.status === 503 || err.status === 0) error.replaceChildren(C.unreachableBlock(err.message, retry));
    else error.textContent = err.message;
  }

  async function start() {
    const error = document.getElementById("vibe-error");
    error.textContent = "";
    let request;
    try { request = body(); } catch (err) { error.textContent = err.message; return; }
    const button = form().querySelector('button[type="submit"]');
    button.setAttribute("aria-busy", "true");
    try {
      render(await C.api("POST", "/api/vibe", request));
      loadSessions();
    } catch (err) { showError(err, start); }
    finally { button.removeAttribute("aria-busy"); }
  }

  // Delegated once: the page comes and goes with htmx swaps.
  document.addEventListener("change", (e) => { if (e.target.closest("#vibe-form")) showFields(); });
  document.addEventListener("input", (e) => {
    if (e.target.closest("#vibe-form") && e.target.type === "range") document.getElementById(e.target.id + "-out").textContent = e.target.value;
  });
  document.addEventListener("submit", (e) => { if (e.target.id === "vibe-form") { e.preventDefault(); start(); } });
  document.addEventListener("click", async (e) => {
    const b = e.target.closest("button");
    if (!b) return;
    if (b.matches("[data-chip-remove]") && b.closest(".picker")) { b.closest(".chip").remove(); return; }
    if (!queue) return;
    if (b.id === "vibe-play") {
      window.CompanionPlayer?.playRefs(queue.items.map((t) => t.ref), 0);
    } else if (b.id === "vibe-send") {
      const session = document.getElementById("vibe-session").value;
      if (!session) return;
      try {
        const r = await C.api("POST", "/api/vibe/" + queue.id + "/play", { session_id: session });
        C.toast("Sent " + r.count + " tracks to the session.");
      } catch (err) { C.toast(err.message, "error"); }
    } else if (b.id === "vibe-save") {
      const name = document.getElementById("vibe-save-name").value.trim();
      try {
        const p = await C.api("POST", "/api/vibe/" + queue.id + "/save", name ? { name } : {});
        C.toast(p.warning || ("Saved as playlist " + p.name), p.warning ? "warn" : "");
      } catch (err) { C.toast(err.message, "error"); }
    }
  });
  // The queue grows in the background; show each extension as it lands.
  C.onEvent(async (ev) => {
    if (ev.type !== "vibe.queue" || !queue || ev.data.queue_id !== queue.id || !document.getElementById("vibe-queue")) return;
    try { render(await C.api("GET", "/api/vibe/" + queue.id)); } catch (err) { /* keep what we show */ }
  });

  C.onPage(() => {
    const f = form();
    if (!f || f.dataset.bound) return;
    f.dataset.bound = "1";
    queue = null;
    f.querySelectorAll("[data-picker]").forEach(bindPicker);
    showFields();
    if (f.dataset.autostart === "true") start();
  });
})();
