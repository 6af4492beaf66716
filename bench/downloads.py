"""Downloads budgets with the fakes, the companion in its own process (`companion serve`).

1. From a download finishing (the fake slskd marks the transfer "Completed, Succeeded") to the
   waiting import row filled in Jellyfin's copy of the playlist: budget < 2 s plus Jellyfin's
   own scan time (from /Library/Media/Updated received to LibraryChanged sent), both printed.
2. 100 wanted items in flight (queued at peers that never start): the companion's CPU and
   memory, per window, against the same windows with nothing in flight.

python -m bench.downloads [--runs 5] [--items 100] [--window 10]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import psutil

from companion.testing.jellyfin import FAKE_API_KEY, FakeJellyfin
from companion.testing.jellyfin.routes_media_folder import add_music_folder
from companion.testing.slskd import FAKE_SLSKD_API_KEY, FakeSlskd, SharedFile
from tests.downloads.audio import mp3
from tests.e2e.procs import ServerProcess

FOLDER = "/media/music/downloads"


class Clock:
    """Monotonic times of the fakes' moments, by what they concern."""

    def __init__(self) -> None:
        self.finished: dict[str, float] = {}  # remote filename -> transfer succeeded
        self.updated: list[float] = []  # /Library/Media/Updated received
        self.changed: list[float] = []  # LibraryChanged flushed to the sockets


def instrument(jellyfin: FakeJellyfin, slskd: FakeSlskd, clock: Clock) -> None:
    """Wrap the fakes' internals to note when things happen (no behaviour changes)."""
    world = slskd.world
    finish = world._finish

    def timed_finish(record: Any, flag: str) -> None:
        finish(record, flag)
        if flag == "Succeeded":
            clock.finished[record.filename] = time.monotonic()

    world._finish = timed_finish  # type: ignore[method-assign]
    flush = jellyfin.events._flush_lib

    async def timed_flush() -> None:
        clock.changed.append(time.monotonic())
        await flush()

    jellyfin.events._flush_lib = timed_flush  # type: ignore[method-assign]
    middleware_log = jellyfin.state.requests

    class Log(list[dict[str, Any]]):
        def append(self, entry: dict[str, Any]) -> None:
            if entry["path"] == "/Library/Media/Updated":
                clock.updated.append(time.monotonic())
            super().append(entry)

    jellyfin.state.requests = Log(middleware_log)


async def sign_in(url: str) -> httpx.AsyncClient:
    """An API client with demo's bearer token."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as web:
        resp = await web.post("/api/auth/login", json={"username": "demo", "password": "demo"})
        resp.raise_for_status()
        csrf = web.cookies.get("companion_csrf") or ""
        resp = await web.post("/api/tokens", json={"name": "bench"}, headers={"X-CSRF-Token": csrf})
        resp.raise_for_status()
        token = resp.json()["token"]
    return httpx.AsyncClient(base_url=url, timeout=30, headers={"Authorization": f"Bearer {token}"})


async def wait_for(check: Any, timeout: float = 60.0, step: float = 0.005) -> Any:
    """Poll check() until it returns something truthy."""
    async with asyncio.timeout(timeout):
        while True:
            value = await check() if asyncio.iscoroutinefunction(check) else check()
            if value:
                return value
            await asyncio.sleep(step)


def existing_row(jellyfin: FakeJellyfin) -> str:
    """A CSV line for a library track (so the playlist has something before the waiting row)."""
    track = jellyfin.library.tracks[0]
    album = jellyfin.library.album_of(track)
    artist = jellyfin.library.names(track.artist_ids)[0]
    return f'"{track.name}","{artist}","{album.name if album else ""}"'


async def latency(
    api: httpx.AsyncClient, jellyfin: FakeJellyfin, slskd: FakeSlskd, clock: Clock, runs: int
) -> None:
    """Figure 1: download finished -> row filled in Jellyfin's playlist."""
    totals, scans, companion = [], [], []
    for n in range(runs):
        title, artist, album = f"Arrival Song {n}", f"Bench Band {n}", f"Bench Album {n}"
        remote = f"share\\{artist}\\{album}\\01 - {title}.mp3"
        slskd.add_peer(
            f"peer{n}", [SharedFile(remote, mp3(title, artist, album, track=1), bitrate=320)]
        )
        csv = f'Name,Artist,Album\n{existing_row(jellyfin)}\n"{title}","{artist}","{album}"\n'
        imp = (
            await api.post(
                "/api/imports", json={"source": "csv", "text": csv, "name": f"Bench {n}"}
            )
        ).json()
        committed = (await api.post(f"/api/imports/{imp['id']}/commit", json={})).json()
        playlist_id = committed["playlist"]["id"]

        async def twin(playlist_id: int = playlist_id) -> str | None:
            body = (await api.get(f"/api/playlists/{playlist_id}")).json()
            return body["sync"]["jellyfin_id"]

        jid = await wait_for(twin)
        updated_before = len(clock.updated)
        resp = await api.post("/api/downloads", json={"import_id": imp["id"]})
        resp.raise_for_status()
        await wait_for(lambda remote=remote: remote in clock.finished)
        finished = clock.finished[remote]
        filled = await wait_for(
            lambda jid=jid: len(jellyfin.state.playlists[jid].entries) == 2 and time.monotonic()
        )
        updated = clock.updated[updated_before]
        changed = next(t for t in clock.changed if t >= updated)
        scan = changed - updated
        total = filled - finished
        totals.append(total)
        scans.append(scan)
        companion.append(total - scan)
    print(f"finish_to_row_filled_total_median_s: {statistics.median(totals):.3f}")
    print(f"finish_to_row_filled_total_max_s: {max(totals):.3f}")
    print(f"jellyfin_scan_time_median_s: {statistics.median(scans):.3f}")
    print(f"companion_time_excluding_scan_median_s: {statistics.median(companion):.3f}")
    print(f"companion_time_excluding_scan_max_s: {max(companion):.3f}")
    print("budget_companion_time_s: 2.000")


