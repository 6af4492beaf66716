// Vibe queues: start from a track, album, artist, words, recent plays, alchemy or a path;
// the queue updates live as it auto-extends; play here, send to a session, or save.
"use strict";
(() => {
  const C = window.Companion;
  const el = C.el;
  const form = document.getElementById("vibe-form");
  const error = document.getElementById("vibe-error");
  const result = document.getElementById("vibe-result");
  let queue = null;

  function refs(text) { return text.split(/[\s,]+/).map((s) => s.trim()).filter(Boolean); }

  function showFields() {
    const mode = form.mode.value;
    for (const box of form.querySelectorAll("[data-for]")) box.hidden = !box.dataset.for.split(" ").includes(mode);
  }

  function body() {
    const mode = form.mode.value;
    const out = { mode };
    if (["similar", "album", "artist"].includes(mode)) out.ref = form.ref.value.trim();
    if (mode === "text") out.text = form.text.value.trim();
    if (mode === "alchemy") {
      out.add = refs(form.add.value);
      out.subtract = refs(form.subtract.value);
      out.temperature = Number(form.temperature.value);
      out.subtract_distance = Number(form.subtract_distance.value);
    }
    if (mode === "path") { out.from = form.from.value.trim(); out.to = form.to.value.trim(); }
    return out;
  }

  function trackJson(t) {
    return JSON.stringify({ ref: t.ref, name: t.name, artist: (t.artists || []).map((a) => a.name).join(", "), image: t.image_url, duration: t.duration, favorite: t.favorite });
  }

  function render(q) {
    queue = q;
    result.hidden = false;
    document.getElementById("vibe-engine").textContent = q.engine;
    document.getElementById("vibe-notice").textContent = q.notice || "";
    result.dataset.queueId = q.id;
    document.getElementById("vibe-queue").replaceChildren(...q.items.map((t) => el("li", { class: "track", "data-track": trackJson(t) },
      el("img", { class: "thumb", src: C.imageUrl(t.image_url, 64), alt: "", width: 40, height: 40 }),
      el("span", { class: "meta" }, el("span", { class: "name", text: t.name }),
        el("span", { class: "sub", text: (t.artists || []).map((a) => a.name).join(", ") })),
      el("span", { class: "dur", text: C.duration(t.duration) }),
      el("span", { class: "actions" },
        el("button", { type: "button", class: "heart", "data-heart": t.ref, "aria-pressed": t.favorite ? "true" : "false", "aria-label": "Favorite " + t.name, text: "\u2665" }),
        el("button", { type: "button", "data-play": "", "aria-label": "Play " + t.name, text: "\u25B6" }),
        el("button", { type: "button", "data-add-to-playlist": t.ref, "aria-label": "Add " + t.name + " to a playlist", text: "\u2630" })))));
    document.getElementById("vibe-queue").setAttribute("data-list", "");
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
    if (err.status === 503 || err.status === 0) error.replaceChildren(C.unreachableBlock(err.message, retry));
    else error.textContent = err.message;
  }

  async function start() {
    error.textContent = "";
    const button = form.querySelector('button[type="submit"]');
    button.disabled = true;
    try {
      render(await C.api("POST", "/api/vibe", body()));
      loadSessions();
    } catch (err) { showError(err, start); }
    finally { button.disabled = false; }
  }

  form.addEventListener("change", showFields);
  form.addEventListener("input", (e) => {
    if (e.target.type === "range") document.getElementById(e.target.id + "-out").textContent = e.target.value;
  });
  form.addEventListener("submit", (e) => { e.preventDefault(); start(); });
  document.getElementById("vibe-play").addEventListener("click", () => {
    if (queue) C.playTracks(queue.items.map((t) => JSON.parse(trackJson(t))), 0);
  });
  document.getElementById("vibe-send").addEventListener("click", async () => {
    const session = document.getElementById("vibe-session").value;
    if (!queue || !session) return;
    try {
      const r = await C.api("POST", "/api/vibe/" + queue.id + "/play", { session_id: session });
      C.toast("Sent " + r.count + " tracks to the session.");
    } catch (err) { C.toast(err.message, "error"); }
  });
  document.getElementById("vibe-save").addEventListener("click", async () => {
    if (!queue) return;
    const name = document.getElementById("vibe-save-name").value.trim();
    try {
      const p = await C.api("POST", "/api/vibe/" + queue.id + "/save", name ? { name } : {});
      C.toast(p.warning || ("Saved as playlist " + p.name), p.warning ? "warn" : "");
    } catch (err) { C.toast(err.message, "error"); }
  });
  // The queue grows in the background; show each extension as it lands.
  C.onEvent(async (ev) => {
    if (ev.type !== "vibe.queue" || !queue || ev.data.queue_id !== queue.id) return;
    try { render(await C.api("GET", "/api/vibe/" + queue.id)); } catch (err) { /* keep what we show */ }
  });
  showFields();
  if (form.dataset.seed) start();
})();
