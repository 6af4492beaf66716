// First-run setup and the integrations page: forms generated from config-flow schemas,
// Test connection, save, reload, remove, and the webhook plugin instructions.
"use strict";
(() => {
  const C = window.Companion;

  function formData(form) {
    const data = {};
    for (const input of form.querySelectorAll("input[name], select[name]")) {
      if (input.type === "checkbox") { data[input.name] = input.checked; continue; }
      if (input.value === "") continue;
      const kind = input.dataset.type;
      data[input.name] = kind === "integer" ? parseInt(input.value, 10) : kind === "number" ? Number(input.value) : input.value;
    }
    return data;
  }

  function showResult(box, ok, text) {
    box.textContent = text;
    box.className = "result " + (ok ? "ok" : "error");
  }

  function testText(test) {
    if (test.ok) return "Connection OK" + (test.title ? ": " + test.title : "") + (test.warnings.length ? " (" + test.warnings.join(" ") + ")" : "");
    return test.error ? test.error.message : "The test failed.";
  }

  document.addEventListener("click", async (e) => {
    const button = e.target.closest("button");
    if (!button) return;
    if (button.matches("[data-test-settings]")) {
      const form = button.closest("form");
      const box = form.querySelector("[data-result]");
      showResult(box, true, "Testing…");
      try {
        const result = await C.api("POST", "/api/integrations/test", { domain: form.dataset.domain, data: formData(form) });
        showResult(box, result.test.ok, testText(result.test));
      } catch (err) { showResult(box, false, err.message); }
      return;
    }
    if (button.matches("[data-entry-action]")) {
      const card = button.closest("[data-entry]");
      const id = card.dataset.entry, action = button.dataset.entryAction;
      const box = card.querySelector("[data-result]");
      try {
        if (action === "remove") {
          if (!confirm("Remove this integration?")) return;
          await C.api("DELETE", "/api/integrations/" + id);
          card.remove();
          return;
        }
        showResult(box, true, action === "test" ? "Testing…" : "Reloading…");
        const result = await C.api("POST", "/api/integrations/" + id + "/" + action);
        if (action === "test") showResult(box, result.test.ok, testText(result.test));
        else { showResult(box, true, "Reloaded: " + result.entry.state); C.refreshMain(); }
      } catch (err) { showResult(box, false, err.message); }
    }
  });

  document.addEventListener("submit", async (e) => {
    const form = e.target;
    if (form.matches(".integration-form")) {
      e.preventDefault();
      const box = form.querySelector("[data-result]");
      showResult(box, true, "Testing the connection and saving…");
      try {
        await C.api("POST", "/api/integrations", { domain: form.dataset.domain, data: formData(form) });
        location.href = form.dataset.after || C.url("/integrations");
      } catch (err) { showResult(box, false, err.message); }
    } else if (form.id === "setup-token-form") {
      e.preventDefault();
      const error = document.getElementById("setup-error");
      error.textContent = "";
      try {
        await C.api("POST", "/api/setup/login", { token: form.token.value.trim() });
        location.href = C.url("/setup");
      } catch (err) { error.textContent = err.message; }
    }
  });

  async function loadWebhook() {
    for (const box of document.querySelectorAll("[data-webhook]")) {
      try {
        const info = await C.api("GET", "/api/settings/webhooks/jellyfin");
        box.replaceChildren(
          C.el("p", {}, "Webhook URL: ", C.el("code", { id: "webhook-url", text: info.url })),
          C.el("p", {}, "Header: ", C.el("code", { text: info.header }), " Secret: ", C.el("code", { id: "webhook-secret", text: info.secret })),
          C.el("ol", {}, info.instructions.map((step) => C.el("li", { text: step }))));
      } catch (err) { box.replaceChildren(C.el("p", { class: "error", text: err.message })); }
    }
  }
  // Every page (and content refresh) with a webhook box fills it.
  C.onPage(loadWebhook);
})();
