// Navigation without reloads (htmx boost) and what every page shares: focus after a swap, a
// full load when the answer is not a page, the light/dark switch, the Jellyfin outage banner,
// placeholder art for images that fail, and one tab stop per list row (arrows move inside).
"use strict";
(() => {
  const C = window.Companion;

  // ---- htmx: keep boosted navigation honest ----
  document.addEventListener("htmx:beforeSwap", (e) => {
    const xhr = e.detail.xhr;
    const type = xhr.getResponseHeader("Content-Type") || "";
    if (e.detail.boosted && !type.startsWith("text/html")) {
      // JSON, a download or a crash page: let the browser load it as it would without htmx.
      e.detail.shouldSwap = false;
      location.assign(e.detail.pathInfo?.requestPath || xhr.responseURL);
    }
  });
  document.addEventListener("htmx:sendError", () => C.toast("The companion did not answer. Check your connection.", "error"));
  document.addEventListener("htmx:afterSettle", (e) => {
    if (!e.detail.boosted) return;
    // A new page: screen readers and keyboards start at its content, as after a full load.
    const main = document.getElementById("main");
    if (main && !document.activeElement?.closest("#player-bar, .search")) main.focus({ preventScroll: true });
  });

  // ---- light / dark: system, light, dark ----
  const THEMES = ["system", "light", "dark"];
  function theme() { try { return localStorage.getItem("companion.theme") || "system"; } catch (err) { return "system"; } }
  function showTheme() {
    const button = document.getElementById("theme-toggle");
    const t = theme();
    if (t === "system") delete document.documentElement.dataset.theme;
    else document.documentElement.dataset.theme = t;
    if (button) button.setAttribute("aria-label", "Theme: " + (t === "system" ? "follows the system" : t));
  }
  document.addEventListener("click", (e) => {
    if (!e.target.closest("#theme-toggle")) return;
    const next = THEMES[(THEMES.indexOf(theme()) + 1) % THEMES.length];
    try { localStorage.setItem("companion.theme", next); } catch (err) { /* session only */ }
    showTheme();
  });
  C.onPage(showTheme);

  // ---- the outage banner on every page, live ----
  let down = null;
  function showOutage() {
    const banner = document.getElementById("outage");
    if (banner && down !== null) banner.hidden = !down;
  }
  C.onEvent((event) => {
    if (event.type !== "integration.state" || event.data.domain !== "jellyfin") return;
    down = ["unavailable", "setup_retry"].includes(event.data.state);
    showOutage();
  });
  C.onPage(showOutage);

  // ---- art that fails (Jellyfin down, nothing cached) shows the placeholder ----
  document.addEventListener("error", (e) => {
    const img = e.target;
    if (!(img instanceof HTMLImageElement) || img.dataset.fallback) return;
    img.dataset.fallback = "1";
    img.src = document.body.dataset.placeholder || "data:,";
  }, true);

  // ---- lists: one tab stop per row; ←/→ move inside a row, ↑/↓ between rows ----
  const ROW = ".tracks > li, .grid > li";
  // A row's stops: the row itself when it is focusable (reorderable lists), then its controls.
  const focusables = (row) => [
    ...(row.hasAttribute("tabindex") ? [row] : []),
    ...[...row.querySelectorAll("a[href], button, input, select")].filter((n) => !n.hidden && !n.disabled),
  ];
  function roveRow(row) {
    const all = focusables(row);
    if (!all.length) return;
    const keep = all.find((n) => n.dataset.rove === "1" && n.tabIndex === 0);
    for (const n of all) { n.tabIndex = -1; n.dataset.rove = "1"; }
    // The row's stop: what it remembers, else its play button, else its first control.
    (keep || all.find((n) => n.matches("[data-play], [data-action=jump]")) || all[0]).tabIndex = 0;
  }
  function roveAll() { document.querySelectorAll("#main .tracks > li, #main .grid > li").forEach(roveRow); }
  C.onPage(roveAll);
  document.addEventListener("companion:list-rendered", roveAll);
  function moveTo(node) {
    const row = node.closest(ROW);
    if (!row) return;
    focusables(row).forEach((n) => { n.tabIndex = -1; });
    node.tabIndex = 0;
    node.focus();
  }
  document.addEventListener("focusin", (e) => {
    const n = e.target;
    if (n.dataset && n.dataset.rove === "1" && n.tabIndex !== 0) moveTo(n);
  });
  document.addEventListener("keydown", (e) => {
    const n = e.target;
    if (!n.dataset || n.dataset.rove !== "1" || e.altKey || e.ctrlKey || e.metaKey) return;
    const row = n.closest(ROW);
    if (!row) return;
    const inRow = focusables(row);
    const at = inRow.indexOf(n);
    const list = row.parentElement;
    const grid = list.classList.contains("grid");
    let target = null;
    if (e.key === "ArrowRight" && !grid) target = inRow[Math.min(at + 1, inRow.length - 1)];
    else if (e.key === "ArrowLeft" && !grid) target = inRow[Math.max(at - 1, 0)];
    else if (e.key === "ArrowDown" || (grid && e.key === "ArrowRight")) {
      const next = row.nextElementSibling;
      if (next) target = focusables(next)[Math.min(at, focusables(next).length - 1)];
    } else if (e.key === "ArrowUp" || (grid && e.key === "ArrowLeft")) {
      const prev = row.previousElementSibling;
      if (prev) target = focusables(prev)[Math.min(at, focusables(prev).length - 1)];
    } else if (e.key === "Home") target = focusables(list.firstElementChild)[0];
    else if (e.key === "End") target = focusables(list.lastElementChild)[0];
    if (target) { e.preventDefault(); moveTo(target); }
  });
  C.rove = roveAll;
  // Go to a page the way a link does (boosted: the player keeps playing).
  C.navigate = (path) => {
    const a = C.el("a", { href: C.url(path), hidden: true });
    document.body.append(a);
    if (window.htmx) window.htmx.process(a);
    a.click();
  };
  C.focusRow = moveTo;
})();
