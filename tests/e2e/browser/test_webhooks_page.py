"""Browser: the Webhook settings page (copy, rotate with a confirmation, the live last webhook)."""

from __future__ import annotations

from playwright.sync_api import BrowserContext, Page, expect

from tests.e2e.browser.harness import DemoStack, wait_live


def test_copy_rotate_and_the_last_webhook_live(
    page: Page, context: BrowserContext, stack: DemoStack
) -> None:
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.get_by_role("link", name="Webhooks").click()
    page.wait_for_url(f"{stack.url}/settings/webhooks")
    wait_live(page)
    url = f"{stack.url}/webhooks/jellyfin"
    expect(page.locator("#webhook-url")).to_have_value(url)
    # The demo listens on 127.0.0.1 with no public URL: the page says what that means.
    expect(page.locator("#webhook-reachability")).to_contain_text("COMPANION_HOST=0.0.0.0")
    # The plugin's own fields, in its order.
    fields = page.locator("#plugin-steps li[data-field]")
    expect(fields.first).to_have_attribute("data-field", "Server Url")
    expect(page.locator('li[data-field="Webhook Name"] code')).to_have_text("Jellyfin Companion")

    page.get_by_role("button", name="Copy the webhook URL").click()
    expect(page.locator("#webhook-copy-status")).to_have_text("Copied Webhook Url.")
    assert page.evaluate("navigator.clipboard.readText()") == url

    old = page.locator("#webhook-secret").input_value()
    page.get_by_role("button", name="Rotate secret…").click()
    dialog = page.get_by_role("dialog", name="Rotate the webhook secret?")
    expect(dialog).to_be_visible()
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(page.locator("#webhook-secret")).to_have_value(old)
    page.get_by_role("button", name="Rotate secret…").click()
    dialog.get_by_role("button", name="Rotate").click()
    expect(page.locator("#webhook-secret")).not_to_have_value(old)
    new = page.locator("#webhook-secret").input_value()
    expect(page.locator("code[data-secret]")).to_have_text(new)

    # Point the (fake) plugin at the new secret, then a heart in "another app" sends a webhook.
    header = page.locator("#webhook-header").input_value()
    stack.fake("PUT", "/webhook", {"url": url, "headers": {header: new}})
    http = stack.api()
    try:
        track = http.get("/api/library/tracks", params={"limit": 1}).json()["items"][0]
    finally:
        http.close()
    stack.fake("POST", f"/users/demo/favorites/{track['ref'].removeprefix('jellyfin:')}")
    expect(page.locator("#webhook-last")).to_contain_text("Last webhook received:")
    expect(page.locator("#webhook-last [data-kind]")).to_have_text("UserDataSaved")
