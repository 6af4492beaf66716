// One search box for artists, albums and tracks, as you type (the server ignores accents and
// case, and matches tracks by their artists' names), results grouped by kind. The same
// combobox picks Vibe seeds. "/" focuses the header's box; Enter without a choice opens the
// search page (which also works without script).
"use strict";
(() => {
  const C = window.Companion;
  const el = C.el;
  const KINDS = { artists: "Artists", albums: "Albums", tracks: "Tracks" };
  const names = (refs) => (refs || []).map((a) => a.name).join(", ");

  // A combobox over an input: `pick(item, kind)` runs when an option is chosen.
  function combobox(input, listbox, { kinds, limit, pick }) {
    let timer = null, controller = null, options = [], active = -1, seq = 0;
    function close() {
      listbox.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }
    function setActive(i) {
      options.forEach((o, n) => o.node.setAttribute("aria-selected", n === i ? "true" : "false"));
      active = i;
      if (i >= 0) {
        input.setAttribute("aria-activedescendant", options[i].node.id);
        options[i].node.scrollIntoView({ block: "nearest" });
      } else input.removeAttribute("aria-activedescendant");
    }
    function render(found, q) {
      options = [];
      const groups = [];
      for (const [key, label] of Object.entries(KINDS)) {
        if (!kinds.includes(key) || !(found[key] || []).length) continue;
        const items = found[key].map((item) => {
          const n = options.length;
          const sub = key === "artists" ? "Artist" : key === "albums" ? "Album · " + names(item.artists) : names(item.artists) + (item.album ? " · " + item.album.name : "");
          const node = el("li", { id: listbox.id + "-opt-" + n, role: "option", class: "option", "aria-selected": "false", "data-index": n },
            el("img", { src: C.imageUrl(item.image_url, 64), alt: "", width: 32, height: 32, loading: "lazy" }),
            el("span", { class: "meta" }, el("span", { class: "name", text: item.name }), el("span", { class: "sub", text: sub })));
          options.push({ node, item, kind: key });
          return node;
        });
        groups.push(el("li", { role: "presentation", class: "group" },
          el("span", { class: "group-label", id: listbox.id + "-" + key, text: label }),
          el("ul", { role: "group", "aria-labelledby": listbox.id + "-" + key }, items)));
      }
      if (!groups.length) groups.push(el("li", { role: "presentation", class: "empty", text: "Nothing found for “" + q + "”." }));
      listbox.replaceChildren(el("ul", { role: "presentation" }, groups));
      listbox.hidden = false;
      input.setAttribute("aria-expanded", "true");
      setActive(-1);
    }
    async function run() {
      const q = input.value.trim();
      if (q.length < 2) { close(); return; }
      if (controller) controller.abort();
      controller = new AbortController();
      const mine = ++seq;
      try {
        const resp = await fetch(C.url("/api/library/search?limit=" + limit + "&q=" + encodeURIComponent(q)), {
          headers: { Accept: "application/json" }, credentials: "same-origin", signal: controller.signal,
        });
        const data = await resp.json();
        if (mine !== seq) return;
        if (!resp.ok) {
          listbox.replaceChildren(el("p", { class: "error", text: (data.error && data.error.message) || resp.statusText }));
          listbox.hidden = false;
          return;
        }
        render(data, q);
      } catch (err) { /* aborted by a newer keystroke, or offline: keep what is shown */ }
    }
    function choose(i) {
      const o = options[i];
      if (!o) return;
      close();
      pick(o.item, o.kind);
    }
    input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(run, 150); });
    input.addEventListener("keydown", (e) => {
      if (e.key === "ArrowDown" && options.length) { e.preventDefault(); if (listbox.hidden) listbox.hidden = false; setActive((active + 1) % options.length); }
      else if (e.key === "ArrowUp" && options.length) { e.preventDefault(); setActive(active <= 0 ? options.length - 1 : active - 1); }
      else if (e.key === "Enter" && active >= 0 && !listbox.hidden) { e.preventDefault(); choose(active); }
      else if (e.key === "Escape") { close(); }
    });
    input.addEventListener("blur", () => setTimeout(() => { if (!listbox.contains(document.activeElement)) close(); }, 150));
    // mousedown, not click: the input's blur would close the list before the click lands.
    listbox.addEventListener("mousedown", (e) => {
      const node = e.target.closest("[role=option]");
      if (!node) return;
      e.preventDefault();
      choose(Number(node.dataset.index));
    });
    return { close, run };
  }

  // ---- the header's search: artists and albums open, tracks play ----
  C.onPage(() => {
    const input = document.getElementById("global-search");
    if (!input || input.dataset.bound) return;
    input.dataset.bound = "1";
    combobox(input, document.getElementById("search-results"), {
      kinds: ["artists", "albums", "tracks"], limit: 5,
      pick(item, kind) {
        if (kind === "tracks") {
          window.CompanionPlayer?.playRefs([item.ref], 0);
          C.toast("Playing " + item.name);
        } else {
          C.navigate((kind === "artists" ? "/artists/" : "/albums/") + item.ref);
        }
      },
    });
  });
  document.addEventListener("keydown", (e) => {
    if (e.key !== "/" || e.ctrlKey || e.metaKey || e.altKey) return;
    const t = e.target;
    if (t.closest && t.closest("input, textarea, select, [contenteditable]")) return;
    const input = document.getElementById("global-search");
    if (!input) return;
    e.preventDefault();
    input.focus();
    input.select();
  });

  C.combobox = combobox;
})();
