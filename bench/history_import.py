"""History import budgets: preview and import of 50,000 dated plays (Playback Reporting rows
plus every track's user data), memory while they run, and a re-run that must add nothing.

python -m bench.history_import [--plays 50000] [--tracks 5000]

Memory is printed as the process RSS before and the peak during each step, for a run of a
fifth of the plays (guest) and the full run (demo): flat means the peaks barely differ.
Baseline: reading the same rows through the provider alone, in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import psutil

from bench.music_harness import Harness, start
from companion import keys
from companion.accounts.models import User
from companion.history.models import Play
from companion.media import UserCredential
from companion.testing.jellyfin.routes_playback_reporting import playback_reporting

START = datetime(2023, 1, 1, tzinfo=UTC)


class PeakRss:
    """Samples the process RSS every 20 ms while a step runs."""

    def __init__(self) -> None:
        self._proc = psutil.Process()
        self.peak = 0
        self._task: asyncio.Task[None] | None = None

    def now_mb(self) -> float:
        """RSS now, in MB."""
        return float(self._proc.memory_info().rss) / 2**20

    async def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, self._proc.memory_info().rss)
            await asyncio.sleep(0.02)

    def __enter__(self) -> PeakRss:
        self.peak = self._proc.memory_info().rss
        self._task = asyncio.create_task(self._sample())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()

    @property
    def peak_mb(self) -> float:
        """The highest RSS seen, in MB."""
        return self.peak / 2**20


def seed(h: Harness, user_name: str, plays: int, rng: random.Random) -> None:
    """Plugin rows (dated listens) and the matching user data of one user."""
    plugin = playback_reporting(h.fake)
    user = h.fake.user_id(user_name)
    tracks = h.fake.library.tracks
    rows: list[tuple[Any, ...]] = []
    last: dict[str, tuple[datetime, int]] = {}
    at = START
    for _ in range(plays):
        at += timedelta(seconds=rng.randint(200, 1200))
        track = rng.choice(tracks)
        seconds = rng.randint(20, 400)
        rows.append(
            (
                plugin.stored_date(at + timedelta(seconds=20)),
                user,
                track.id,
                "Audio",
                "Artist - Title (Album)",
                "DirectPlay",
                "Jellyfin Web",
                "Firefox",
                seconds,
            )
        )
        count = last.get(track.id, (at, 0))[1]
        last[track.id] = (at, count + 1)
    plugin.insert_rows(rows)
    for item_id, (when, count) in last.items():
        ud = h.fake.state.data_for(user, item_id, create=True)
        # Jellyfin also counted plays from before the plugin was installed.
        ud.play_count, ud.last_played, ud.played = count + 2, when, True


async def wait_state(h: Harness, job_id: int, state: str) -> dict[str, Any]:
    """Wait for the job's background work, then check where it ended."""
    await h.app[keys.HISTORY_IMPORTS].wait(job_id)
    async with h.http.get(f"{h.url}/api/history/imports/{job_id}") as resp:
        job: dict[str, Any] = await resp.json()
    assert job["state"] == state, job
    return job


async def import_once(h: Harness, label: str) -> dict[str, Any]:
    """Preview then import through the API; print times and memory (the job, with the
    preview's seconds in `_preview_s`)."""
    rss = PeakRss()
    before = rss.now_mb()
    with rss:
        started = time.perf_counter()
        async with h.http.post(f"{h.url}/api/history/imports", json={"source": "jellyfin"}) as r:
            assert r.status == 202, await r.text()
            job = await r.json()
        job = await wait_state(h, job["id"], "previewed")
        preview_s = time.perf_counter() - started
    preview_peak = rss.peak_mb
    with rss:
        started = time.perf_counter()
        async with h.http.post(f"{h.url}/api/history/imports/{job['id']}/import") as r:
            assert r.status == 202, await r.text()
        job = await wait_state(h, job["id"], "done")
        import_s = time.perf_counter() - started
    print(f"{label}_preview_s: {preview_s:.2f}")
    print(f"{label}_import_s: {import_s:.2f}")
    print(f"{label}_preview_plus_import_s: {preview_s + import_s:.2f}")
    print(f"{label}_rss_before_mb: {before:.1f}")
    print(f"{label}_rss_peak_preview_mb: {preview_peak:.1f}")
    print(f"{label}_rss_peak_import_mb: {rss.peak_mb:.1f}")
    job["_preview_s"] = preview_s
    return job


async def read_only(h: Harness, user_name: str) -> float:
    """The baseline: page through the user's plugin rows and user data, staging nothing."""
    source = h.app[keys.PROVIDERS].play_history
    assert source is not None
    user = await User.get(jellyfin_id=h.fake.user_id(user_name))
    music = h.app[keys.MUSIC]
    from companion.accounts.auth import principal_for

    cred: UserCredential = await music.credential(principal_for(user))
    started = time.perf_counter()
    after = 0
    while rows := await source.activity_rows(cred.user_id, after, 5000):
        after = rows[-1].row_id
    start = 0
    while True:
        items, total = await source.played_page(cred, start, 500)
        start += len(items)
        if not items or start >= total:
            break
    return time.perf_counter() - started


async def login(h: Harness, name: str) -> None:
    """Sign a user in on the harness's client (a new session has a new CSRF token)."""
    async with h.http.post(
        f"{h.url}/api/auth/login", json={"username": name, "password": name}
    ) as resp:
        assert resp.status == 200, await resp.text()
    h.http.headers["X-CSRF-Token"] = next(
        c.value for c in h.http.cookie_jar if c.key == "companion_csrf"
    )


async def run(plays: int, n_tracks: int) -> None:
    """Print the figures."""
    h = await start(tracks=n_tracks)
    try:
        await h.app[keys.LIVE].sockets.library_index.full_sync()
        playback_reporting(h.fake).install()
        rng = random.Random(7)
        seed(h, "demo", plays, rng)
        seed(h, "guest", plays // 5, rng)
        await login(h, "guest")
        baseline = await read_only(h, "guest")
        small = await import_once(h, f"history_import_{plays // 5}")
        await login(h, "demo")
        baseline_full = await read_only(h, "demo")
        big = await import_once(h, f"history_import_{plays}")
        demo = h.fake.user_id("demo")
        print(f"history_import_{plays}_dated_added: {big['result']['dated_added']}")
        print(f"history_import_{plays}_undated_added: {big['result']['undated_added']}")
        print(f"history_import_{plays}_plays_in_db: {await Play.filter(user_id=demo).count()}")
        print(f"history_import_{plays // 5}_dated_added: {small['result']['dated_added']}")
        print(f"history_import_read_only_baseline_{plays}_s: {baseline_full:.2f}")
        print(f"history_import_read_only_baseline_{plays // 5}_s: {baseline:.2f}")
        ratio = big["_preview_s"] / baseline_full if baseline_full else 0.0
        print(f"history_import_{plays}_preview_to_read_only_ratio: {ratio:.1f}")
        again = await import_once(h, f"history_import_{plays}_rerun")
        print(f"history_import_{plays}_rerun_dated_added: {again['result']['dated_added']}")
        print(f"history_import_{plays}_rerun_undated_added: {again['result']['undated_added']}")
    finally:
        await h.close()


def main() -> None:
    """Parse arguments and run (bounded: five minutes at most)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--plays", type=int, default=50_000)
    parser.add_argument("--tracks", type=int, default=5000)
    args = parser.parse_args()
    asyncio.run(asyncio.wait_for(run(args.plays, args.tracks), timeout=300))


if __name__ == "__main__":
    main()
