"""Browser: the player as people use it every day — music that survives navigation, a real
Jellyfin session, one playing tab, outages, gapless playback, search and vibe seeds by name."""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import httpx
from playwright.sync_api import BrowserContext, Page, expect

from companion.testing.jellyfin import FAKE_API_KEY
from tests.e2e.browser.harness import UNREACHABLE, DemoStack, sign_in, wait_live


def add_album(stack: DemoStack, seconds: list[int]) -> list[str]:
    """A new album of tracks whose audio lasts as long as Jellyfin says; their refs."""
    album, artist = f"Album {uuid.uuid4().hex[:6]}", f"Artist {uuid.uuid4().hex[:6]}"
    refs: list[str] = []
    for n, length in enumerate(seconds, 1):
        body = {
            "artist": artist,
            "album": album,
            "title": f"Track {n} {uuid.uuid4().hex[:4]}",
            "track_number": n,
            # The fake serves as many bytes as the bitrate gives for this duration, so the
            # audio ends where Jellyfin says the track ends.
            "duration_s": length,
        }
        refs.append("jellyfin:" + stack.fake("POST", "/library/tracks", body).json()["id"])
    return refs


def album_ref(stack: DemoStack, refs: list[str]) -> str:
    # Asked of Jellyfin with the API key: a second sign-in of demo through the companion (as
    # stack.api() does) while the page is open would race the page's own session for demo's
    # Jellyfin token (one per device).
    resp = httpx.get(
        f"{stack.jellyfin}/Items",
        params={"ids": refs[0].removeprefix("jellyfin:"), "ApiKey": FAKE_API_KEY},
        timeout=30,
    )
    assert resp.status_code == 200, resp.text
    return "jellyfin:" + str(resp.json()["Items"][0]["AlbumId"])


def play_album(page: Page, stack: DemoStack, seconds: list[int]) -> list[str]:
    refs = add_album(stack, seconds)
    page.goto(f"{stack.url}/albums/{album_ref(stack, refs)}")
    page.get_by_role("button", name="Play album").click()
    expect(page.locator("#player-bar")).to_have_attribute("data-state", "playing")
    return refs


def audio_time(page: Page) -> float:
    return float(page.evaluate("window.CompanionPlayer.audio().currentTime"))


def wait_playing_on(page: Page) -> None:
    """Wait until the audio time moves forward (the music really plays)."""
    start = audio_time(page)
    # Predicates are functions: an expression would be eval'd, which the page's CSP forbids.
    page.wait_for_function(
        "(start) => !window.CompanionPlayer.audio().paused"
        " && window.CompanionPlayer.audio().currentTime > start",
        arg=start,
    )


def requests_to(stack: DemoStack, prefix: str) -> list[dict[str, Any]]:
    return [r for r in stack.fake("GET", "/requests").json() if r["path"].startswith(prefix)]


def test_music_keeps_playing_across_three_navigations(page: Page, stack: DemoStack) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    play_album(page, stack, [60])
    page.evaluate("window.__noReload = true")
    nav = page.get_by_role("navigation", name="Main")
    for link, heading in (
        ("Favorites", "Favorites"),
        ("Playlists", "Playlists"),
        ("History", "History"),
    ):
        nav.get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        wait_playing_on(page)
    # Deep links and the back button work as before; the document was never reloaded.
    expect(page).to_have_url(f"{stack.url}/history")
    page.go_back()
    expect(page).to_have_url(f"{stack.url}/playlists")
    expect(page.get_by_role("heading", level=1)).to_have_text("Playlists")
    wait_playing_on(page)
    assert page.evaluate("window.__noReload") is True
    page.get_by_role("button", name="Pause").click()
    expect(page.locator("#player-bar")).to_have_attribute("data-state", "paused")
    # No script error and nothing the Content Security Policy had to block on the way.
    assert errors == [], errors


