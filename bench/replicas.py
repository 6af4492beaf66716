"""Replicas on PostgreSQL: failover of the singleton work and webhook ingest, 2 replicas vs 1.

1. Failover (tests/replicas/harness.failover): three replicas, favorites toggled through the
   fake Jellyfin (each reaches the companions twice: the owner's socket and a webhook through a
   round-robin balancer), playlist edits through the survivors, the owner killed with SIGKILL
   halfway. Prints the seconds until another replica held the ownership lock, and what was lost
   or duplicated (favorites, ws events on the survivors, the inbox, the pushed playlist).
2. Ingest: real Webhook-plugin bodies (bench.webhook_ingest.make_bodies) posted to one replica,
   then spread over two (half the clients each, as a load balancer would); every replica
   stores durably before answering. Prints requests per second and the ratio.

    python -m bench.replicas [--events 5000] [--requests 3000] [--concurrency 32]

Needs PostgreSQL (REPLICAS_ADMIN_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres);
the database `companion_replicas` is dropped and created.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

from bench._live import cookie_session, sign_in, webhook_secret
from bench.webhook_ingest import blast, make_bodies
from tests.replicas.harness import Replicas, failover, postgres_reachable

RUN_LIMIT_S = 900.0
WARMUP = 300


async def ingest(
    count: int, bodies: list[bytes], warmup: list[bytes], concurrency: int
) -> tuple[float, int]:
    """Requests per second with `count` replicas sharing the clients; and answers not 200.

    Each replica first takes its share of `warmup` (other bodies: connections and code paths
    warm, the inbox worker running) before the timed run."""
    replicas = Replicas(count, tracks=500)
    try:
        await replicas.start()
        await replicas.wait_leader()
        async with cookie_session() as admin:
            await sign_in(admin, replicas.servers[0].url, "demo")
            header, secret = await webhook_secret(admin, replicas.servers[0].url)
        headers = {header: secret, "Content-Type": "text/plain; charset=utf-8"}
        urls = [f"{s.url}/webhooks/jellyfin" for s in replicas.servers]
        per = max(1, concurrency // count)
        await asyncio.gather(
            *(blast(url, headers, warmup[n::count], per) for n, url in enumerate(urls))
        )
        started = time.perf_counter()
        results = await asyncio.gather(
            *(blast(url, headers, bodies[n::count], per) for n, url in enumerate(urls))
        )
        elapsed = time.perf_counter() - started
        failed = sum(v for r in results for k, v in r[2].items() if k != 200)
        return len(bodies) / elapsed, failed
    finally:
        await replicas.close()


async def run(events: int, requests: int, concurrency: int, failover_only: bool = False) -> None:
    """Print the figures."""
    if not await postgres_reachable():
        raise SystemExit("PostgreSQL is not reachable (REPLICAS_ADMIN_DATABASE_URL)")
    result = await failover(count=3, events=events, rate=200, edits=40)
    lost = (
        result["favorites_missing"]
        + result["favorites_extra"]
        + result["ws_missing"]
        + result["inbox_unprocessed"]
        + len(set(result["playlist_expected"]) - set(result["playlist_jellyfin"]))
    )
    dup = (
        int(result["favorites_duplicates"])
        + result["ws_duplicates"]
        + result["ws_extra"]
        + result["ws_repeated_states"]
        + (result["inbox_rows"] - result["inbox_distinct"])
        + (len(result["playlist_jellyfin"]) - len(set(result["playlist_jellyfin"])))
    )
    print(f"replicas_failover_events: {events}")
    print(f"replicas_failover_leader: {result['first_leader']} -> {result['new_leader']}")
    print(f"replicas_failover_s: {result['failover_s']:.2f}")
    print(f"replicas_ws_events_logged: {result['ws_events_logged']}")
    print(f"replicas_ws_events_received: {result['ws_events_received']}")
    print(f"replicas_playlist_items: {len(result['playlist_jellyfin'])}")
    for key in (
        "favorites_missing",
        "favorites_extra",
        "favorites_duplicates",
        "ws_missing",
        "ws_extra",
        "ws_duplicates",
        "ws_repeated_states",
        "inbox_rows",
        "inbox_distinct",
        "inbox_unprocessed",
        "webhook_statuses",
    ):
        print(f"replicas_{key}: {result[key]}")
    for before, again in result["ws_repeated_examples"]:
        print(f"# repeated state: {before} then {again}")
    print(f"replicas_lost: {lost}")
    print(f"replicas_duplicated: {dup}")
    if failover_only:
        return
    every = make_bodies(requests + WARMUP)
    warmup, bodies = every[:WARMUP], every[WARMUP:]
    one, failed_one = await ingest(1, bodies, warmup, concurrency)
    two, failed_two = await ingest(2, bodies, warmup, concurrency)
    print(f"replicas_ingest_requests: {requests}")
    print(f"replicas_ingest_1_rps: {one:.0f}")
    print(f"replicas_ingest_2_rps: {two:.0f}")
    print(f"replicas_ingest_ratio_2_vs_1: {two / one:.2f}")
    print(f"replicas_ingest_failed_answers: {failed_one + failed_two}")
    # Replicas add capacity only where there are cores to run them: say how many there were.
    print(f"# cpus: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")


def main() -> None:
    """Parse arguments and run (bounded)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--failover-only", action="store_true")
    args = parser.parse_args()

    async def bounded() -> None:
        await asyncio.wait_for(
            run(args.events, args.requests, args.concurrency, args.failover_only), RUN_LIMIT_S
        )

    asyncio.run(bounded())


if __name__ == "__main__":
    main()
