"""Browser: sign in, browse, hearts and live favorites, Jellyfin down and Retry, the player."""

from __future__ import annotations

import re

from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.e2e.browser.harness import UNREACHABLE, DemoStack, new_context, sign_in, wait_live


def test_sign_in_and_browse(page: Page, stack: DemoStack) -> None:
    # Albums grid with cover art, then an album page with its tracks.
    cards = page.locator(".grid .card")
    expect(cards.first).to_be_visible()
    assert 0 < cards.count() <= 50
    first_album = cards.first.locator(".name").inner_text()
    cards.first.locator("a").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(first_album)
    rows = page.locator("ol.tracks li.track")
    expect(rows.first).to_be_visible()
    expect(rows.first.locator(".heart")).to_be_visible()
    # Tracks: search narrows the list, sorting and paging work.
    page.goto(f"{stack.url}/library?view=tracks")
    total = page.locator(".pager span").inner_text()
    assert "Page 1 of" in total
    page.get_by_role("link", name="Next").click()
    expect(page.locator(".pager span")).to_contain_text("Page 2 of")
    name = page.locator("li.track .name").first.inner_text()
    page.get_by_label("Filter").fill(name)
    page.get_by_role("button", name="Apply").click()
    expect(page.locator("li.track .name").first).to_have_text(name)
    page.goto(f"{stack.url}/library?view=artists")
    expect(page.locator(".grid .card").first).to_be_visible()
    page.locator(".grid .card a").first.click()
    expect(page).to_have_url(re.compile(r"/artists/jellyfin:[0-9a-f]{32}$"))
    expect(page.locator(".grid .card").first).to_be_visible()


def test_heart_appears_in_favorites_without_reload(
    page: Page, context: BrowserContext, stack: DemoStack
) -> None:
    favorites = context.new_page()
    favorites.goto(f"{stack.url}/favorites")
    wait_live(favorites)
    favorites.evaluate("window.__noReload = true")
    page.goto(f"{stack.url}/library?view=tracks&sort=year&order=desc")
    row = page.locator("li.track").nth(3)
    name = row.locator(".name").inner_text()
    heart = row.locator(".heart")
    expect(heart).to_have_attribute("aria-pressed", "false")
    heart.click()
    expect(heart).to_have_attribute("aria-pressed", "true")
    expect(favorites.locator("#favorite-tracks .name", has_text=name)).to_be_visible()
    assert favorites.evaluate("window.__noReload") is True
    # And back: un-hearting removes it live too.
    heart.click()
    expect(heart).to_have_attribute("aria-pressed", "false")
    expect(favorites.locator("#favorite-tracks .name", has_text=name)).to_have_count(0)


def test_favorite_from_another_jellyfin_app_updates_the_open_page(
    page: Page, stack: DemoStack
) -> None:
    page.goto(f"{stack.url}/library?view=tracks&sort=name&order=desc")
    row = page.locator("li.track").first
    ref = row.locator(".heart").get_attribute("data-heart")
    assert ref is not None
    name = row.locator(".name").inner_text()
    page.goto(f"{stack.url}/favorites")
    wait_live(page)
    page.evaluate("window.__noReload = true")
    stack.fake("POST", f"/users/demo/favorites/{ref.removeprefix('jellyfin:')}")
    expect(page.locator("#favorite-tracks .name", has_text=name)).to_be_visible()
    assert page.evaluate("window.__noReload") is True
    stack.fake("DELETE", f"/users/demo/favorites/{ref.removeprefix('jellyfin:')}")
    expect(page.locator("#favorite-tracks .name", has_text=name)).to_have_count(0)


def test_jellyfin_down_message_and_retry(page: Page, stack: DemoStack) -> None:
    stack.jellyfin_down()
    page.goto(f"{stack.url}/library?view=albums&sort=year")
    expect(page.locator(".unreachable-message")).to_have_text(UNREACHABLE)
    page.evaluate("window.__noReload = true")
    # Still down: Retry shows the message again, without a reload.
    page.get_by_role("button", name="Retry").click()
    expect(page.locator(".unreachable-message")).to_have_text(UNREACHABLE)
    stack.jellyfin_up()
    page.get_by_role("button", name="Retry").click()
    expect(page.locator(".grid .card").first).to_be_visible()
    expect(page.locator(".unreachable")).to_have_count(0)
    assert page.evaluate("window.__noReload") is True