def test_jellyfin_counts_the_play_as_a_session_of_the_companion(
    page: Page, stack: DemoStack
) -> None:
    stack.fake("DELETE", "/requests")
    refs = play_album(page, stack, [4])
    # Pause and resume: a progress report right away (and every 10 s while playing).
    page.get_by_role("button", name="Pause").click()
    expect(page.locator("#player-bar")).to_have_attribute("data-state", "paused")
    page.get_by_role("button", name="Play", exact=True).click()
    expect(page.locator("#player-bar")).to_have_attribute("data-state", "playing")
    # The track ends and the queue with it; the stop report follows.
    page.wait_for_function("() => window.CompanionPlayer.audio().ended", timeout=30_000)
    deadline, paths = time.monotonic() + 30, []
    while time.monotonic() < deadline:
        paths = [r["path"] for r in requests_to(stack, "/Sessions/Playing")]
        # The previous test's paused play was stopped when this one claimed the player.
        paths = paths[paths.index("/Sessions/Playing") :] if "/Sessions/Playing" in paths else []
        if paths and paths[-1] == "/Sessions/Playing/Stopped":
            break
        time.sleep(0.1)
    assert paths[0] == "/Sessions/Playing" and paths[-1] == "/Sessions/Playing/Stopped", paths
    assert "/Sessions/Playing/Progress" in paths
    assert paths.count("/Sessions/Playing") == 1, paths
    # Jellyfin counted the play for demo (asked directly, not through the companion's cache).
    demo = stack.fake("GET", "/state").json()["users"]["demo"]
    resp = httpx.get(
        f"{stack.jellyfin}/Items",
        params={"ids": refs[0].removeprefix("jellyfin:"), "userId": demo, "ApiKey": FAKE_API_KEY},
        timeout=30,
    )
    assert resp.json()["Items"][0]["UserData"]["PlayCount"] == 1
    api = stack.api()
    try:
        # The companion's own pipeline heard of it through the usual webhook/socket path.
        deadline = time.monotonic() + 30
        plays: list[dict[str, Any]] = []
        while time.monotonic() < deadline:
            plays = [p for p in api.get("/api/history").json()["items"] if p["ref"] == refs[0]]
            if plays and plays[0]["counted"]:
                break
            time.sleep(0.2)
    finally:
        api.close()
    # One listen, one row in the history, counted (it reached the end).
    assert len(plays) == 1, plays
    assert plays[0]["counted"] is True


def test_two_tabs_one_plays_and_the_other_takes_over(
    context: BrowserContext, page: Page, stack: DemoStack
) -> None:
    play_album(page, stack, [60])
    second = context.new_page()
    second.goto(f"{stack.url}/library")
    wait_live(second)
    notice = second.locator("#pb-elsewhere")
    expect(notice).to_contain_text("Playing on")
    assert second.evaluate("window.CompanionPlayer.audio().paused") is True
    second.get_by_role("button", name="Play here").click()
    wait_playing_on(second)
    # The first tab stopped and now shows where the music plays.
    expect(page.locator("#pb-elsewhere")).to_contain_text("Playing on")
    page.wait_for_function("() => window.CompanionPlayer.audio().paused")
    expect(second.locator("#pb-elsewhere")).to_be_hidden()
    second.get_by_role("button", name="Pause").click()
    second.close()


def test_outage_pauses_with_the_message_and_recovers(page: Page, stack: DemoStack) -> None:
    refs = play_album(page, stack, [60, 60, 60])
    wait_live(page)
    stack.jellyfin_down()
    page.get_by_role("button", name="Next track").click()
    error = page.locator("#pb-error")
    expect(error).to_contain_text(UNREACHABLE)
    expect(page.locator("#player-bar")).not_to_have_attribute("data-state", "playing")
    # Every page says so while Jellyfin fails, and the queue did not race through its tracks.
    expect(page.locator("#outage")).to_be_visible()
    assert page.evaluate("window.CompanionPlayer.current().ref") == refs[1]
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Playlists").click()
    expect(page.locator("#outage")).to_be_visible()
    # Retry while Jellyfin is still down: the message stays, nothing skips.
    page.get_by_role("button", name="Retry").click()
    expect(error).to_contain_text(UNREACHABLE)
    assert page.evaluate("window.CompanionPlayer.current().ref") == refs[1]
    # Jellyfin answers again: the companion notices (its probe) and the player resumes.
    stack.jellyfin_up()
    wait_playing_on(page)
    expect(error).to_be_hidden()
    expect(page.locator("#outage")).to_be_hidden()
    assert page.evaluate("window.CompanionPlayer.current().ref") == refs[1]
    page.get_by_role("button", name="Pause").click()


