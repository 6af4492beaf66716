"""An album page of 100 tracks through the companion vs the same page straight from the fake.

python -m bench.album_page [--rounds 50]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable

from bench.music_harness import start
from companion import keys


async def _median_ms(call: Callable[[], Awaitable[None]], rounds: int) -> float:
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


async def run(rounds: int) -> None:
    """Print the figures."""
    h = await start(tracks=2000)
    try:
        album_id = ""
        for n in range(100):
            body = {"artist": "Bench Artist", "album": "Hundred", "title": f"Song {n:03d}"}
            async with h.http.post(f"{h.fake.url}/__fake__/library/tracks", json=body) as resp:
                album_id = album_id or str(h.fake.library.get((await resp.json())["id"]).album_id)
        music = h.app[keys.MUSIC]
        cred = await music.credential(1)
        # The page a client would fetch from Jellyfin itself, as the same user with its token.
        direct_headers = {
            "Authorization": f'MediaBrowser Client="bench", Device="bench", DeviceId="{cred.device_id}", Version="1", Token="{cred.token}"'
        }
        direct_params = {
            "userId": cred.user_id,
            "albumIds": album_id,
            "includeItemTypes": "Audio",
            "recursive": "true",
            "sortBy": "ParentIndexNumber,IndexNumber,SortName",
            "fields": "Genres",
        }

        async def direct() -> None:
            async with h.http.get(
                f"{h.fake.url}/Items", params=direct_params, headers=direct_headers
            ) as resp:
                assert len((await resp.json())["Items"]) == 100

        async def direct_page() -> None:
            # The whole page: the album's own item and its tracks, fetched concurrently.
            album_params = {"userId": cred.user_id, "ids": album_id, "fields": "Genres"}

            async def album() -> None:
                async with h.http.get(
                    f"{h.fake.url}/Items", params=album_params, headers=direct_headers
                ) as resp:
                    assert len((await resp.json())["Items"]) == 1

            await asyncio.gather(album(), direct())

        async def companion() -> None:
            async with h.http.get(f"{h.url}/api/library/albums/jellyfin:{album_id}") as resp:
                assert len((await resp.json())["tracks"]) == 100

        async def companion_cold() -> None:
            h.clear_caches()
            await companion()

        for call in (direct, direct_page, companion_cold):
            for _ in range(5):
                await call()
        direct_ms = await _median_ms(direct, rounds)
        page_ms = await _median_ms(direct_page, rounds)
        cold_ms = await _median_ms(companion_cold, rounds)
        await companion()
        await h.clear_log()
        warm_ms = await _median_ms(companion, rounds)
        warm_calls = await h.upstream_calls()
        print(f"album_100_direct_tracks_only_median_ms: {direct_ms:.2f}")
        print(f"album_100_direct_album_plus_tracks_median_ms: {page_ms:.2f}")
        print(f"album_100_companion_cold_median_ms: {cold_ms:.2f}")
        print(f"album_100_companion_repeat_median_ms: {warm_ms:.2f}")
        print(f"album_100_ratio_cold_vs_album_plus_tracks: {cold_ms / page_ms:.2f}")
        print(f"album_100_ratio_cold_vs_tracks_only: {cold_ms / direct_ms:.2f}")
        print(f"album_100_ratio_repeat_vs_album_plus_tracks: {warm_ms / page_ms:.2f}")
        print(f"album_100_repeat_upstream_calls_in_{rounds}_requests: {warm_calls}")
    finally:
        await h.close()


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    asyncio.run(run(args.rounds))


if __name__ == "__main__":
    main()
