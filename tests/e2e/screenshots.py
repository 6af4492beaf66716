"""Write a PNG of every dashboard page: `python -m tests.e2e.screenshots DIR`.

Starts `companion demo` (fake Jellyfin + companion) and Debian's headless Chromium, signs in
as demo, prepares a favorite, a playlist and a playing session, then captures each page in the
light theme at desktop width, plus the library in the dark theme and at phone width, and the
Jellyfin-down message.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, Page

from tests.e2e.browser.harness import DemoStack, chromium, new_context, sign_in, wait_live


def _shoot(page: Page, out: Path, name: str) -> Path:
    # Not "networkidle": the player keeps fetching audio while a page is shown (real tracks are
    # many megabytes), so wait for the page and its eagerly loaded images instead.
    page.wait_for_load_state("load")
    page.wait_for_function(
        "() => [...document.images].filter((i) => i.loading !== 'lazy').every((i) => i.complete)"
    )
    path = out / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def capture(browser: Browser, stack: DemoStack, out: Path) -> list[Path]:
    """Capture every page into `out`; return the files written."""
    shots: list[Path] = []
    context = new_context(browser, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{stack.url}/setup")
    shots.append(_shoot(page, out, "setup"))
    page.goto(f"{stack.url}/login")
    shots.append(_shoot(page, out, "login"))
    sign_in(page, stack)
    api = stack.api()
    try:
        tracks = api.get("/api/library/tracks", params={"limit": 5}).json()["items"]
        refs = [t["ref"] for t in tracks]
        api.put(f"/api/favorites/{refs[0]}")
        playlist = api.post("/api/playlists", json={"name": "Demo mix", "refs": refs}).json()
        api.post("/api/automation/hooks", json={"name": "Doorbell", "actions": ["vibe.start"]})
    finally:
        api.close()
    stack.fake(
        "POST",
        "/users/demo/playback",
        {"item_id": refs[1].removeprefix("jellyfin:"), "event": "start", "device": "Kitchen"},
    )
    album = tracks[0]["album"]["ref"]
    artist = tracks[0]["artists"][0]["ref"]
    pages = {
        "library-albums": "/library?view=albums",
        "library-artists": "/library?view=artists",
        "library-tracks": "/library?view=tracks",
        "album": f"/albums/{album}",
        "artist": f"/artists/{artist}",
        "favorites": "/favorites",
        "playlists": "/playlists",
        "playlist": f"/playlists/{playlist.get('id', 1)}",
        "now-playing": "/now-playing",
        "history": "/history",
        "activity": "/activity",
        "automation": "/automation",
        "integrations": "/integrations",
        "webhooks": "/settings/webhooks",
    }
    for name, path in pages.items():
        page.goto(f"{stack.url}{path}")
        shots.append(_shoot(page, out, name))
    page.goto(f"{stack.url}/vibe?mode=similar&ref={refs[0]}")
    page.locator("#vibe-queue li, #vibe-error:not(:empty)").first.wait_for()
    shots.append(_shoot(page, out, "vibe"))
    page.goto(f"{stack.url}/library?view=tracks")
    page.locator("li.track [data-play]").first.click()
    # The demo's tracks last half a second: pause, so the network settles for the shots.
    page.get_by_role("button", name="Pause").click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Queue").click()
    page.locator("#queue li.track").first.wait_for()
    shots.append(_shoot(page, out, "player"))
    page.get_by_label("Search artists, albums and tracks").type("bjork")
    page.locator("#search-results [role=option]").first.wait_for()
    shots.append(_shoot(page, out, "search"))
    page.keyboard.press("Escape")
    stack.jellyfin_down()
    try:
        page.goto(f"{stack.url}/library")
        shots.append(_shoot(page, out, "jellyfin-down"))
    finally:
        stack.jellyfin_up()
    context.close()
    for name, options in {
        "library-dark": {"color_scheme": "dark", "viewport": {"width": 1280, "height": 900}},
        "library-phone": {"viewport": {"width": 390, "height": 844}, "is_mobile": True},
    }.items():
        ctx = new_context(browser, **options)
        p = ctx.new_page()
        sign_in(p, stack)
        wait_live(p)
        shots.append(_shoot(p, out, name))
        ctx.close()
    return shots


def main(argv: list[str] | None = None) -> int:
    """Parse arguments, start the demo and Chromium, write the PNGs."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("dir", type=Path, help="where to write the PNG files")
    args = parser.parse_args(argv)
    out: Path = args.dir
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="companion-shots-") as tmp:
        stack = DemoStack(Path(tmp))
        stack.start()
        try:
            with chromium() as (_, browser):
                shots = capture(browser, stack, out)
        finally:
            stack.stop()
    for shot in shots:
        print(shot)
    return 0


if __name__ == "__main__":
    sys.exit(main())