def test_next_track_is_preloaded_and_the_gap_measured(page: Page, stack: DemoStack) -> None:
    play_album(page, stack, [2, 2, 2])
    page.wait_for_function("() => window.CompanionPlayer.gaps.length >= 2", timeout=30_000)
    gaps = page.evaluate("window.CompanionPlayer.gaps")
    # Timings are the benchmark's business (bench.player_gap); here: measured, and preloaded.
    assert all(g >= 0 for g in gaps)
    print(f"gaps between tracks (ms): {', '.join(f'{g:.1f}' for g in gaps)}")


def test_queue_reorder_keeps_the_keyboard_focus(page: Page, stack: DemoStack) -> None:
    refs = play_album(page, stack, [60, 60, 60, 60])
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Queue").click()
    rows = page.locator("#queue li.track")
    expect(rows).to_have_count(len(refs))
    name = rows.first.locator(".name").inner_text()
    rows.first.focus()
    for n in (1, 2, 3):
        page.keyboard.press("Alt+ArrowDown")
        expect(rows.nth(n).locator(".name")).to_have_text(name)
        expect(page.locator(":focus")).to_have_attribute(
            "data-entry", rows.nth(n).get_attribute("data-entry") or ""
        )
    # One tab stop per row: arrows move inside a row and between rows.
    rows.first.focus()
    page.keyboard.press("ArrowRight")
    expect(page.locator(":focus")).to_have_attribute("aria-label", re.compile("^Play "))
    page.keyboard.press("ArrowDown")
    expect(page.locator(":focus")).to_have_attribute("aria-label", re.compile("^Play "))


def test_search_bjork_finds_bjork_grouped_by_kind(page: Page, stack: DemoStack) -> None:
    page.keyboard.press("/")
    box = page.get_by_role("combobox", name="Search artists, albums and tracks")
    expect(box).to_be_focused()
    box.type("bjork")
    results = page.locator("#search-results")
    expect(
        results.get_by_role("group", name="Artists").get_by_role("option").first
    ).to_contain_text("Björk")
    tracks = results.get_by_role("group", name="Tracks").get_by_role("option")
    expect(tracks.first).to_contain_text("Björk")
    # Keyboard: down to the artist, Enter opens the artist page without a reload.
    page.evaluate("window.__noReload = true")
    box.press("ArrowDown")
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Björk")
    assert page.evaluate("window.__noReload") is True
    # Enter without a choice opens the search page, which works without script too.
    page.goto(f"{stack.url}/search?q=BJORK")
    expect(page.get_by_role("heading", name="Artists")).to_be_visible()
    expect(page.locator("#list li.track").first).to_contain_text("Björk")


def test_vibe_from_a_search_result(page: Page, stack: DemoStack) -> None:
    page.goto(f"{stack.url}/vibe")
    wait_live(page)
    box = page.get_by_role("combobox", name="Search a track, album or artist")
    box.type("bjork")
    option = (
        page.locator("#picker-seed-results")
        .get_by_role("group", name="Tracks")
        .get_by_role("option")
        .first
    )
    name = option.locator(".name").inner_text()
    option.click()
    expect(page.locator('[data-picker="seed"] .chip')).to_contain_text(name)
    page.get_by_role("button", name="Start vibe").click()
    queue = page.locator("#vibe-queue li.track")
    expect(queue.first).to_be_visible()
    expect(page.locator("#vibe-error")).to_be_empty()


