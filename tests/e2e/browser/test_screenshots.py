"""`python -m tests.e2e.screenshots DIR` writes a PNG of every page."""

from __future__ import annotations

import struct
import zlib
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


# Viewport widths the capture uses; every other page is shot at desktop width.
WIDTHS = {"library-phone": 390}
DESKTOP = (1280, 900)


def _png(data: bytes) -> tuple[int, int, bytes]:
    """Width, height and the decompressed (still filtered) pixel rows of a PNG."""
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    width, height = struct.unpack(">II", data[16:24])
    idat, offset = b"", 8
    while offset < len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        if kind == b"IDAT":
            idat += data[offset + 8 : offset + 8 + length]
        offset += 12 + length
    return width, height, zlib.decompress(idat)


def test_a_png_of_every_page(browser: Browser, stack: DemoStack, tmp_path: Path) -> None:
    shots = capture(browser, stack, tmp_path)
    assert {p.stem for p in shots} == PAGES
    pixels: dict[bytes, str] = {}
    for shot in shots:
        width, height, rows = _png(shot.read_bytes())
        # The whole page at the capture's width, never shorter than the window.
        assert width == WIDTHS.get(shot.stem, DESKTOP[0]), (shot.stem, width)
        assert height >= (844 if shot.stem == "library-phone" else DESKTOP[1]), (shot.stem, height)
        # A rendered page, not a blank one: a single-colour image filters to a few byte values.
        assert len(set(rows)) > 32, shot.stem
        # And its own page: no two captures are the same picture.
        assert rows not in pixels, (shot.stem, pixels.get(rows))
        pixels[rows] = shot.stem
