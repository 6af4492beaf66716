"""The silence between two tracks in the dashboard player, in headless Chromium.

`companion demo` runs with an album of short tracks; the player plays it through twice: first,
as the baseline measured in the same run, loading each track only when the previous one ended
(what it did before), then with the next track preloaded in a second audio element (what it
does now). The gap is the time from one track's `ended` to the next one's `playing`.

    python -m bench.player_gap [--tracks 6] [--seconds 2]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import uuid
from pathlib import Path

from playwright.sync_api import Page

from tests.e2e.browser.harness import chromium, new_context, sign_in
from tests.e2e.procs import DemoStack

# The fake serves 8 kHz 8-bit mono WAV: one second is 8,000 bytes after a 44-byte header.
WAV_HEADER, BYTES_PER_SECOND = 44, 8000


def _album(stack: DemoStack, tracks: int, seconds: int) -> str:
    album = f"Gap {uuid.uuid4().hex[:6]}"
    first = ""
    for n in range(1, tracks + 1):
        body = {
            "artist": "Gap bench",
            "album": album,
            "title": f"Gap {n}",
            "track_number": n,
            "duration_s": seconds,
            "size_bytes": WAV_HEADER + BYTES_PER_SECOND * seconds,
        }
        made = stack.fake("POST", "/library/tracks", body).json()
        first = first or "jellyfin:" + made["id"]
    api = stack.api()
    try:
        items = api.post("/api/items/resolve", json={"refs": [first]}).json()["items"]
        return str(items[0]["album"]["ref"])
    finally:
        api.close()


def _gaps(page: Page, url: str, album: str, tracks: int, preload: bool) -> list[float]:
    page.goto(f"{url}/albums/{album}")
    page.evaluate(
        "(preload) => { window.CompanionPlayer.preload = preload;"
        " window.CompanionPlayer.gaps.length = 0; }",
        preload,
    )
    page.get_by_role("button", name="Play album").click()
    page.wait_for_function(
        "(n) => window.CompanionPlayer.gaps.length >= n", arg=tracks - 1, timeout=120_000
    )
    gaps: list[float] = page.evaluate("() => window.CompanionPlayer.gaps.slice()")
    return gaps


def run(tracks: int, seconds: int) -> None:
    """Print the median and worst gap with and without preloading, and their ratio."""
    with tempfile.TemporaryDirectory() as tmp:
        stack = DemoStack(Path(tmp) / "demo", tracks=300)
        stack.start()
        try:
            album = _album(stack, tracks, seconds)
            with chromium() as (_, browser):
                context = new_context(browser)
                page = context.new_page()
                sign_in(page, stack)
                baseline = _gaps(page, stack.url, album, tracks, preload=False)
                preloaded = _gaps(page, stack.url, album, tracks, preload=True)
                context.close()
        finally:
            stack.stop()
    base, pre = statistics.median(baseline), statistics.median(preloaded)
    print(f"player gap, next track preloaded: median {pre:.1f} ms, worst {max(preloaded):.1f} ms")
    print(
        f"player gap, loaded when the previous ended (baseline): median {base:.1f} ms, "
        f"worst {max(baseline):.1f} ms"
    )
    print(f"player gap, preloaded / baseline: {pre / base:.2f}" if base else "baseline gap: 0 ms")


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tracks", type=int, default=6)
    parser.add_argument("--seconds", type=int, default=2)
    args = parser.parse_args()
    run(args.tracks, args.seconds)


if __name__ == "__main__":
    main()
