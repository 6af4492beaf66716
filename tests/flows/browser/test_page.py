"""Browser: the flows page on the demo: a new flow from the form (saved even before the
folders are chosen, saying why no week started), its card, and the folders form refusing a
folder Jellyfin cannot see — in Chromium, with no script error."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

from tests.e2e.browser.harness import DemoStack, wait_live


def test_new_flow_from_the_form_and_folders_refused(
    page: Page, stack: DemoStack, tmp_path: Path
) -> None:
    errors: list[str] = []
    page.on("pageerror", lambda err: errors.append(str(err)))
    page.goto(f"{stack.url}/library")
    wait_live(page)
    # Through the nav link: the page arrives by an htmx swap and its script binds to it.
    page.get_by_role("link", name="Flows", exact=True).click()
    page.wait_for_url(f"{stack.url}/flows")
    expect(page.locator("#fl-empty")).to_be_visible()

    page.get_by_label("Name").fill("Friday finds")
    page.get_by_label("Tracks per week").fill("25")
    page.get_by_label("New week on").select_option("friday")
    page.get_by_label("Never suggest (artists, one per line)").fill("Nobody\nSomebody")
    page.get_by_role("button", name="Create and start this week").click()
    expect(page.locator("#fl-status")).to_contain_text("Created")
    card = page.locator("article[data-flow]", has_text="Friday finds")
    expect(card).to_contain_text("25 tracks")
    expect(card).to_contain_text("new week every friday at 06:00")
    expect(card).to_contain_text("No week yet.")

    # The demo has no library folder chosen for Downloads yet: the form says where to go.
    page.get_by_label("Flows folder (same path for the companion and Jellyfin)").fill(
        str(tmp_path / "flows")
    )
    page.get_by_role("button", name="Check and save").click()
    expect(page.locator("#fl-settings-status")).to_contain_text("Downloads page first")
    assert errors == []
