// Webhook settings: copy buttons, rotating the secret after a confirmation, and the
// "last webhook received" line kept current from webhook.received events over /api/ws.
"use strict";
(() => {
  const C = window.Companion;
  const SOURCE = "jellyfin";

  async function copy(input) {
    const status = document.getElementById("webhook-copy-status");
    try {
      await navigator.clipboard.writeText(input.value);
    } catch (err) {
      // No Clipboard API outside a secure context (plain http on a LAN address).
      input.select();
      document.execCommand("copy");
    }
    if (status) status.textContent = "Copied " + input.labels[0].textContent + ".";
  }

  function localTime(node) {
    const when = new Date(node.getAttribute("datetime"));
    if (!Number.isNaN(when.getTime())) node.textContent = when.toLocaleString();
  }

  function showLast(at, kind) {
    const line = document.getElementById("webhook-last");
    if (!line) return;
    const time = C.el("time", { datetime: at });
    localTime(time);
    line.replaceChildren("Last webhook received: ", time, " (", C.el("span", { "data-kind": "", text: kind }), ")");
  }

  function showSecret(info) {
    document.getElementById("webhook-secret").value = info.secret;
    document.getElementById("webhook-header").value = info.header;
    for (const code of document.querySelectorAll("code[data-secret]")) code.textContent = info.secret;
  }

  document.addEventListener("click", (e) => {
    const button = e.target.closest("button");
    if (!button) return;
    if (button.dataset.copy) { copy(document.getElementById(button.dataset.copy)); return; }
    if (button.id === "webhook-rotate") {
      const dialog = document.getElementById("rotate-dialog");
      dialog.returnValue = "";  // Escape keeps the last value; only a fresh "Rotate" counts.
      dialog.showModal();
    }
  });

  // "close" does not bubble: listen in the capture phase, once, for the page's dialog (pages
  // come and go in this document with htmx).
  document.addEventListener("close", async (e) => {
    if (e.target.id !== "rotate-dialog" || e.target.returnValue !== "rotate") return;
    try {
      showSecret(await C.api("POST", "/api/settings/webhooks/jellyfin/rotate"));
      C.toast("New secret: paste it into the plugin's request header (Value) and save.", "warn");
    } catch (err) {
      C.toast(err.message, "error");
    }
  }, true);

  C.onEvent((event) => {
    if (event.type === "webhook.received" && event.data && event.data.source === SOURCE) {
      showLast(event.at, event.data.type);
    }
  });

  C.onPage(() => { for (const node of document.querySelectorAll("#webhook-last time")) localTime(node); });
})();
