"""`python -m tests.e2e.screenshots DIR` writes a PNG of every page."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Browser

from tests.e2e.browser.harness import DemoStack
from tests.e2e.screenshots import capture

PAGES = {
    "setup",
    "login",
    "library-albums",
    "library-artists",
    "library-tracks",
    "album",
    "artist",
    "favorites",
    "playlists",
    "playlist",
    "now-playing",
    "history",
    "activity",
    "automation",
    "integrations",
    "webhooks",
    "vibe",
    "player",
    "search",
    "jellyfin-down",
    "library-dark",
    "library-phone",
}


def test_a_png_of_every_page(browser: Browser, stack: DemoStack, tmp_path: Path) -> None:
    shots = capture(browser, stack, tmp_path)
    assert {p.stem for p in shots} == PAGES
    for shot in shots:
        data = shot.read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5000, shot
