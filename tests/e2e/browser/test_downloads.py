"""Browser: the downloads page on the demo (no Lidarr or slskd there): settings, a search that
names what is missing, a wanted track that waits with its reason, live Cancel and Retry."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.e2e.browser.harness import DemoStack, wait_live


def test_wanted_list_live_with_cancel_and_retry(page: Page, stack: DemoStack) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(f"{stack.url}/downloads")
    wait_live(page)
    # Administrators see the mapping form with Jellyfin's music library to choose from.
    expect(page.locator("#dl-library option", has_text="Music")).to_have_count(1)
    expect(page.locator("#dl-lidarr-folder")).to_contain_text("Lidarr is not set up")
    expect(page.locator("#dl-webhook li").first).to_contain_text("Settings → Connect")
    # Searching Lidarr without Lidarr says so.
    page.get_by_label("Search Lidarr or Soulseek").fill("anything")
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#dl-search-status")).to_contain_text("Lidarr is not set up")
    # A track wanted through the API appears live, waiting with the reason.
    created = page.request.post(
        f"{stack.url}/api/downloads",
        data={"title": "Browser Song", "artists": ["Browser Band"]},
        headers={
            "X-CSRF-Token": page.locator('meta[name="csrf-token"]').get_attribute("content") or ""
        },
    )
    assert created.status == 201, created.text()
    page.reload()
    wait_live(page)
    row = page.locator("#dl-items tr", has_text="Browser Song")
    expect(row).to_have_attribute("data-state", "waiting")
    expect(row).to_contain_text("Neither slskd nor Lidarr is set up")
    row.get_by_role("button", name="Cancel").click()
    expect(row).to_have_attribute("data-state", "cancelled")
    row.get_by_role("button", name="Retry").click()
    expect(row).to_have_attribute("data-state", "waiting")
    assert errors == []
