// The player's keys: the Media Session (lock screen, headset and media keys, artwork) and the
// page's shortcuts (Space plays or pauses, arrows seek, Shift+arrows change track).
"use strict";
(() => {
  const C = window.Companion;
  const P = window.CompanionPlayer;
  let shown = null;

  // ---- Media Session: lock screen, headset and media keys ----
  function mediaSession() {
    const key = P.state ? P.state.current : null;
    if (key === shown) return;
    shown = key;
    if (!("mediaSession" in navigator)) return;
    const entry = P.current();
    const t = entry && entry.track;
    if (!t) { navigator.mediaSession.metadata = null; return; }
    const art = new URL(C.imageUrl(t.image_url, 512), location.href).href;
    navigator.mediaSession.metadata = new MediaMetadata({
      title: t.name,
      artist: (t.artists || []).map((a) => a.name).join(", "),
      album: t.album ? t.album.name : "",
      artwork: [{ src: art, sizes: "512x512" }],
    });
  }
  if ("mediaSession" in navigator) {
    const ms = navigator.mediaSession;
    const handlers = {
      play: () => P.toggle(), pause: () => P.audio().pause(),
      previoustrack: () => P.previous(), nexttrack: () => P.next(),
      seekbackward: (d) => P.seek(P.audio().currentTime - (d.seekOffset || 10)),
      seekforward: (d) => P.seek(P.audio().currentTime + (d.seekOffset || 10)),
      seekto: (d) => P.seek(d.seekTime),
    };
    for (const [action, fn] of Object.entries(handlers)) { try { ms.setActionHandler(action, fn); } catch (err) { /* unsupported */ } }
    P.onChange(() => {
      ms.playbackState = P.playing ? "playing" : "paused";
      const a = P.audio();
      if (a.duration > 0 && Number.isFinite(a.duration)) {
        try { ms.setPositionState({ duration: a.duration, position: Math.min(a.currentTime, a.duration), playbackRate: 1 }); } catch (err) { /* ignore */ }
      }
    });
  }

  // ---- keyboard: space plays/pauses, arrows seek (shift: tracks) outside fields and lists ----
  document.addEventListener("keydown", (e) => {
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t.closest && t.closest("input, textarea, select, [contenteditable], dialog, [role=listbox], .tracks, button, a")) return;
    if (e.key === " " || e.code === "Space") { e.preventDefault(); P.toggle(); }
    else if (e.key === "ArrowRight") { e.preventDefault(); if (e.shiftKey) P.next(); else P.seek(P.audio().currentTime + 10); }
    else if (e.key === "ArrowLeft") { e.preventDefault(); if (e.shiftKey) P.previous(); else P.seek(P.audio().currentTime - 10); }
  });

  P.onChange(mediaSession);
})();
