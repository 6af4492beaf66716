"""Webhook ingest: the companion's durable receiver vs a bare aiohttp handler, same load.

Real "Send All Properties" bodies (built by the fake's own Webhook plugin emulation, so the
shape, quirks and sizes are the plugin's), posted as text/plain with N concurrent clients to
(a) `companion serve` (SQLite; each `{"ok": true}` means the body is in `webhook_inbox`;
bodies that state nothing the companion uses, such as progress saves of user data, are
answered `"ignored"` without a write) and
(b) `bench._bare_webhook`, which checks the header, parses the JSON and answers 200.
Afterwards every stored request must be a row in `webhook_inbox`.

    python -m bench.webhook_ingest [--requests 5000] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
from typing import Any

import aiohttp

from bench._live import Procs, cookie_session, median, percentile, sign_in, wait_http
from bench._live import webhook_secret as get_secret
from companion.testing.jellyfin.server import FakeJellyfin
from companion.testing.jellyfin.state import Session, WebhookConfig
from companion.testing.jellyfin.wire import md5_id
from tests.e2e.procs import free_port

RUN_LIMIT_S = 150.0


def make_bodies(count: int, seed: int = 7) -> list[bytes]:
    """A realistic mix of plugin bodies: listens (start, progress…, stop) and favorite toggles."""
    fake = FakeJellyfin(tracks=500, seed=1)
    st = fake.state
    st.webhook = WebhookConfig(url="http://127.0.0.1/unused", server_url="http://jellyfin:8096")
    emitter = fake.webhook
    users = list(st.users.values())
    tracks = list(fake.library.tracks)
    rng = random.Random(seed)
    sessions = {}
    for user in users:
        device_id = md5_id("device", user.id, "Bench Phone")
        sessions[user.id] = Session(
            md5_id("Finamp", device_id), user.id, "Finamp", 'Bench "Phone"', device_id, "1.0.0"
        )
    favorites: dict[tuple[str, str], bool] = {}
    while emitter.queue.qsize() < count:
        user = rng.choice(users)
        track = rng.choice(tracks)
        ud = st.data_for(user.id, track.id, create=True)
        assert ud is not None
        if rng.random() < 0.35:
            key = (user.id, track.id)
            favorites[key] = not favorites.get(key, False)
            ud.is_favorite = favorites[key]
            emitter.user_data_saved(user, track, ud, "UpdateUserRating")
            continue
        session = sessions[user.id]
        ud.play_count += 1
        ud.played = True
        emitter.user_data_saved(user, track, ud, "PlaybackStart")
        emitter.playback("PlaybackStart", session, track, 0, False, False)
        step = 10 * 10_000_000
        for pos in range(step, min(track.runtime_ticks, 4 * step), step):
            ud.position_ticks = pos
            emitter.user_data_saved(user, track, ud, "PlaybackProgress")
            emitter.playback("PlaybackProgress", session, track, pos, False, False)
        ud.position_ticks = 0
        emitter.user_data_saved(user, track, ud, "PlaybackFinished")
        emitter.playback("PlaybackStop", session, track, track.runtime_ticks, False, True)
    bodies = []
    while len(bodies) < count:
        data: dict[str, Any] = emitter.queue.get_nowait()
        # Exactly how the plugin serialises: UTF-8, no ASCII escaping, compact.
        bodies.append(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode())
    return bodies


async def blast(
    url: str, headers: dict[str, str], bodies: list[bytes], concurrency: int
) -> tuple[float, list[float], dict[int, int], list[int]]:
    """POST every body with `concurrency` workers; (seconds, latencies ms, statuses, accepted ids)."""
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    ids: list[int] = []
    it = iter(bodies)
    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as http:

        async def worker() -> None:
            for body in it:
                started = time.perf_counter()
                async with http.post(url, data=body, headers=headers) as resp:
                    answer = await resp.read()
                latencies.append((time.perf_counter() - started) * 1000)
                statuses[resp.status] = statuses.get(resp.status, 0) + 1
                if resp.status == 200 and json.loads(answer) == {"ok": True}:
                    ids.append(1)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return elapsed, latencies, statuses, ids


async def run(requests: int, concurrency: int, warmup: int) -> None:
    """Print the figures."""
    bodies = make_bodies(requests + warmup)
    kinds: dict[str, int] = {}
    for body in bodies[warmup:]:
        kind = json.loads(body)["NotificationType"]
        kinds[kind] = kinds.get(kind, 0) + 1
    procs = Procs()
    try:
        procs.start_fake(tracks=500)
        server = procs.companion()
        async with cookie_session() as http:
            await wait_http(http, f"{procs.fake_url}/System/Info/Public")
            server.start()
            await sign_in(http, server.url, "demo")
            header, secret = await get_secret(http, server.url)
        bare_port = free_port()
        procs.spawn(
            [
                sys.executable,
                "-m",
                "bench._bare_webhook",
                "--port",
                str(bare_port),
                "--header",
                header,
                "--secret",
                secret,
            ]
        )
        bare_url = f"http://127.0.0.1:{bare_port}"
        async with aiohttp.ClientSession() as http:
            await wait_http(http, f"{bare_url}/healthz")
        headers = {
            header: secret,
            "Content-Type": "text/plain; charset=utf-8",
            "User-Agent": "Jellyfin-Server/10.10.7",
        }
        targets = {
            "companion": f"{server.url}/webhooks/jellyfin",
            "bare": f"{bare_url}/webhooks/jellyfin",
        }
        # Warm both up (connections, code paths), then let the companion's inbox catch up.
        warm_ok = 0
        for name, url in targets.items():
            _, _, _, warm_stored = await blast(url, headers, bodies[:warmup], concurrency)
            if name == "companion":
                warm_ok = len(warm_stored)
        await _wait_drained(procs, 60)
        results = {}
        for name in ("bare", "companion"):
            results[name] = await blast(targets[name], headers, bodies[warmup:], concurrency)
        c_time, c_lat, c_status, c_stored = results["companion"]
        b_time, b_lat, b_status, _ = results["bare"]
        drain_started = time.perf_counter()
        drained = await _wait_drained(procs, 90)
        drain_s = time.perf_counter() - drain_started
        accepted = c_status.get(200, 0)
        stored_answers = len(c_stored)
        # A fresh database: every stored answer (warm-up included) left exactly one row.
        total_rows = procs.sql("SELECT COUNT(*) FROM webhook_inbox")[0][0]
        stored = total_rows - warm_ok
        c_rps, b_rps = requests / c_time, requests / b_time
        print(f"webhook_requests: {requests}")
        print(f"webhook_concurrency: {concurrency}")
        print("webhook_mix: " + ", ".join(f"{k}={v}" for k, v in sorted(kinds.items())))
        print(f"webhook_bare_rps: {b_rps:.0f}")
        print(f"webhook_companion_rps: {c_rps:.0f}")
        print(f"webhook_ratio: {c_rps / b_rps:.2f}")
        print(f"webhook_bare_p50_ms: {median(b_lat):.2f}")
        print(f"webhook_bare_p99_ms: {percentile(b_lat, 99):.2f}")
        print(f"webhook_companion_p50_ms: {median(c_lat):.2f}")
        print(f"webhook_companion_p99_ms: {percentile(c_lat, 99):.2f}")
        print(f"webhook_companion_max_ms: {max(c_lat):.2f}")
        print(
            "webhook_companion_statuses: "
            + ", ".join(f"{k}={v}" for k, v in sorted(c_status.items()))
        )
        print(
            "webhook_bare_statuses: " + ", ".join(f"{k}={v}" for k, v in sorted(b_status.items()))
        )
        print(f"webhook_companion_accepted: {accepted}")
        print(f"webhook_companion_answered_stored: {stored_answers}")
        print(f"webhook_companion_answered_ignored: {accepted - stored_answers}")
        print(f"webhook_inbox_rows_for_stored: {stored}")
        print(f"webhook_inbox_rows_total_incl_warmup: {total_rows}")
        print(f"webhook_stored_missing_from_inbox: {stored_answers - stored}")
        print(f"webhook_inbox_drained: {drained}")
        print(f"webhook_inbox_drain_after_load_s: {drain_s:.2f}")
    finally:
        procs.close()


async def _wait_drained(procs: Procs, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        waiting = procs.sql("SELECT COUNT(*) FROM webhook_inbox WHERE processed_at IS NULL")[0][0]
        if waiting == 0:
            return True
        await asyncio.sleep(0.2)
    return False


def main() -> None:
    """Parse arguments and run (bounded)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=5000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=300)
    args = parser.parse_args()

    async def bounded() -> None:
        await asyncio.wait_for(run(args.requests, args.concurrency, args.warmup), RUN_LIMIT_S)

    asyncio.run(bounded())


if __name__ == "__main__":
    main()
