// Automation: create, re-key and delete hooks; add, test, re-key and delete outgoing targets;
// each target's delivery log (Refresh button, polled while deliveries are pending). A token or
// secret is shown once, right after the API answers it, with a Copy button.
"use strict";
(() => {
  const C = window.Companion;
  const el = C.el;
  const POLL_MS = 5000;
  const LOG_ROWS = 20;
  // The one secret on screen: {slot, label, value}. Kept across content refreshes until
  // dismissed or the page is left; never stored anywhere.
  let shown = null;

  function showResult(box, ok, text) {
    if (!box) return;
    box.textContent = text;
    box.className = "result " + (ok ? "ok" : "error");
  }

  async function copy(input, status) {
    try {
      await navigator.clipboard.writeText(input.value);
    } catch (err) {
      input.select();
      document.execCommand("copy");
    }
    status.textContent = "Copied.";
  }

  function renderSecret(focus) {
    for (const slot of document.querySelectorAll("[data-secret-slot]")) slot.replaceChildren();
    if (!shown) return;
    const slot = document.querySelector('[data-secret-slot="' + shown.slot + '"]');
    if (!slot) return;
    const status = el("span", { class: "hint", role: "status" });
    const input = el("input", { id: "secret-value", readonly: true, value: shown.value, autocomplete: "off", spellcheck: "false" });
    const copyButton = el("button", { type: "button", id: "secret-copy", text: "Copy" });
    copyButton.addEventListener("click", () => copy(input, status));
    const done = el("button", { type: "button", id: "secret-done", text: "Done" });
    done.addEventListener("click", () => {
      const next = shown.slot === "hook" ? "hook-name" : "target-name";
      shown = null;
      renderSecret(false);
      document.getElementById(next)?.focus();
    });
    slot.replaceChildren(el("div", { class: "secret", role: "region", "aria-labelledby": "secret-label" },
      el("p", { id: "secret-label" }, el("strong", { text: shown.label }),
        " Copy it now: it is not shown again."),
      el("p", { class: "row" }, el("label", { for: "secret-value", class: "visually-hidden", text: shown.label }),
        input, copyButton, done, status)));
    if (focus) { input.focus(); input.select(); }
  }

  function show(slot, label, value) {
    shown = { slot, label, value };
    renderSecret(true);
  }

  // ---- delivery log ----
  function when(iso) {
    return iso ? el("time", { datetime: iso, text: iso.slice(0, 19).replace("T", " ") }) : "";
  }
  function deliveryRow(d) {
    return el("tr", { "data-delivery": d.id, "data-status": d.status },
      el("td", {}, when(d.created_at)),
      el("td", { text: d.event_type }),
      el("td", {}, el("span", { class: "badge delivery-" + d.status, text: d.status }), d.last_status ? " HTTP " + d.last_status : ""),
      el("td", { text: String(d.attempts) }),
      el("td", { text: d.last_error || "" }));
  }
  async function refreshLog(card) {
    const body = card.querySelector("[data-deliveries]");
    try {
      const data = await C.api("GET", "/api/automation/targets/" + card.dataset.target + "/deliveries");
      const rows = data.items.slice(0, LOG_ROWS).map(deliveryRow);
      body.replaceChildren(...rows);
      // No empty tables: the log shows a sentence until there is something to list.
      body.closest(".table-scroll").hidden = !rows.length;
      card.querySelector("[data-deliveries-empty]").hidden = rows.length > 0;
    } catch (err) {
      showResult(card.querySelector("[data-result]"), false, err.message);
    }
  }
  setInterval(() => {
    if (document.visibilityState !== "visible") return;
    for (const card of document.querySelectorAll("[data-target]")) {
      if (card.querySelector('[data-deliveries] [data-status="pending"]')) refreshLog(card);
    }
  }, POLL_MS);

  // ---- buttons ----
  async function hookAction(button) {
    const card = button.closest("[data-hook]");
    const id = card.dataset.hook, name = card.dataset.name;
    try {
      if (button.dataset.hookAction === "delete") {
        if (!confirm("Delete the hook " + name + "? Automations using it stop working.")) return;
        await C.api("DELETE", "/api/automation/hooks/" + encodeURIComponent(id));
        C.toast("Deleted " + name);
        await C.refreshMain();
        document.getElementById("hook-name")?.focus();
      } else if (button.dataset.hookAction === "rotate") {
        if (!confirm("Issue a new token for " + name + "? The old one stops working at once.")) return;
        const hook = await C.api("POST", "/api/automation/hooks/" + encodeURIComponent(id) + "/rotate");
        show("hook", "New token for " + hook.name + ".", hook.token);
      }
    } catch (err) { C.toast(err.message, "error"); }
  }

  async function targetAction(button) {
    const card = button.closest("[data-target]");
    const id = card.dataset.target, name = card.dataset.name;
    const box = card.querySelector("[data-result]");
    const action = button.dataset.targetAction;
    try {
      if (action === "refresh") { await refreshLog(card); return; }
      if (action === "test") {
        showResult(box, true, "Sending…");
        const row = await C.api("POST", "/api/automation/targets/" + id + "/test");
        showResult(box, row.status === "delivered",
          row.status === "delivered" ? "Test delivered (HTTP " + row.last_status + ")." : "Test not delivered: " + (row.last_error || row.status) + ". It will be retried.");
        await refreshLog(card);
      } else if (action === "rotate") {
        if (!confirm("Issue a new secret for " + name + "? Receivers must switch to it.")) return;
        const target = await C.api("POST", "/api/automation/targets/" + id + "/rotate");
        show("target", "New signing secret for " + target.name + ".", target.secret);
      } else if (action === "delete") {
        if (!confirm("Delete the target " + name + " and its delivery log?")) return;
        await C.api("DELETE", "/api/automation/targets/" + id);
        C.toast("Deleted " + name);
        await C.refreshMain();
        document.getElementById("target-name")?.focus();
      }
    } catch (err) { showResult(box, false, err.message); }
  }

  document.addEventListener("click", (e) => {
    const button = e.target.closest("button");
    if (!button) return;
    if (button.dataset.hookAction) hookAction(button);
    else if (button.dataset.targetAction) targetAction(button);
  });

  // ---- forms ----
  function checked(form, name) {
    return [...form.querySelectorAll('input[name="' + name + '"]:checked')].map((i) => i.value);
  }
  function field(form, name) { return form.elements.namedItem(name).value.trim(); }
  document.addEventListener("submit", async (e) => {
    const form = e.target;
    if (form.id !== "hook-create" && form.id !== "target-create") return;
    e.preventDefault();
    const box = form.querySelector("[data-result]");
    showResult(box, true, "Saving…");
    try {
      if (form.id === "hook-create") {
        const hook = await C.api("POST", "/api/automation/hooks", { name: field(form, "name"), actions: checked(form, "actions") });
        await C.refreshMain();
        show("hook", "Token for " + hook.name + ".", hook.token);
      } else {
        const types = checked(form, "event_types");
        if (!types.length) { showResult(box, false, "Choose at least one event type."); return; }
        const target = await C.api("POST", "/api/automation/targets", {
          name: field(form, "name"), url: field(form, "url"), event_types: types.includes("*") ? ["*"] : types,
        });
        await C.refreshMain();
        show("target", "Signing secret for " + target.name + ".", target.secret);
      }
    } catch (err) { showResult(box, false, err.message); }
  });

  document.addEventListener("companion:refreshed", () => renderSecret(false));
  // Leaving the page forgets the secret on screen (htmx keeps this script's state across pages).
  C.onPage(() => { if (!document.getElementById("hook-create")) shown = null; });
})();
