"""Playlist push budgets: a 1,000-track playlist from scratch, and moving one of its items.

python -m bench.playlist_sync [--tracks 1000] [--version 10.10.7]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from typing import Any

from bench.music_harness import Harness, start
from companion import keys
from companion.accounts.auth import principal_for
from companion.accounts.models import User
from companion.playlists.models import Playlist


async def _call(h: Harness, method: str, path: str, **kw: Any) -> dict[str, Any]:
    async with h.http.request(method, f"{h.url}{path}", **kw) as resp:
        assert resp.status in (200, 201), await resp.text()
        body: dict[str, Any] = await resp.json()
        return body


async def _playlist_calls(h: Harness) -> int:
    async with h.http.get(f"{h.fake.url}/__fake__/requests") as resp:
        log: list[dict[str, Any]] = await resp.json()
    return sum(1 for e in log if e["path"].startswith("/Playlists"))


async def run(n_tracks: int, version: str) -> None:
    """Print the figures."""
    h = await start(tracks=max(n_tracks, 1000), version=version)
    try:
        refs = [f"jellyfin:{t.id}" for t in h.fake.library.tracks[:n_tracks]]
        service = h.app[keys.PLAYLISTS]
        owner = await User.get(jellyfin_id=h.fake.user_id("demo"))

        # The push alone: a stored playlist reaching Jellyfin for the first time.
        pl = await Playlist.create(owner=owner, name="Bench push", item_ids=[r[9:] for r in refs])
        await service.outbox.enqueue(pl)
        await h.clear_log()
        started = time.perf_counter()
        assert await service.outbox.push_now(pl.id)
        push_ms = (time.perf_counter() - started) * 1000
        print(f"playlist_{n_tracks}_first_push_ms: {push_ms:.1f}")
        # Only the push's own routes: background work (index sync, sockets) shares the log.
        print(f"playlist_{n_tracks}_first_push_upstream_calls: {await _playlist_calls(h)}")

        # Through the API: validation of every ref (cold cache), save, push, answer.
        h.clear_caches()
        await h.clear_log()
        started = time.perf_counter()
        body = await _call(h, "POST", "/api/playlists", json={"name": "Bench", "refs": refs})
        api_ms = (time.perf_counter() - started) * 1000
        assert body["sync"]["state"] == "synced" and body["warning"] is None
        print(f"playlist_{n_tracks}_create_api_synced_ms: {api_ms:.1f}")
        print(f"playlist_{n_tracks}_create_api_upstream_calls: {await h.upstream_calls()}")

        pid, jid = body["id"], body["sync"]["jellyfin_id"]
        await h.clear_log()
        started = time.perf_counter()
        body = await _call(h, "POST", f"/api/playlists/{pid}/move", json={"from": 900, "to": 10})
        move_ms = (time.perf_counter() - started) * 1000
        assert body["sync"]["state"] == "synced"
        held = [i for _, i in h.fake.state.playlists[jid].entries]
        assert held == [i["ref"][9:] for i in body["items"]]
        print(f"playlist_{n_tracks}_move_one_upstream_calls: {await h.upstream_calls()}")
        print(f"playlist_{n_tracks}_move_one_synced_ms: {move_ms:.1f}")
        await _fifty_half_failing(h)
    finally:
        await h.close()


async def _fifty_half_failing(h: Harness) -> None:
    """Fifty playlists saved while half of Jellyfin's playlist calls fail: time to converge."""
    service = h.app[keys.PLAYLISTS]
    service.outbox.backoff_base, service.outbox.backoff_max = 0.05, 1.0
    principal = principal_for(await User.get(jellyfin_id=h.fake.user_id("demo")))
    pool = [f"jellyfin:{t.id}" for t in h.fake.library.tracks[:200]]
    before = set(h.fake.state.playlists)
    async with h.http.put(
        f"{h.fake.url}/__fake__/faults", json={"error_rate": 0.5, "paths": ["/Playlists"]}
    ):
        pass
    await h.clear_log()
    started = time.perf_counter()
    created = [await service.create(principal, f"chaos {n}", pool[n : n + 20]) for n in range(50)]
    warned = sum(1 for c in created if c["warning"])
    while await Playlist.filter(sync_state__not="synced").exists():
        await asyncio.sleep(0.02)
    seconds = time.perf_counter() - started
    calls = await h.upstream_calls()
    async with h.http.delete(f"{h.fake.url}/__fake__/faults"):
        pass
    twins = {k: v for k, v in h.fake.state.playlists.items() if k not in before}
    assert len(twins) == 50
    for c in created:
        pl = await Playlist.get(id=c["id"])
        assert [i for _, i in twins[str(pl.jellyfin_id)].entries] == pl.item_ids
    print(f"playlist_fifty_half_failing_saves_warned: {warned}")
    print(f"playlist_fifty_half_failing_converged_s: {seconds:.2f}")
    print(f"playlist_fifty_half_failing_upstream_calls: {calls}")


def main() -> None:
    """Parse arguments and run (bounded: a minute at most)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--tracks", type=int, default=1000)
    parser.add_argument("--version", default="10.10.7")
    args = parser.parse_args()
    asyncio.run(asyncio.wait_for(run(args.tracks, args.version), timeout=60))


if __name__ == "__main__":
    main()