def test_phone_layout_shows_content_above_the_fold(browser: Any, stack: DemoStack) -> None:
    from tests.e2e.browser.harness import new_context

    context = new_context(browser, viewport={"width": 390, "height": 844}, is_mobile=True)
    try:
        page = context.new_page()
        sign_in(page, stack)
        page.goto(f"{stack.url}/library?view=tracks")
        header = page.locator("header.top").bounding_box()
        first = page.locator("li.track").first.bounding_box()
        assert header is not None and first is not None
        print(f"phone: header {header['height']:.0f} px, first track at y={first['y']:.0f}")
        assert header["height"] <= 110
        assert first["y"] + first["height"] <= 844 / 2
        assert 56 <= first["height"] <= 64
        for button in page.locator("li.track").first.get_by_role("button").all()[:2]:
            box = button.bounding_box()
            assert box is not None and box["width"] >= 44 and box["height"] >= 44
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


def test_theme_switch_is_remembered_across_pages(page: Page, stack: DemoStack) -> None:
    toggle = page.get_by_role("button", name=re.compile("^Theme: "))
    expect(toggle).to_have_attribute("aria-label", "Theme: follows the system")
    toggle.click()
    expect(page.locator("html")).to_have_attribute("data-theme", "light")
    toggle.click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    # Kept on the next page (swapped) and after a full load.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="History").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    page.reload()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    background = page.evaluate("() => getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(18, 18, 23)"
    page.get_by_role("button", name=re.compile("^Theme: ")).click()
    expect(page.locator("html")).not_to_have_attribute("data-theme", re.compile("."))


def test_a_library_page_has_one_tab_stop_per_row(page: Page, stack: DemoStack) -> None:
    page.goto(f"{stack.url}/library?view=tracks")
    rows = page.locator("#list > li").count()
    stops = page.evaluate(
        """() => [...document.querySelectorAll('#main a[href], #main button, #main input,'
            + ' #main select, #main [tabindex]')]
            .filter((n) => n.tabIndex >= 0 && !n.disabled && n.offsetParent !== null).length"""
    )
    in_rows = page.evaluate(
        """() => [...document.querySelectorAll('#list > li')].map((li) =>
            [...li.querySelectorAll('a[href], button')].filter((n) => n.tabIndex >= 0).length)"""
    )
    assert set(in_rows) == {1}, in_rows
    # The rows plus the page's own controls (tabs, filter, pager): nowhere near 326.
    assert stops <= rows + 12, (stops, rows)
    # Tab from one row's stop goes to the next row's.
    page.locator("#list > li").first.get_by_role("button", name=re.compile("^Play ")).focus()
    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_attribute("aria-label", re.compile("^Play "))
    second = page.locator("#list > li").nth(1).locator(".name").inner_text()
    expect(page.locator(":focus")).to_have_attribute("aria-label", f"Play {second}")


def test_keyboard_shortcuts_space_and_arrows(page: Page, stack: DemoStack) -> None:
    play_album(page, stack, [60, 60])
    wait_playing_on(page)
    page.get_by_role("heading", level=1).click()
    page.keyboard.press("Space")
    expect(page.locator("#player-bar")).to_have_attribute("data-state", "paused")
    before = audio_time(page)
    page.keyboard.press("ArrowRight")
    page.wait_for_function("(t) => window.CompanionPlayer.audio().currentTime >= t + 9", arg=before)
    page.keyboard.press("Space")
    wait_playing_on(page)
    first = page.locator("#pb-title").inner_text()
    page.keyboard.press("Shift+ArrowRight")
    expect(page.locator("#pb-title")).not_to_have_text(first)
    page.get_by_role("heading", level=1).click()
    page.keyboard.press("Space")
    expect(page.locator("#player-bar")).to_have_attribute("data-state", "paused")
