"""The initial LibraryIndex sync of a big library: time, peak memory, rows written.

The fake Jellyfin runs as its own process (`python -m companion.testing.jellyfin`), so only the
companion side is measured: this process, with Tortoise on a temporary SQLite file migrated as
the app migrates it. Budgets (issue 5): under 60 s and under 200 MB RSS for 100,000 tracks.

    python -m bench.library_index [--tracks 100000] [--page-size 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

from companion.db.database import Database
from companion.events import EventBus
from companion.library.index import PAGE_SIZE, LibraryIndexService
from companion.providers import Providers
from companion.testing.jellyfin import FAKE_API_KEY
from integrations.jellyfin.client import JellyfinClient
from integrations.jellyfin.media import JellyfinMedia
from tests.e2e.procs import free_port


def _peak_rss_mb() -> float:
    # Linux reports ru_maxrss in KiB.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def _wait_up(http: aiohttp.ClientSession, url: str, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            async with http.get(f"{url}/System/Info/Public") as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.1)
    raise TimeoutError("fake Jellyfin did not start")


async def run(tracks: int, page_size: int) -> None:
    """Start the fake, sync its whole library into a fresh database, print the figures."""
    port = free_port()
    command = ["-m", "companion.testing.jellyfin", "--port", str(port), "--tracks", str(tracks)]
    fake = subprocess.Popen(
        [sys.executable, *command],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite://{Path(tmp) / 'companion.sqlite3'}")
        try:
            await db.open()
            await db.migrate()
            async with aiohttp.ClientSession() as http:
                await _wait_up(http, url)
                client = JellyfinClient(
                    url, session=http, token=FAKE_API_KEY, device_id="bench-library-index"
                )
                await client.system_info()
                providers = Providers()
                providers.media = JellyfinMedia(client, url)
                index = LibraryIndexService(providers, EventBus(), page_size=page_size)
                rss_before = _peak_rss_mb()
                started = time.perf_counter()
                result = await index.full_sync()
                elapsed = time.perf_counter() - started
                rows = await index.count()
                # A second full sync updates every row in place and sweeps nothing.
                started = time.perf_counter()
                await index.full_sync()
                resync = time.perf_counter() - started
        finally:
            await db.close()
            fake.terminate()
            fake.wait(timeout=30)
    print(f"library_index_initial_sync_{tracks}_tracks_s: {elapsed:.2f}")
    print(f"library_index_peak_rss_mb_both_syncs: {_peak_rss_mb():.1f}")
    print(f"library_index_rss_before_sync_mb: {rss_before:.1f}")
    print(f"library_index_rows_indexed: {rows}")
    print(f"library_index_tracks_per_s: {result.indexed / elapsed:.0f}")
    print(f"library_index_full_resync_s: {resync:.2f}")


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=PAGE_SIZE)
    args = parser.parse_args()
    asyncio.run(run(args.tracks, args.page_size))


if __name__ == "__main__":
    main()
