"""An album page of 100 tracks through the companion vs the same page straight from Jellyfin.

Both servers run as their own processes, as they do for users: a fake Jellyfin
(`python -m companion.testing.jellyfin`) and `companion serve`. Every cold request asks for an
album the companion has never seen; the repeat asks for the same album again within the TTL.

    python -m bench.album_page [--albums 40]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

from companion.testing.jellyfin import FAKE_API_KEY
from tests.e2e.procs import ServerProcess, free_port


async def _timed(call: Callable[[], Awaitable[None]]) -> float:
    started = time.perf_counter()
    await call()
    return (time.perf_counter() - started) * 1000


async def _wait_up(http: aiohttp.ClientSession, url: str) -> None:
    for _ in range(300):
        try:
            async with http.get(f"{url}/System/Info/Public") as resp:
                if resp.status == 200:
                    return
        except aiohttp.ClientError:
            pass
        await asyncio.sleep(0.05)
    raise TimeoutError("fake Jellyfin did not start")


async def run(albums: int) -> None:
    """Print the figures."""
    port = free_port()
    fake = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "companion.testing.jellyfin",
            "--port",
            str(port),
            "--tracks",
            "2000",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    jf = f"http://127.0.0.1:{port}"
    tmp = tempfile.TemporaryDirectory()
    server = ServerProcess(
        Path(tmp.name) / "data", extra_env={"JELLYFIN_URL": jf, "JELLYFIN_API_KEY": FAKE_API_KEY}
    )
    server.env.pop("COMPANION_DATABASE_URL", None)
    try:
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            await _wait_up(http, jf)
            album_ids: list[str] = []
            for a in range(albums):
                first = ""
                for n in range(100):
                    body = {
                        "artist": "Bench Artist",
                        "album": f"Hundred {a}",
                        "title": f"Song {n:03d}",
                    }
                    async with http.post(f"{jf}/__fake__/library/tracks", json=body) as resp:
                        first = first or (await resp.json())["id"]
                async with http.get(
                    f"{jf}/Items/{first}", params={"userId": "", "api_key": FAKE_API_KEY}
                ) as resp:
                    pass
                album_ids.append(first)
            server.start()
            async with http.post(
                f"{server.url}/api/auth/login", json={"username": "demo", "password": "demo"}
            ) as resp:
                me = await resp.json()
            user_id = me["jellyfin_id"]
            # A fresh install indexes the whole library first; measure pages once it is idle.
            for _ in range(600):
                async with http.get(f"{server.url}/api/live/status") as resp:
                    if not (await resp.json())["background"]:
                        break
                await asyncio.sleep(0.1)
            auth = {
                "Authorization": f'MediaBrowser Client="bench", Device="bench", DeviceId="bench-direct", Version="1", Token="{FAKE_API_KEY}"'
            }
            # Resolve each track id to its album id through the fake itself.
            resolved: list[str] = []
            for track_id in album_ids:
                async with http.get(
                    f"{jf}/Items", params={"ids": track_id, "userId": user_id}, headers=auth
                ) as resp:
                    resolved.append((await resp.json())["Items"][0]["AlbumId"])

            def direct(album_id: str) -> Callable[[], Awaitable[None]]:
                async def page() -> None:
                    tracks = {
                        "userId": user_id,
                        "albumIds": album_id,
                        "includeItemTypes": "Audio",
                        "recursive": "true",
                        "sortBy": "ParentIndexNumber,IndexNumber,SortName",
                        "fields": "Genres,DateCreated,ProviderIds",
                    }
                    album = {
                        "userId": user_id,
                        "ids": album_id,
                        "fields": "Genres,DateCreated,ProviderIds",
                    }

                    async def get(params: dict[str, str]) -> None:
                        async with http.get(f"{jf}/Items", params=params, headers=auth) as resp:
                            await resp.json()

                    await asyncio.gather(get(album), get(tracks))

                return page

            def via_companion(album_id: str) -> Callable[[], Awaitable[None]]:
                async def page() -> None:
                    async with http.get(
                        f"{server.url}/api/library/albums/jellyfin:{album_id}"
                    ) as resp:
                        body = await resp.json()
                        assert len(body["tracks"]) == 100, body

                return page

            # Warm up connections and code paths on the first album, then measure the rest cold.
            await direct(resolved[0])()
            await via_companion(resolved[0])()
            # Interleaved, so a noisy moment on the machine weighs on both sides alike.
            direct_ms: list[float] = []
            cold_ms: list[float] = []
            for album_id in resolved[1:]:
                direct_ms.append(await _timed(direct(album_id)))
                cold_ms.append(await _timed(via_companion(album_id)))
            async with http.delete(f"{jf}/__fake__/requests"):
                pass
            repeat_ms = [await _timed(via_companion(resolved[1])) for _ in range(50)]
            async with http.get(f"{jf}/__fake__/requests") as resp:
                repeat_calls = len(await resp.json())
        d, c, r = (
            statistics.median(direct_ms),
            statistics.median(cold_ms),
            statistics.median(repeat_ms),
        )
        print(f"album_100_direct_from_jellyfin_median_ms: {d:.2f}")
        print(f"album_100_companion_cold_median_ms: {c:.2f}")
        print(f"album_100_companion_repeat_median_ms: {r:.2f}")
        print(f"album_100_ratio_cold: {c / d:.2f}")
        print(f"album_100_ratio_repeat: {r / d:.2f}")
        print(f"album_100_repeat_upstream_calls_in_50_requests: {repeat_calls}")
    finally:
        server.stop()
        fake.terminate()
        fake.wait()
        tmp.cleanup()


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--albums", type=int, default=40)
    args = parser.parse_args()
    asyncio.run(run(args.albums))


if __name__ == "__main__":
    main()
