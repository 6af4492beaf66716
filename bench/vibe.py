"""Vibe queue budgets: build time of a 50-track queue, Jellyfin calls, auto-extension latency.

python -m bench.vibe [--rounds 50] [--extensions 20]

Companion time: the fake AudioMuse runs in-process and the time its handlers take is
subtracted, as if AudioMuse answered instantly. The fake Jellyfin's answer (one /Items call
when cold) and the loopback round trips stay in the figure.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
from cryptography.fernet import Fernet

from companion import keys
from companion.accounts.auth import principal_for
from companion.accounts.models import User
from companion.app import create_app
from companion.events import Event
from companion.settings import Settings
from companion.testing.audiomuse import FAKE_AUDIOMUSE_TOKEN, FakeAudioMuse
from companion.testing.jellyfin import FAKE_API_KEY, FakeJellyfin
from companion.testing.serving import serve


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run(rounds: int, extensions: int) -> None:
    """Print the figures."""
    logging.basicConfig(level=logging.ERROR)
    jellyfin = FakeJellyfin(tracks=5000)
    await jellyfin.start()
    audiomuse = FakeAudioMuse(jellyfin.library)
    await audiomuse.start()
    tmp = tempfile.TemporaryDirectory()
    data = Path(tmp.name)
    settings = Settings(
        data_dir=data / "data",
        database_url=f"sqlite://{data / 'companion.sqlite3'}",
        secret_key=Fernet.generate_key().decode(),
        environ={
            "JELLYFIN_URL": jellyfin.url,
            "JELLYFIN_API_KEY": FAKE_API_KEY,
            "AUDIOMUSE_URL": audiomuse.url,
            "AUDIOMUSE_API_TOKEN": FAKE_AUDIOMUSE_TOKEN,
        },
    )
    app = create_app(settings)
    runner, port = await serve(app)
    url = f"http://127.0.0.1:{port}"
    http = aiohttp.ClientSession()
    try:
        for entry in app[keys.ENTRIES].entries():
            await app[keys.ENTRIES].wait_setup(entry.entry_id)
        async with http.post(
            f"{url}/api/auth/login", json={"username": "demo", "password": "demo"}
        ) as resp:
            assert resp.status == 200, await resp.text()
        # A fresh install indexes the whole library first; measure once that is idle.
        await app[keys.LIVE].sockets.wait_idle(timeout=120)
        user = await User.get(name="demo")
        secret = await app[keys.LIVE].secrets.get("jellyfin")
        async with http.put(
            f"{jellyfin.url}/__fake__/webhook",
            json={"url": f"{url}/webhooks/jellyfin", "headers": {secret.header: secret.secret}},
        ) as resp:
            assert resp.status < 300
        vibe = app[keys.VIBE]
        principal = principal_for(user)
        tracks = jellyfin.library.tracks

        def items_calls() -> int:
            return sum(1 for r in jellyfin.state.requests if r["path"].endswith("/Items"))

        def fake_ms() -> float:
            # The fake AudioMuse's own work stands in for a real one that answers instantly.
            return sum(float(r.get("ms", 0.0)) for r in audiomuse.state.requests)

        # Budget 1: a 50-track queue, measured in the service (no HTTP to the companion).
        cold_ms, cold_calls, warm_ms, warm_calls = [], [], [], []
        for i in range(rounds):
            seed = f"jellyfin:{tracks[(i * 97) % len(tracks)].id}"
            body = {"mode": "similar", "ref": seed, "limit": 50}
            app[keys.MUSIC].resolver.clear()
            jellyfin.state.requests.clear()
            audiomuse.state.requests.clear()
            started = time.perf_counter()
            queue = await vibe.start(principal, body)
            cold_ms.append((time.perf_counter() - started) * 1000 - fake_ms())
            cold_calls.append(items_calls())
            assert len(queue["items"]) == 50
            jellyfin.state.requests.clear()
            audiomuse.state.requests.clear()
            started = time.perf_counter()
            await vibe.start(principal, body)
            warm_ms.append((time.perf_counter() - started) * 1000 - fake_ms())
            warm_calls.append(items_calls())
        print(f"vibe_queue_50_cold_p50_ms: {statistics.median(cold_ms):.1f}")
        print(f"vibe_queue_50_cold_p95_ms: {_p(cold_ms, 0.95):.1f}")
        print(f"vibe_queue_50_cached_p50_ms: {statistics.median(warm_ms):.1f}")
        print(f"vibe_queue_50_cached_p95_ms: {_p(warm_ms, 0.95):.1f}")
        print(f"vibe_queue_50_jellyfin_resolution_calls_cold_max: {max(cold_calls)}")
        print(f"vibe_queue_50_jellyfin_resolution_calls_cached_max: {max(warm_calls)}")

        # Budget 2: playback event (on the bus) -> queue extended and announced.
        stream = app[keys.BUS].stream(["playback.started", "vibe.queue"], name="bench")
        latencies: list[float] = []
        for i in range(extensions):
            seed = f"jellyfin:{tracks[(i * 131 + 7) % len(tracks)].id}"
            queue = await vibe.start(principal, {"mode": "similar", "ref": seed, "limit": 10})
            target = queue["items"][-2]["ref"].split(":", 1)[1]
            async with http.post(
                f"{jellyfin.url}/__fake__/users/demo/playback",
                json={"item_id": target, "event": "start", "device": "Bench"},
            ) as resp:
                assert resp.status == 200
            trigger: Event | None = None
            async with asyncio.timeout(10):
                done = False
                while not done:
                    for event in await stream.get_batch():
                        if event.type == "playback.started" and event.data["item_id"] == target:
                            trigger = event
                        elif (
                            event.type == "vibe.queue"
                            and event.data["reason"] == "extended"
                            and event.data["queue_id"] == queue["id"]
                        ):
                            assert trigger is not None
                            latencies.append((event.at - trigger.at).total_seconds() * 1000)
                            done = True
        stream.close()
        print(f"vibe_extension_latency_p50_ms: {statistics.median(latencies):.1f}")
        print(f"vibe_extension_latency_max_ms: {max(latencies):.1f}")
    finally:
        await http.close()
        await runner.cleanup()
        await audiomuse.stop()
        await jellyfin.stop()
        tmp.cleanup()


def main(argv: Any = None) -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--extensions", type=int, default=20)
    args = parser.parse_args(argv)
    asyncio.run(asyncio.wait_for(run(args.rounds, args.extensions), timeout=300))


if __name__ == "__main__":
    main()
