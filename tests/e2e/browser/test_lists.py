"""Browser: playlists (create, add from anywhere, reorder by keyboard and drag, sync to
Jellyfin) and vibe queues (start from a track, play here, send to a session, save)."""

from __future__ import annotations

import re
import time
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from companion.testing.jellyfin import FAKE_API_KEY
from tests.e2e.browser.harness import DemoStack, wait_live


def _fake_playlist_names(stack: DemoStack, jellyfin_id: str) -> list[str]:
    users = stack.fake("GET", "/state").json()["users"]
    resp = httpx.get(
        f"{stack.jellyfin}/Playlists/{jellyfin_id}/Items",
        params={"userId": users["demo"], "api_key": FAKE_API_KEY},
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    return [i["Name"] for i in resp.json()["Items"]]


def _wait_for(check: Any, timeout: float = 30) -> Any:
    """Poll `check` until it returns something truthy (bounded)."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = check()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out; last value {last!r}")


def test_create_fill_reorder_and_sync_a_playlist(page: Page, stack: DemoStack) -> None:
    page.goto(f"{stack.url}/playlists")
    wait_live(page)
    form = page.locator("#playlist-create")
    form.get_by_label("New playlist").fill("Road trip")
    form.get_by_role("button", name="Create").click()
    link = page.get_by_role("link", name="Road trip")
    expect(link).to_be_visible()
    # Add three tracks from the library through the "Add to playlist" menu.
    page.goto(f"{stack.url}/library?view=tracks")
    names = page.locator("li.track .name").all_inner_texts()[:3]
    for n in range(3):
        page.locator("li.track").nth(n).get_by_role(
            "button", name=re.compile(" to a playlist$")
        ).click()
        page.locator("#playlist-menu").get_by_role("button", name=re.compile("^Road trip")).click()
        expect(page.locator("#playlist-menu")).not_to_be_visible()
    page.goto(f"{stack.url}/playlists")
    page.get_by_role("link", name="Road trip").click()
    rows = page.locator("#playlist-items li.track .name")
    expect(rows).to_have_text(names)
    # Keyboard: focus the third track, Alt+ArrowUp moves it up one place.
    page.locator("#playlist-items li.track").nth(2).focus()
    page.keyboard.press("Alt+ArrowUp")
    expect(rows).to_have_text([names[0], names[2], names[1]])
    # The focus stays on the moved track through every move (and the live refresh after it).
    expect(page.locator(":focus .name")).to_have_text(names[2])
    page.keyboard.press("Alt+ArrowUp")
    expect(rows).to_have_text([names[2], names[0], names[1]])
    expect(page.locator(":focus .name")).to_have_text(names[2])
    page.keyboard.press("Alt+ArrowDown")
    expect(rows).to_have_text([names[0], names[2], names[1]])
    expect(page.locator(":focus .name")).to_have_text(names[2])
    # Drag the first track onto the last place.
    page.locator("#playlist-items li.track").nth(0).drag_to(
        page.locator("#playlist-items li.track").nth(2)
    )
    expected = [names[2], names[1], names[0]]
    expect(rows).to_have_text(expected)
    expect(page.locator("[data-sync-state]").first).to_have_text("synced")
    # The same order reached the fake Jellyfin.
    playlist_id = page.url.rsplit("/", 1)[1]
    api = stack.api()
    try:
        jellyfin_id = _wait_for(
            lambda: api.get(f"/api/playlists/{playlist_id}").json()["sync"]["jellyfin_id"]
        )
    finally:
        api.close()
    _wait_for(lambda: _fake_playlist_names(stack, jellyfin_id) == expected)
    # Rename and remove a track.
    page.get_by_label("Name").fill("Road trip 2")
    page.get_by_role("button", name="Rename").click()
    expect(page.locator("#playlist-title")).to_have_text("Road trip 2")
    page.get_by_role("button", name=f"Remove {expected[0]}").click()
    expect(rows).to_have_text(expected[1:])
    _wait_for(lambda: _fake_playlist_names(stack, jellyfin_id) == expected[1:])


def test_vibe_from_a_track_play_send_and_save(page: Page, stack: DemoStack) -> None:
    page.goto(f"{stack.url}/library?view=tracks")
    seed = page.locator("li.track").first
    seed_ref = seed.locator(".heart").get_attribute("data-heart")
    assert seed_ref is not None
    # A remote-controllable Jellyfin session of demo's to send the queue to.
    stack.fake(
        "POST",
        "/users/demo/playback",
        {"item_id": seed_ref.removeprefix("jellyfin:"), "event": "start", "device": "Living room"},
    )
    seed.get_by_role("link", name=re.compile("^Start a vibe from ")).click()
    wait_live(page)
    queue = page.locator("#vibe-queue li.track")
    expect(queue.first).to_be_visible()
    assert queue.count() > 1
    expect(page.locator("#vibe-engine")).not_to_have_text("")
    # Send to the session.
    option = page.locator("#vibe-session option", has_text="Living room")
    expect(option).to_have_count(1)
    page.get_by_label("Send to").select_option(value=option.get_attribute("value"))
    page.get_by_role("button", name="Send to session").click()
    expect(page.locator(".toast", has_text="Sent")).to_be_visible()
    commands = stack.fake("GET", "/remote_commands").json()
    assert commands, "no remote command reached the fake Jellyfin"
    # Save as a playlist, then play here.
    page.get_by_label("Save as").fill("Vibe mix")
    page.get_by_role("button", name="Save as playlist").click()
    expect(page.locator(".toast", has_text="Vibe mix")).to_be_visible()
    first = queue.first.locator(".name").inner_text()
    page.get_by_role("button", name="Play here").click()
    expect(page.locator("#pb-title")).to_have_text(first)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Queue").click()
    expect(page.locator("#queue li.track").first.locator(".name")).to_have_text(first)


def test_sync_badge_failing_then_retry(page: Page, stack: DemoStack) -> None:
    stack.fake("PUT", "/faults", {"error_rate": 1.0, "status": 500, "paths": ["/Playlists"]})
    page.goto(f"{stack.url}/playlists")
    wait_live(page)
    form = page.locator("#playlist-create")
    form.get_by_label("New playlist").fill("Offline mix")
    form.get_by_role("button", name="Create").click()
    expect(page.locator(".toast", has_text="Could not sync to Jellyfin")).to_be_visible()
    page.get_by_role("link", name="Offline mix").click()
    badge = page.locator("[data-sync-state]")
    expect(badge).to_have_text("failing")
    expect(page.locator(".sync .error")).not_to_be_empty()
    stack.jellyfin_up()
    page.get_by_role("button", name="Retry").click()
    expect(badge).to_have_text("synced")


def test_vibe_queue_grows_live_as_it_auto_extends(page: Page, stack: DemoStack) -> None:
    page.goto(f"{stack.url}/library?view=tracks&sort=year")
    seed = page.locator("li.track").nth(2).locator(".heart").get_attribute("data-heart")
    assert seed is not None
    page.goto(f"{stack.url}/vibe?mode=similar&ref={seed}")
    wait_live(page)
    queue = page.locator("#vibe-queue li.track")
    expect(queue.first).to_be_visible()
    before = queue.count()
    last = queue.nth(before - 1).locator(".heart").get_attribute("data-heart")
    assert last is not None
    page.evaluate("window.__noReload = true")
    # demo starts playing the queue's last track on a Jellyfin device: the queue extends.
    stack.fake(
        "POST",
        "/users/demo/playback",
        {"item_id": last.removeprefix("jellyfin:"), "event": "start", "device": "Car"},
    )
    _wait_for(lambda: queue.count() > before)
    assert page.evaluate("window.__noReload") is True
