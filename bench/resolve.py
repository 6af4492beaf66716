"""Batch resolution budgets: upstream calls cold, warm and concurrent; warm latency.

python -m bench.resolve [--refs 1000] [--rounds 200]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time

from bench.music_harness import ServerTimes, start
from companion import keys
from companion.accounts.auth import principal_for
from companion.accounts.models import User


async def run(n_refs: int, rounds: int) -> None:
    """Print the figures."""
    h = await start(tracks=max(n_refs, 1000))
    try:
        async with h.http.get(f"{h.url}/api/library/tracks", params={"limit": 500}) as resp:
            assert resp.status == 200
        refs: list[str] = []
        for offset in range(0, n_refs, 500):
            params = {"limit": 500, "offset": offset}
            async with h.http.get(f"{h.url}/api/library/tracks", params=params) as resp:
                refs += [t["ref"] for t in (await resp.json())["items"]]
        refs = refs[:n_refs]
        ids = [r[9:] for r in refs]
        music = h.app[keys.MUSIC]
        cred = await music.credential(principal_for(await User.get(id=1)))

        async def resolve_http() -> None:
            async with h.http.post(f"{h.url}/api/items/resolve", json={"refs": refs}) as resp:
                assert resp.status == 200, await resp.text()
                await resp.read()

        h.clear_caches()
        await h.clear_log()
        await resolve_http()
        print(f"resolve_{n_refs}_cold_upstream_calls: {await h.upstream_calls()}")
        await h.clear_log()
        await resolve_http()
        print(f"resolve_{n_refs}_warm_upstream_calls: {await h.upstream_calls()}")
        h.clear_caches()
        await h.clear_log()
        await asyncio.gather(*(resolve_http() for _ in range(50)))
        print(f"resolve_{n_refs}_50_concurrent_cold_upstream_calls: {await h.upstream_calls()}")

        service_ms, http_ms = [], []
        for _ in range(rounds):
            started = time.perf_counter()
            await music.resolver.resolve(cred, ids)
            service_ms.append((time.perf_counter() - started) * 1000)
        ServerTimes.times.clear()
        for _ in range(max(rounds // 4, 10)):
            started = time.perf_counter()
            await resolve_http()
            http_ms.append((time.perf_counter() - started) * 1000)
        server_ms = ServerTimes.times["/api/items/resolve"]
        print(f"resolve_{n_refs}_warm_service_p50_ms: {statistics.median(service_ms):.3f}")
        # Server time: request received to answer sent, as the companion's access log sees it.
        print(f"resolve_{n_refs}_warm_server_p50_ms: {statistics.median(server_ms):.2f}")
        # Round trip, with the benchmark's own client (same process) encoding and reading.
        print(f"resolve_{n_refs}_warm_http_p50_ms: {statistics.median(http_ms):.2f}")
    finally:
        await h.close()


def main() -> None:
    """Parse arguments and run."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--refs", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=200)
    args = parser.parse_args()
    asyncio.run(run(args.refs, args.rounds))


if __name__ == "__main__":
    main()
