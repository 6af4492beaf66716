"""Proxy streaming of a 50 MB track vs fetching it straight from the fake; memory around it.

RSS is this process's (the companion runs in-process with AppRunner, next to the fake and the
reading client, all of which read chunk by chunk), measured with psutil before and after.

python -m bench.stream_proxy [--mb 50] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import time

import psutil

from bench.music_harness import start


async def _fetch(http_get: object, url: str) -> tuple[int, float]:
    started = time.perf_counter()
    total = 0
    async with http_get(url) as resp:  # type: ignore[operator]
        assert resp.status == 200, resp.status
        async for chunk in resp.content.iter_chunked(256 * 1024):
            total += len(chunk)
    return total, time.perf_counter() - started


async def run(mb: int, rounds: int) -> None:
    """Print the figures."""
    h = await start(tracks=200)
    try:
        async with h.http.get(f"{h.url}/api/library/tracks", params={"limit": 1}) as resp:
            ref = (await resp.json())["items"][0]["ref"]
        size = mb * 1_000_000
        url = f"{h.fake.url}/__fake__/library/tracks/{ref[9:]}/size"
        async with h.http.put(url, json={"size_bytes": size}) as resp:
            assert resp.status == 204
        direct_url = f"{h.fake.url}/Audio/{ref[9:]}/stream?static=true"
        proxy_url = f"{h.url}/api/tracks/{ref}/stream?mode=proxy"
        await _fetch(h.http.get, direct_url)
        gc.collect()
        process = psutil.Process()
        rss_before = process.memory_info().rss
        direct, proxied = [], []
        for _ in range(rounds):
            n, seconds = await _fetch(h.http.get, direct_url)
            direct.append(n / seconds)
            n, seconds = await _fetch(h.http.get, proxy_url)
            assert n >= size
            proxied.append(n / seconds)
        gc.collect()
        rss_after = process.memory_info().rss
        best_direct, best_proxy = max(direct), max(proxied)
        print(f"stream_{mb}mb_direct_MBps: {best_direct / 1e6:.1f}")
        print(f"stream_{mb}mb_proxy_MBps: {best_proxy / 1e6:.1f}")
        print(f"stream_{mb}mb_throughput_ratio: {best_proxy / best_direct:.2f}")
        print(f"stream_rss_before_mb: {rss_before / 1e6:.1f}")
        print(f"stream_rss_after_mb: {rss_after / 1e6:.1f}")
        print(f"stream_rss_growth_mb: {(rss_after - rss_before) / 1e6:.1f}")
    finally:
        await h.close()


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(run(args.mb, args.rounds))


if __name__ == "__main__":
    main()