def test_player_skips_a_track_that_fails_but_stops_after_three(
    page: Page, stack: DemoStack
) -> None:
    page.goto(f"{stack.url}/library?view=tracks")
    names = page.locator("li.track .name").all_inner_texts()[:5]
    # Streams fail (Jellyfin answers 500 for audio only): Jellyfin itself still answers, so
    # each track is skipped; three failures in a row stop the queue instead of racing on.
    stack.fake("PUT", "/faults", {"error_rate": 1.0, "status": 500, "paths": ["/Audio"]})
    page.locator("li.track").first.get_by_role(
        "button", name=f"Play {names[0]}", exact=True
    ).click()
    expect(page.locator("#pb-error")).to_contain_text("Could not load track.")
    expect(page.locator("#pb-title")).to_have_text(names[2])
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Queue").click()
    expect(page.locator("#queue li.track")).to_have_count(50)
    expect(page.locator("#pb-heart")).to_be_visible()
    # The queue's order can change by keyboard-reachable buttons.
    second = page.locator("#queue li.track").nth(1).locator(".name").inner_text()
    page.locator("#queue li.track").nth(1).get_by_role(
        "button", name=re.compile("^Move .* up$")
    ).click()
    expect(page.locator("#queue li.track").first.locator(".name")).to_have_text(second)


def test_now_playing_is_live(page: Page, stack: DemoStack) -> None:
    page.goto(f"{stack.url}/library?view=tracks")
    row = page.locator("li.track").nth(5)
    ref = row.locator(".heart").get_attribute("data-heart")
    assert ref is not None
    name = row.locator(".name").inner_text()
    page.goto(f"{stack.url}/now-playing")
    wait_live(page)
    stack.fake(
        "POST",
        "/users/guest/playback",
        {"item_id": ref.removeprefix("jellyfin:"), "event": "start", "device": "Kitchen"},
    )
    session = page.locator(".session", has_text="Kitchen")
    expect(session.locator(".name")).to_have_text(name)
    # The position advances in the page between events.
    first = session.locator("[data-clock]").inner_text()
    expect(session.locator("[data-clock]")).not_to_have_text(first, timeout=30_000)
    stack.fake(
        "POST",
        "/users/guest/playback",
        {"item_id": ref.removeprefix("jellyfin:"), "event": "stop", "device": "Kitchen"},
    )
    expect(page.locator(".session", has_text="Kitchen")).to_have_count(0)


def test_keyboard_and_phone_width(browser: Browser, stack: DemoStack) -> None:
    context = new_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = context.new_page()
        sign_in(page, stack)
        for path in ("/library", "/library?view=tracks", "/favorites", "/playlists", "/vibe"):
            page.goto(f"{stack.url}{path}")
            # Readable at phone width: nothing wider than the screen.
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, path
        # Keyboard: the skip links come first, then the brand, the search and the account.
        page.goto(f"{stack.url}/library?view=tracks")
        page.keyboard.press("Tab")
        expect(page.locator(":focus")).to_have_text("Skip to content")
        page.keyboard.press("Tab")
        expect(page.locator(":focus")).to_have_text("Skip to list")
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        # "Skip to list" lands on the list: the next stop is its first row's play button.
        expect(page.locator(":focus")).to_have_attribute("aria-label", re.compile("^Play "))
        # A heart toggles with the keyboard.
        heart = page.locator("li.track .heart").nth(2)
        heart.focus()
        page.keyboard.press("Enter")
        expect(heart).to_have_attribute("aria-pressed", "true")
        page.keyboard.press("Enter")
        expect(heart).to_have_attribute("aria-pressed", "false")
        # Every button and input has an accessible name.
        unnamed = page.evaluate(
            """() => [...document.querySelectorAll('button, input, select')].filter((e) => {
                if (e.type === 'hidden' || e.closest('dialog')) return false;
                const label = e.labels && e.labels.length;
                return !label && !e.getAttribute('aria-label') && !e.textContent.trim();
            }).length"""
        )
        assert unnamed == 0
    finally:
        context.close()
