// The player engine: the queue lives in the server (/api/player), the audio lives in this
// document (two Audio objects, never in the page, so htmx page swaps cannot stop them). One tab
// plays; the others follow what it plays and can take over. Playback is reported through the
// companion to Jellyfin as this browser's session. The next track is preloaded in the second
// Audio object and started on "ended" (gapless-feeling). The bar and the queue page are drawn
// by player_ui.js from the state this file keeps.
"use strict";
(() => {
  const C = window.Companion;
  const PROGRESS_MS = 10000;
  const MAX_FAILURES = 3;
  const UNREACHABLE = C.UNREACHABLE;

  // ---- who we are: a tab (survives reloads of this tab) in a browser (survives restarts) ----
  function randomId() {
    const bytes = crypto.getRandomValues(new Uint8Array(12));
    return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  }
  function stored(storage, key) {
    try {
      let value = storage.getItem(key);
      if (!value) { value = randomId(); storage.setItem(key, value); }
      return value;
    } catch (err) { return randomId(); }
  }
  function browserName() {
    const ua = navigator.userAgent;
    const browser = /Edg\//.test(ua) ? "Edge" : /Firefox\//.test(ua) ? "Firefox"
      : /Chrom(e|ium)\//.test(ua) ? (/Chromium/.test(ua) ? "Chromium" : "Chrome") : /Safari\//.test(ua) ? "Safari" : "Browser";
    const os = /Android/.test(ua) ? "Android" : /iPhone|iPad/.test(ua) ? "iOS" : /Mac OS/.test(ua) ? "macOS"
      : /Windows/.test(ua) ? "Windows" : /Linux/.test(ua) ? "Linux" : "";
    return os ? browser + " on " + os : browser;
  }
  const client = {
    player: stored(sessionStorage, "companion.player.tab"),
    device: stored(localStorage, "companion.player.device"),
    name: browserName(),
  };

  // ---- state ----
  const listeners = new Set();
  const P = {
    client, state: null, playing: false, error: null, outage: false,
    // Gapless: start the preloaded next track on "ended"; the bench turns it off to compare.
    preload: true,
    // Gaps measured between one track's "ended" and the next one's "playing" (milliseconds).
    gaps: [],
  };
  const audio = [new Audio(), new Audio()];
  for (const a of audio) { a.preload = "auto"; }
  let active = 0; // index of the element that plays the current entry
  let loadedEntry = null; // entry id whose source is in audio[active]
  let preloadedEntry = null; // entry id whose source is in the other element
  let startedEntry = null; // entry id Jellyfin was told is playing
  let lastProgress = 0;
  let failures = 0;
  let endedAt = null;
  let reports = Promise.resolve();

  const el = () => audio[active];
  const other = () => audio[1 - active];
  function notify() { for (const fn of listeners) { try { fn(P); } catch (err) { console.error(err); } } }
  P.onChange = (fn) => { listeners.add(fn); };
  P.audio = el;
  P.isActive = () => !!(P.state && P.state.active && P.state.active.player === client.player);
  P.entry = (id) => (P.state ? P.state.entries.find((e) => e.id === id) || null : null);
  P.current = () => (P.state ? P.entry(P.state.current) : null);

  function streamUrl(ref) { return C.url("/api/tracks/" + encodeURIComponent(ref) + "/stream"); }

  // ---- talking to the server ----
  async function call(method, path, body) {
    try {
      const state = await C.api(method, path, body);
      if (state && state.entries) apply(state);
      return state;
    } catch (err) {
      C.toast(err.message, "error");
      throw err;
    }
  }
  P.refresh = async () => {
    try { apply(await C.api("GET", "/api/player")); } catch (err) { /* the bar keeps what it shows */ }
  };
  P.playRefs = async (refs, start, shuffle) => {
    await call("PUT", "/api/player/queue", { refs, start: start || 0, shuffle: shuffle ? true : undefined, ...client });
    startCurrent(0);
  };
  P.playSource = async (kind, ref, shuffle) => {
    await call("PUT", "/api/player/queue", { source: { kind, ref: ref || undefined }, shuffle: shuffle ? true : undefined, ...client });
    startCurrent(0);
  };
  P.enqueue = async (tracks, at) => {
    const state = await call("POST", "/api/player/queue", { refs: tracks.map((t) => t.ref), at });
    const label = tracks.length === 1 ? tracks[0].name : tracks.length + " tracks";
    C.toast((at === "next" ? "Plays next: " : "Added to the queue: ") + label);
    return state;
  };
  P.jump = async (entry) => { await call("POST", "/api/player/jump", { entry, ...client }); startCurrent(0); };
  P.next = async () => { await call("POST", "/api/player/jump", { to: "next", ...client }); startCurrent(0); };
  P.previous = async () => {
    // Like every player: back to the start first, to the previous track when already there.
    if (P.isActive() && el().currentTime > 3) { el().currentTime = 0; return; }
    await call("POST", "/api/player/jump", { to: "previous", ...client });
    startCurrent(0);
  };
  P.remove = (entry) => call("DELETE", "/api/player/queue/" + encodeURIComponent(entry));
  P.move = (entry, to) => call("POST", "/api/player/queue/" + encodeURIComponent(entry) + "/move", { to });
  P.clear = async () => { stopLocal(true); await call("DELETE", "/api/player/queue"); };
  P.setMode = (mode) => call("PUT", "/api/player/mode", mode);
  P.save = (name) => C.api("POST", "/api/player/save", { name });
  P.takeOver = async () => {
    const position = P.state ? P.state.position : 0;
    await call("POST", "/api/player/claim", client);
    startCurrent(position);
  };

  function report(kind, entry, position, paused, extra) {
    const body = { ...client, kind, entry, position: Math.max(0, position || 0), paused: !!paused, ...(extra || {}) };
    // Reports go out in order (a stop before the next start), one at a time; "auto" is a start
    // unless Jellyfin was already told about this entry, decided once the earlier ones are done.
    reports = reports.then(async () => {
      if (kind === "auto") kind = body.kind = startedEntry === entry ? "progress" : "start";
      try {
        await C.api("POST", "/api/player/report", body);
        if (kind === "start") startedEntry = entry;
        if (kind === "stop" && startedEntry === entry) startedEntry = null;
      } catch (err) {
        if (err.code === "not_active") { pauseLocal(); P.refresh(); }
        else if (err.status === 503 || err.status === 0) outage();
      }
    });
    return reports;
  }

  // ---- applying a state from the server or another tab ----
  function apply(state) {
    const previous = P.state;
    P.state = state;
    if (!P.isActive() && P.playing) pauseLocal();
    if (P.isActive() && loadedEntry && state.current !== loadedEntry && !state.entries.some((e) => e.id === loadedEntry)) {
      // The playing entry left the queue (removed, cleared elsewhere).
      stopLocal(true);
    }
    if (preloadedEntry && preloadedEntry !== state.next) { other().removeAttribute("src"); preloadedEntry = null; }
    if (!previous && state.current && !loadedEntry) prime(state.position || 0);
    notify();
  }

  // Show the current track ready to play (after a load), without starting it.
  function prime(position) {
    const entry = P.current();
    if (!entry || !entry.available || !P.isActive()) return;
    el().src = streamUrl(entry.ref);
    loadedEntry = entry.id;
    if (position) el().addEventListener("loadedmetadata", () => { el().currentTime = position; }, { once: true });
  }

  function startCurrent(position) {
    const entry = P.current();
    if (!entry) { stopLocal(true); notify(); return; }
    setError(null);
    if (loadedEntry && loadedEntry !== entry.id && startedEntry === loadedEntry && P.isActive()) {
      // Skipped away from a track: Jellyfin hears where it stopped.
      report("stop", loadedEntry, el().currentTime, true);
    }
    if (!entry.available) { failed(entry.id, "gone"); return; }
    if (preloadedEntry === entry.id && !position) {
      swapToPreloaded();
    } else if (loadedEntry !== entry.id || el().ended || !el().getAttribute("src")) {
      el().src = streamUrl(entry.ref);
      loadedEntry = entry.id;
    }
    if (position) el().currentTime = position;
    play();
  }

  function swapToPreloaded() {
    el().pause();
    active = 1 - active;
    loadedEntry = preloadedEntry;
    preloadedEntry = null;
  }

  async function play() {
    if (!P.isActive()) { await P.takeOver(); return; }
    try { await el().play(); } catch (err) {
      if (err.name === "NotAllowedError") { P.playing = false; notify(); }
    }
  }
  P.play = play;
  P.toggle = () => {
    if (!P.state || !P.state.current) return;
    if (!P.isActive()) { P.takeOver(); return; }
    if (P.outage) { retry(); return; }
    if (!el().paused) { el().pause(); return; }
    if (loadedEntry && !el().ended) { play(); return; }
    // After the end of the queue (or a reload): from where it was, or from the start if done.
    const entry = P.current();
    const length = entry && entry.track ? entry.track.duration || 0 : 0;
    const position = el().ended || (length && P.state.position >= length - 1) ? 0 : P.state.position || 0;
    startCurrent(position);
  };
  P.seek = (seconds) => {
    if (!P.isActive() || !loadedEntry) return;
    el().currentTime = Math.max(0, Math.min(seconds, el().duration || seconds));
  };

  function pauseLocal() {
    for (const a of audio) a.pause();
    P.playing = false;
    notify();
  }
  function stopLocal(report_) {
    const entry = loadedEntry;
    if (report_ && entry && startedEntry === entry && P.isActive()) report("stop", entry, el().currentTime, true);
    for (const a of audio) { a.pause(); a.removeAttribute("src"); a.load(); }
    loadedEntry = preloadedEntry = null;
    P.playing = false;
  }

  // ---- the active element's events (both elements carry them; only the active one counts) ----
  function bind(a) {
    const mine = () => a === el();
    a.addEventListener("playing", () => {
      if (!mine()) return;
      if (endedAt !== null) { P.gaps.push(performance.now() - endedAt); endedAt = null; }
      P.playing = true;
      failures = 0;
      setError(null);
      report("auto", loadedEntry, a.currentTime, false);
      lastProgress = Date.now();
      notify();
    });
    a.addEventListener("pause", () => {
      if (!mine() || a.ended) return;
      P.playing = false;
      if (startedEntry === loadedEntry && P.isActive()) report("progress", loadedEntry, a.currentTime, true);
      notify();
    });
    a.addEventListener("seeked", () => {
      if (mine() && startedEntry === loadedEntry && P.isActive()) report("progress", loadedEntry, a.currentTime, a.paused);
    });
    a.addEventListener("timeupdate", () => {
      if (!mine()) return;
      if (P.playing && Date.now() - lastProgress >= PROGRESS_MS && startedEntry === loadedEntry) {
        lastProgress = Date.now();
        report("progress", loadedEntry, a.currentTime, false);
      }
      maybePreload(a);
      notify();
    });
    a.addEventListener("ended", () => { if (mine()) ended(a); });
    a.addEventListener("error", () => {
      if (a.getAttribute("src") && mine()) failed(loadedEntry, null);
    });
  }
  audio.forEach(bind);

  function maybePreload(a) {
    const next = P.state && P.state.next;
    if (!P.preload || !next || next === preloadedEntry || next === loadedEntry) return;
    // Start fetching the next track once this one is well under way (or short).
    if (!(a.duration > 0) || a.duration - a.currentTime > 30) return;
    const entry = P.entry(next);
    if (!entry || !entry.available) return;
    other().src = streamUrl(entry.ref);
    other().load();
    preloadedEntry = next;
  }

  async function ended(a) {
    endedAt = performance.now();
    const finished = loadedEntry;
    const next = P.state && P.state.next;
    P.playing = false;
    if (next && P.preload && preloadedEntry === next) {
      // Start the next track before anything else: this is the gap people hear.
      swapToPreloaded();
      el().play().catch(() => {});
    } else if (next) {
      const entry = P.entry(next);
      if (entry) { el().src = streamUrl(entry.ref); loadedEntry = next; el().play().catch(() => {}); }
    } else {
      endedAt = null;
    }
    if (startedEntry === finished) report("stop", finished, a.duration || a.currentTime, false);
    if (next) {
      try { apply(await C.api("POST", "/api/player/jump", { entry: next, ...client })); } catch (err) { /* shown by the report */ }
    } else {
      loadedEntry = null;
      notify();
    }
  }

  // ---- failures: an outage pauses (and resumes when Jellyfin is back); a broken track skips ----
  function setError(message) { P.error = message; notify(); }
  async function failed(entryId, known) {
    const entry = P.entry(entryId);
    if (!entry) return;
    let status = known;
    if (!status) {
      try { status = (await C.api("GET", "/api/player/check?ref=" + encodeURIComponent(entry.ref))).status; }
      catch (err) { status = err.status === 503 || err.status === 0 ? "down" : "ok"; }
    }
    if (status === "down") { outage(); return; }
    failures += 1;
    if (failures >= MAX_FAILURES || !P.state.next || P.state.next === entryId) {
      pauseLocal();
      setError("Could not load track. " + UNREACHABLE);
      return;
    }
    C.toast("Could not load " + (entry.track ? entry.track.name : "a track") + "; skipping it.", "warn");
    P.next();
  }
  function outage() {
    if (P.outage) return;
    P.outage = true;
    P.resumeAt = { entry: loadedEntry, position: el().currentTime || 0, wasPlaying: P.playing || !el().paused };
    pauseLocal();
    setError(UNREACHABLE);
  }
  async function retry() {
    if (!P.outage) { startCurrent(el().currentTime || 0); return; }
    const resume = P.resumeAt || {};
    const entry = P.entry(resume.entry) || P.current();
    if (!entry) return;
    try {
      await C.api("GET", "/api/player/check?ref=" + encodeURIComponent(entry.ref));
    } catch (err) {
      setError(err.status === 503 || err.status === 0 ? UNREACHABLE : err.message);
      return;
    }
    P.outage = false;
    setError(null);
    // Reload the source: the old one failed and the browser will not fetch it again by itself.
    const position = resume.position || 0;
    el().src = streamUrl(entry.ref);
    loadedEntry = entry.id;
    el().addEventListener("loadedmetadata", () => { el().currentTime = position; }, { once: true });
    if (resume.wasPlaying !== false) play();
    notify();
  }
  P.retry = retry;

  // ---- live: other tabs' changes, Jellyfin going away and coming back ----
  C.onEvent((event) => {
    if (event.type === "player.changed") {
      const d = event.data;
      if (P.state && d.active_player === client.player && ["start", "progress", "stop"].includes(d.reason)
          && d.current === P.state.current && d.version === P.state.version + 1) {
        // Our own report: nothing new for this tab but the version and the pause flag.
        P.state.version = d.version;
        P.state.paused = d.paused;
        notify();
      } else if (!P.state || d.version !== P.state.version) P.refresh();
      return;
    }
    if (event.type === "integration.state" && event.data.domain === "jellyfin") {
      if (event.data.state === "unavailable" || event.data.state === "setup_retry") {
        if (P.playing && P.isActive()) outage();
      } else if (event.data.state === "loaded" && P.outage) {
        retry();
      }
    }
    if (event.type === "favorite.changed" && P.state) {
      for (const e of P.state.entries) if (e.track && e.ref === event.data.ref) e.track.favorite = !!event.data.favorite;
      notify();
    }
  });

  // A tab that goes away stops its play in Jellyfin (keepalive: the request outlives the page).
  window.addEventListener("pagehide", () => {
    if (!P.isActive() || !startedEntry || el().paused) return;
    const csrf = document.querySelector('meta[name="csrf-token"]')?.content || "";
    fetch(C.url("/api/player/report"), {
      method: "POST", keepalive: true, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify({ ...client, kind: "stop", entry: startedEntry, position: el().currentTime, paused: true }),
    }).catch(() => {});
  });

  window.CompanionPlayer = P;
  document.addEventListener("DOMContentLoaded", () => {
    if (document.body.dataset.signedIn === "true") P.refresh();
  });
})();