def sample(proc: psutil.Process, seconds: float) -> tuple[float, float]:
    """CPU percent (of one core) over a window, and RSS MB at its end."""
    before = proc.cpu_times()
    time.sleep(seconds)
    after = proc.cpu_times()
    used = (after.user - before.user) + (after.system - before.system)
    return 100.0 * used / seconds, proc.memory_info().rss / 1024 / 1024


async def in_flight(
    api: httpx.AsyncClient, slskd: FakeSlskd, pid: int, items: int, window: float
) -> None:
    """Figure 2: CPU and memory with nothing, then `items` downloads, in flight."""
    proc = psutil.Process(pid)
    idle = [await asyncio.to_thread(sample, proc, window) for _ in range(2)]
    for n in range(items):
        title, artist = f"Queued Song {n}", f"Queue Band {n}"
        remote = f"share\\{artist}\\Waiting\\01 - {title}.mp3"
        # A peer whose upload never starts: the transfer sits "Queued, Remotely".
        slskd.add_peer(
            f"slow{n}", [SharedFile(remote, b"\x00" * 1000, bitrate=320)], behaviour="stall"
        )
        resp = await api.post(
            "/api/downloads", json={"title": title, "artists": [artist], "album": "Waiting"}
        )
        resp.raise_for_status()

    async def all_queued() -> bool:
        body = (await api.get("/api/downloads")).json()
        queued = [
            i
            for i in body["items"]
            if i["title"].startswith("Queued Song") and i["state"] == "queued"
        ]
        return len(queued) == items

    await wait_for(all_queued, timeout=300, step=0.5)
    loaded = [await asyncio.to_thread(sample, proc, window) for _ in range(3)]
    base_cpu = statistics.mean(c for c, _ in idle)
    for n, (cpu, rss) in enumerate(idle):
        print(f"idle_window_{n}_cpu_percent: {cpu:.2f}")
        print(f"idle_window_{n}_rss_mb: {rss:.1f}")
    for n, (cpu, rss) in enumerate(loaded):
        print(f"inflight_{items}_window_{n}_cpu_percent: {cpu:.2f}")
        print(f"inflight_{items}_window_{n}_rss_mb: {rss:.1f}")
    print(
        f"inflight_cpu_vs_idle_ratio: {statistics.mean(c for c, _ in loaded) / max(base_cpu, 0.01):.2f}"
    )
    print(f"inflight_rss_growth_first_to_last_window_mb: {loaded[-1][1] - loaded[0][1]:.1f}")
    requests = len([r for r in slskd.requests if r["path"].endswith("/transfers/downloads")])
    print(f"slskd_transfer_list_requests_total: {requests}")


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-downloads-") as tmp:
        root = Path(tmp)
        jellyfin = FakeJellyfin(tracks=500)
        add_music_folder(jellyfin, root / "library", FOLDER)
        await jellyfin.start()
        slskd = FakeSlskd(root / "slskd", step=0.05, search_seconds=0.2)
        await slskd.start()
        clock = Clock()
        instrument(jellyfin, slskd, clock)
        env = {
            "JELLYFIN_URL": jellyfin.url,
            "JELLYFIN_API_KEY": FAKE_API_KEY,
            "JELLYFIN_USERNAME": "demo",
            "JELLYFIN_PASSWORD": "demo",
            "SLSKD_URL": slskd.url,
            "SLSKD_API_KEY": FAKE_SLSKD_API_KEY,
        }
        server = ServerProcess(root / "data", extra_env=env)
        server.env.pop("COMPANION_DATABASE_URL", None)
        try:
            await asyncio.to_thread(server.start)
            api = await sign_in(server.url)
            settings = {
                "jellyfin_folder": FOLDER,
                "companion_folder": str(root / "library"),
                "slskd_folder": str(root / "slskd"),
            }

            async def saved() -> bool:
                return (await api.put("/api/downloads/settings", json=settings)).status_code == 200

            await wait_for(saved, timeout=60, step=0.5)
            await latency(api, jellyfin, slskd, clock, args.runs)
            assert server.proc is not None
            await in_flight(api, slskd, server.proc.pid, args.items, args.window)
            await api.aclose()
        finally:
            await asyncio.to_thread(server.stop)
            with contextlib.suppress(Exception):
                await slskd.close()
            await jellyfin.stop()


def main() -> None:
    """Print the downloads figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--window", type=float, default=10.0)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
