// Favorites: the "Also keep a 'Favorites' playlist in Jellyfin" switch, bound to
// GET/PUT /api/playlists/favorites ({push}); kept across live refreshes of the page.
"use strict";
(() => {
  const C = window.Companion;
  let known = null; // the last answer of the API: {push, sync?}
  let loadError = null;

  function describe(state) {
    if (!state.push) return "Off.";
    const s = state.sync || {};
    if (s.state === "failing") return "On; the last sync failed: " + (s.last_error || "Jellyfin did not answer") + ".";
    if (s.state === "synced") return "On; in sync with Jellyfin.";
    return "On; syncing to Jellyfin.";
  }

  function apply() {
    const box = document.getElementById("favorites-push");
    const note = document.getElementById("favorites-push-state");
    if (!box || !note) return;
    if (known === null) {
      box.setAttribute("aria-busy", loadError ? "false" : "true");
      note.textContent = loadError || "Loading…";
      note.className = loadError ? "error" : "hint";
      return;
    }
    box.checked = known.push;
    box.removeAttribute("aria-busy");
    note.textContent = describe(known);
    note.className = known.sync && known.sync.state === "failing" ? "error" : "hint";
  }

  async function load() {
    try {
      known = await C.api("GET", "/api/playlists/favorites");
      loadError = null;
    } catch (err) {
      loadError = err.message;
    }
    apply();
  }

  document.addEventListener("change", async (e) => {
    const box = e.target;
    if (box.id !== "favorites-push") return;
    // Busy, not disabled: a disabled switch would drop the keyboard focus.
    if (box.getAttribute("aria-busy") === "true" || known === null) {
      box.checked = known ? known.push : false;
      return;
    }
    const want = box.checked;
    box.setAttribute("aria-busy", "true");
    document.getElementById("favorites-push-state").textContent = want ? "Turning on…" : "Turning off…";
    try {
      const result = await C.api("PUT", "/api/playlists/favorites", { push: want });
      known = result;
      if (result.warning) C.toast(result.warning, "warn");
    } catch (err) {
      C.toast(err.message, "error");
    }
    apply();
  });

  // Shown at once from what is known, then refreshed from the API.
  C.onPage(() => {
    if (!document.getElementById("favorites-push")) return;
    if (known !== null) apply();
    load();
  });
})();
