"""Server time of each dashboard page with 100 items, as the Server-Timing header reports it.

A fake Jellyfin and the companion run in-process (bench.music_harness); demo is signed in.
The figure is the handler's whole time: the upstream calls to the fake on 127.0.0.1, the
database reads and the Jinja2 render. Each page is fetched once to warm up, then N times.

    python -m bench.dashboard [--runs 30]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import statistics
from datetime import UTC, datetime, timedelta

from bench.music_harness import Harness, start
from companion.history.models import Play

_TIMING = re.compile(r"app;dur=([0-9.]+)")


async def _prepare(h: Harness) -> dict[str, str]:
    """Give demo an album of 100 tracks, 100 favorites and 100 plays; return page paths."""
    for n in range(100):
        body = {"artist": "Bench Artist", "album": "Hundred", "title": f"Song {n:03d}"}
        async with h.http.post(f"{h.fake.url}/__fake__/library/tracks", json=body) as resp:
            assert resp.status == 200, await resp.text()
    async with h.http.get(f"{h.url}/api/library/tracks", params={"limit": "100"}) as resp:
        tracks = (await resp.json())["items"]
    for track in tracks:
        item_id = track["ref"].split(":", 1)[1]
        async with h.http.post(f"{h.fake.url}/__fake__/users/demo/favorites/{item_id}"):
            pass
    async with h.http.get(f"{h.url}/api/auth/me") as resp:
        me = await resp.json()
    now = datetime.now(UTC)
    for n, track in enumerate(tracks):
        at = now - timedelta(minutes=5 * n)
        await Play.create(
            user_id=me["jellyfin_id"],
            item_id=track["ref"].split(":", 1)[1],
            started_at=at,
            bucket=int(at.timestamp()) // 60,
            ended_at=at + timedelta(minutes=3),
            position_ticks=1_800_000_000,
            runtime_ticks=1_800_000_000,
            counted=True,
            device_name="Bench",
            client="bench",
        )
    async with h.http.get(
        f"{h.url}/api/library/albums", params={"q": "Hundred", "limit": "1"}
    ) as resp:
        album_ref = (await resp.json())["items"][0]["ref"]
    # A queue of those 100 tracks for the queue page.
    refs = [t["ref"] for t in tracks]
    async with h.http.put(f"{h.url}/api/player/queue", json={"refs": refs}) as resp:
        assert resp.status == 200, await resp.text()
    return {
        "queue (100 tracks)": "/player",
        "search (bench)": "/search?q=bench",
        "library tracks (100)": "/library?view=tracks&size=100",
        "library albums (100)": "/library?view=albums&size=100",
        "library artists (100)": "/library?view=artists&size=100",
        "album page (100 tracks)": f"/albums/{album_ref}",
        "favorites (100 tracks)": "/favorites?type=track&size=100",
        "history (100 plays)": "/history?period=year",
        "now playing": "/now-playing",
        "integrations": "/integrations",
    }


async def _server_ms(h: Harness, path: str) -> float:
    async with h.http.get(f"{h.url}{path}") as resp:
        assert resp.status == 200, (path, resp.status, (await resp.text())[:300])
        await resp.read()
        match = _TIMING.search(resp.headers.get("Server-Timing", ""))
        assert match, path
        return float(match.group(1))


async def run(runs: int) -> None:
    """Print one figure per page: median and p95 server milliseconds."""
    h = await start(tracks=2000)
    try:
        pages = await asyncio.wait_for(_prepare(h), timeout=120)
        for label, path in pages.items():
            await _server_ms(h, path)
            times = sorted([await asyncio.wait_for(_server_ms(h, path), 10) for _ in range(runs)])
            p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
            print(
                f"dashboard {label}: median {statistics.median(times):.1f} ms, "
                f"p95 {p95:.1f} ms server time"
            )
    finally:
        await h.close()


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    asyncio.run(asyncio.wait_for(run(args.runs), timeout=600))


if __name__ == "__main__":
    main()
