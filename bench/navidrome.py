"""The same music API on Jellyfin and on Navidrome: an album page and a 1,000-ref resolution.

Each backend is a fake server (same generated library, same seed) with the companion app
in-process; the figures are the companion's answer times as a client sees them, cold (caches
cleared, so the server is asked) and warm. Navidrome's Subsonic API has no "get these ids"
call, so a cold resolution costs one call per ref where Jellyfin needs one per 200; the ratio
lines say what that costs.

    python -m bench.navidrome [--tracks 1200] [--refs 1000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.fernet import Fernet

from companion import keys
from companion.app import create_app
from companion.media import use_ref_scheme
from companion.settings import Settings
from companion.testing.jellyfin import FAKE_API_KEY, FakeJellyfin
from companion.testing.navidrome import FakeNavidrome
from companion.testing.serving import serve


async def _ms(call: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await call()
    return (time.perf_counter() - started) * 1000


async def measure(server: str, tracks: int, n_refs: int, rounds: int) -> dict[str, float]:
    """Start the fake and the companion on it, sign demo in, and time the two pages."""
    fake: Any = (
        FakeJellyfin(tracks=tracks) if server == "jellyfin" else FakeNavidrome(tracks=tracks)
    )
    await fake.start()
    if server == "jellyfin":
        environ = {"JELLYFIN_URL": fake.url, "JELLYFIN_API_KEY": FAKE_API_KEY}
    else:
        environ = {
            "NAVIDROME_URL": fake.url,
            "NAVIDROME_USERNAME": "demo",
            "NAVIDROME_PASSWORD": "demo",
        }
    tmp = tempfile.TemporaryDirectory()
    data = Path(tmp.name)
    settings = Settings(
        data_dir=data / "data",
        database_url=f"sqlite://{data / 'companion.sqlite3'}",
        secret_key=Fernet.generate_key().decode(),
        environ=environ,
    )
    app = create_app(settings)
    runner, port = await serve(app)
    url = f"http://127.0.0.1:{port}"
    figures: dict[str, float] = {}
    try:
        (entry,) = app[keys.ENTRIES].entries(server)
        await app[keys.ENTRIES].wait_setup(entry.entry_id)
        jar = aiohttp.CookieJar(unsafe=True)
        async with aiohttp.ClientSession(cookie_jar=jar) as http:
            async with http.post(
                f"{url}/api/auth/login", json={"username": "demo", "password": "demo"}
            ) as resp:
                assert resp.status == 200, await resp.text()
            csrf = next(c.value for c in jar if c.key == "companion_csrf")
            # The first index sync and the live reconcile run at startup: let them finish so
            # only the pages are timed.
            await app[keys.LIVE].sockets.wait_idle(timeout=120)
            music = app[keys.MUSIC]

            def cold() -> None:
                music.resolver.clear()
                music.library._album_tracks.clear()

            async def get(path: str) -> Any:
                async with http.get(f"{url}{path}") as resp:
                    assert resp.status == 200, await resp.text()
                    return await resp.json()

            albums = (await get("/api/library/albums?limit=50&sort=name"))["items"]
            refs: list[str] = []
            for offset in range(0, n_refs, 500):
                page = await get(f"/api/library/tracks?limit=500&offset={offset}")
                refs += [t["ref"] for t in page["items"]]
            refs = refs[:n_refs]

            cold_album, warm_album = [], []
            for album in albums[: rounds * 4]:
                cold()
                cold_album.append(await _ms(lambda a=album: get(f"/api/library/albums/{a['ref']}")))
                warm_album.append(await _ms(lambda a=album: get(f"/api/library/albums/{a['ref']}")))

            async def resolve() -> None:
                async with http.post(
                    f"{url}/api/items/resolve", json={"refs": refs}, headers={"X-CSRF-Token": csrf}
                ) as resp:
                    assert resp.status == 200, await resp.text()
                    await resp.read()

            cold_resolve, warm_resolve = [], []
            for _ in range(rounds):
                cold()
                cold_resolve.append(await _ms(resolve))
                warm_resolve.append(await _ms(resolve))
        figures["album_page_cold_p50_ms"] = statistics.median(cold_album)
        figures["album_page_warm_p50_ms"] = statistics.median(warm_album)
        figures[f"resolve_{len(refs)}_cold_p50_ms"] = statistics.median(cold_resolve)
        figures[f"resolve_{len(refs)}_warm_p50_ms"] = statistics.median(warm_resolve)
    finally:
        await runner.cleanup()
        await fake.stop()
        tmp.cleanup()
        use_ref_scheme("jellyfin")
    return figures


async def run(tracks: int, n_refs: int, rounds: int) -> None:
    """Print each backend's figures, then Navidrome's over Jellyfin's."""
    logging.basicConfig(level=logging.ERROR)
    results = {}
    for server in ("jellyfin", "navidrome"):
        results[server] = await measure(server, tracks, n_refs, rounds)
        for name, value in results[server].items():
            print(f"{server}_{name}: {value:.1f}")
    for name, base in results["jellyfin"].items():
        print(
            f"navidrome_over_jellyfin_{name.removesuffix('_p50_ms')}_ratio: "
            f"{results['navidrome'][name] / base:.2f}"
        )


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--tracks", type=int, default=1200)
    parser.add_argument("--refs", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    asyncio.run(run(args.tracks, args.refs, args.rounds))


if __name__ == "__main__":
    main()
