"""The fake Jellyfin's speed on a big library, and the Jellyfin client's overhead per call.

python -m bench.jellyfin_client [--tracks 100000] [--calls 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

import aiohttp

from companion.testing.jellyfin import FAKE_API_KEY, FakeJellyfin
from integrations.jellyfin.client import JellyfinClient

AUTH = {
    "Authorization": f'MediaBrowser Client="bench", Device="bench", DeviceId="bench", Version="1", Token="{FAKE_API_KEY}"'
}


async def _median_ms(call: Callable[[], Awaitable[object]], calls: int) -> float:
    for _ in range(5):
        await call()
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


async def run(tracks: int, calls: int) -> None:
    """Print the figures."""
    started = time.perf_counter()
    fake = FakeJellyfin(tracks=tracks)
    url = await fake.start()
    print(f"fake_start_with_{tracks}_tracks_s: {time.perf_counter() - started:.2f}")
    user_id = fake.user_id("demo")
    page = f"{url}/Items?userId={user_id}&recursive=true&includeItemTypes=Audio&sortBy=SortName&startIndex=5000&limit=100&fields=ProviderIds,DateCreated,Genres"
    async with aiohttp.ClientSession() as session:

        async def raw_page() -> object:
            async with session.get(page, headers=AUTH) as resp:
                return await resp.json()

        async def raw_info() -> object:
            async with session.get(f"{url}/System/Info", headers=AUTH) as resp:
                return await resp.json()

        client = JellyfinClient(url, session=session, token=FAKE_API_KEY, device_id="bench")

        async def client_page() -> object:
            return await client.items(
                user_id,
                include_item_types=["Audio"],
                sort_by=["SortName"],
                start_index=5000,
                limit=100,
                fields=["ProviderIds", "DateCreated", "Genres"],
            )

        raw_page_ms = await _median_ms(raw_page, calls)
        client_page_ms = await _median_ms(client_page, calls)
        raw_info_ms = await _median_ms(raw_info, calls)
        client_info_ms = await _median_ms(client.system_info, calls)
    await fake.stop()
    print(f"fake_items_page_100_of_{tracks}_median_ms: {raw_page_ms:.2f}")
    print(f"client_items_page_100_median_ms: {client_page_ms:.2f}")
    print(f"client_overhead_items_page_ms: {client_page_ms - raw_page_ms:.2f}")
    print(f"client_overhead_items_page_ratio: {client_page_ms / raw_page_ms:.2f}")
    print(f"client_overhead_system_info_ms: {client_info_ms - raw_info_ms:.3f}")


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.tracks, args.calls))


if __name__ == "__main__":
    main()
