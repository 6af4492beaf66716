// The Activity page: a live log of events told as sentences with track titles and names (looked
// up once per item through /api/items/resolve); the raw event only behind a "details" toggle.
"use strict";
(() => {
  const C = window.Companion;
  const el = C.el;
  const known = new Map(); // ref -> item (or null once Jellyfin said it has none)
  const pending = new Map(); // ref -> Promise

  async function lookup(refs) {
    const missing = [...new Set(refs.filter((r) => r && !known.has(r) && !pending.has(r)))];
    if (missing.length) {
      const call = C.api("POST", "/api/items/resolve", { refs: missing })
        .then((data) => { missing.forEach((r, i) => known.set(r, data.items[i] || null)); })
        .catch(() => { /* names stay as they are; the sentence still reads */ })
        .finally(() => missing.forEach((r) => pending.delete(r)));
      missing.forEach((r) => pending.set(r, call));
    }
    await Promise.all(refs.map((r) => pending.get(r)).filter(Boolean));
  }

  function title(ref) {
    const item = known.get(ref);
    if (!item) return ref ? "a track" : "something";
    const by = (item.artists || []).map((a) => a.name).join(", ");
    return "“" + item.name + "”" + (by ? " by " + by : "");
  }

  function sentence(event) {
    const d = event.data || {};
    const ref = d.ref || (d.item_id ? (document.body.dataset.refScheme || "jellyfin") + ":" + d.item_id : null);
    switch (event.type) {
      case "favorite.changed": return (d.favorite ? "Favorited " : "Unfavorited ") + title(ref) + ".";
      case "playback.started": return "Started playing " + title(ref) + " on " + (d.device_name || "a device") + ".";
      case "playback.stopped": return "Stopped " + (ref ? title(ref) : "playing") + " on " + (d.device_name || "a device") + ".";
      case "play.recorded": return (d.counted ? "Listened to " : "Skipped ") + title(ref) + (d.position ? " (" + C.duration(d.position) + ")" : "") + ".";
      case "playlist.changed": return "Playlist “" + (d.name || d.playlist_id) + "” changed: " + d.item_count + " tracks.";
      case "playlist.synced": return "Playlist “" + (d.name || d.playlist_id) + "” is " + d.state + (d.last_error ? ": " + d.last_error : "") + ".";
      case "vibe.queue": return "A vibe queue " + (d.reason === "extended" ? "grew by " + d.added : "has " + d.item_count) + " tracks (" + d.engine + ").";
      case "integration.state": return (d.domain || "An integration") + " is " + String(d.state || "").replace("_", " ") + (d.reason ? ": " + d.reason : "") + ".";
      case "library.changed": return "The library changed" + (d.added ? ": " + d.added.length + " added" : "") + ".";
      case "import.filled": return d.message || "Waiting tracks joined an imported playlist.";
      case "download.finished": case "download.failed": return d.message;
      case "player.changed": return "Your queue changed (" + (d.reason || "edit") + ").";
      default: return event.type.replace(".", " ") + ".";
    }
  }

  C.onEvent(async (event) => {
    if (event.type === "playback.progress" || !document.getElementById("activity-log")) return;
    const d = event.data || {};
    const ref = d.ref || (d.item_id ? (document.body.dataset.refScheme || "jellyfin") + ":" + d.item_id : null);
    if (ref && ["favorite.changed", "playback.started", "playback.stopped", "play.recorded"].includes(event.type)) await lookup([ref]);
    const log = document.getElementById("activity-log");
    if (!log) return;
    document.getElementById("activity-empty")?.remove();
    const time = new Date(event.at || Date.now());
    log.prepend(el("li", { "data-type": event.type },
      el("time", { datetime: time.toISOString(), text: time.toLocaleTimeString() }), " ",
      el("span", { class: "sentence", text: sentence(event) }), " ",
      el("details", { class: "raw" }, el("summary", { text: "details" }),
        el("pre", { text: JSON.stringify({ type: event.type, source: event.source, data: d }, null, 2) }))));
    while (log.children.length > 200) log.lastElementChild.remove();
  });
})();
