"""Ten thousand mixed events delivered twice (socket + webhook), `kill -9` of the companion
in the middle: nothing lost, nothing duplicated after restart and reconcile.

A fake Jellyfin (users demo/demo, an admin, and guest/guest) posts real Send All Properties
webhooks to the companion (secret from the settings API). The companion logs in to Jellyfin as
demo (an administrator user: its service socket receives `Sessions` and demo's
`UserDataChanged`), and guest signs in too (guest's own socket), so every favorite reaches it
twice (socket + webhook) and every playback twice (Sessions + PlaybackStart/Stop webhooks).

The generator drives the fake's control plane: favorite on/off toggles on many tracks for both
users, and full-track playback start → stop on devices (each user+track played once, so two
listens never fall into one minute bucket). After half the events it pauses and the companion
is killed with SIGKILL at once (webhooks still queued in the fake fail: the plugin never
retries); while it is down nothing is generated; then it restarts on the same data directory,
reconciles, and the rest follows.

    python -m bench.kill_recovery [--events 10000] [--rate 250] [--version 10.10.7|10.11.11]
                                  [--out-of-order]

`--out-of-order` makes the fake's Webhook plugin send the events queued together newest first,
as the real plugin's `async void` handlers can.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import time
from collections import Counter
from datetime import UTC, datetime
from typing import Any

import aiohttp

from bench._live import Procs, cookie_session, sign_in, wait_http, webhook_secret
from companion.testing.jellyfin import FAKE_API_KEY

RUN_LIMIT_S = 175.0
TRACKS = 3000


class Generator:
    """Sends control-plane events at a steady rate; remembers what it sent while up."""

    def __init__(
        self, http: aiohttp.ClientSession, fake: str, users: dict[str, str], tracks: list[str]
    ) -> None:
        self.http = http
        self.fake = fake
        self.users = users
        self.rng = random.Random(11)
        self.fav_tracks = tracks[:400]  # a working set that gets toggled on and off
        self.play_queue = {name: list(tracks) for name in users}
        for queue in self.play_queue.values():
            self.rng.shuffle(queue)
        self.favorites: dict[tuple[str, str], bool] = {}
        self.sent = 0
        self.toggles = 0
        self.pairs: list[tuple[str, str, int]] = []  # (user name, item, phase) completed

    async def _call(self, method: str, path: str, body: Any = None) -> None:
        async with self.http.request(method, f"{self.fake}{path}", json=body) as resp:
            if resp.status >= 300:
                raise RuntimeError(f"{method} {path}: {resp.status} {await resp.text()}")
        self.sent += 1

    async def run(self, count: int, rate: float, phase: int, workers: int = 4) -> None:
        """Send `count` events (a pair counts as two) at about `rate` per second."""
        budget = [count]
        started = time.monotonic()
        base = self.sent

        async def worker(n: int) -> None:
            device = f"Bench Device {n}"
            while budget[0] > 0:
                name = self.rng.choice(list(self.users))
                pair = budget[0] >= 2 and self.rng.random() < 0.3
                budget[0] -= 2 if pair else 1
                # Steady pacing: event k is due at k / rate seconds.
                due = started + (self.sent - base) / rate
                delay = due - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                if pair:
                    item = self.play_queue[name].pop()
                    path = f"/__fake__/users/{name}/playback"
                    await self._call(
                        "POST", path, {"item_id": item, "event": "start", "device": device}
                    )
                    await self._call(
                        "POST", path, {"item_id": item, "event": "stop", "device": device}
                    )
                    self.pairs.append((name, item, phase))
                else:
                    item = self.rng.choice(self.fav_tracks)
                    key = (name, item)
                    on = not self.favorites.get(key, False)
                    self.favorites[key] = on
                    await self._call(
                        "POST" if on else "DELETE", f"/__fake__/users/{name}/favorites/{item}"
                    )
                    self.toggles += 1

        await asyncio.gather(*(worker(n) for n in range(workers)))


async def _fake_state(http: aiohttp.ClientSession, fake: str) -> dict[str, Any]:
    async with http.get(f"{fake}/__fake__/state") as resp:
        return await resp.json()  # type: ignore[no-any-return]


async def _webhooks_quiet(http: aiohttp.ClientSession, fake: str, timeout: float) -> int:
    """Wait until the fake stops sending webhooks; return how many it has sent."""
    deadline = time.monotonic() + timeout
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        sent = (await _fake_state(http, fake))["webhooks_sent"]
        if sent != last:
            last, since = sent, time.monotonic()
        elif time.monotonic() - since > 1.0:
            return sent
        await asyncio.sleep(0.1)
    return last


def _counts(procs: Procs) -> tuple[int, int, int, int]:
    inbox_waiting = procs.sql("SELECT COUNT(*) FROM webhook_inbox WHERE processed_at IS NULL")[0][0]
    inbox = procs.sql("SELECT COUNT(*) FROM webhook_inbox")[0][0]
    favorites = procs.sql("SELECT COUNT(*) FROM favorites")[0][0]
    plays = procs.sql("SELECT COUNT(*) FROM plays")[0][0]
    return inbox_waiting, inbox, favorites, plays


async def _settle(procs: Procs, timeout: float) -> float:
    """Poll until the inbox is drained and the overlay counts stop changing for 2 s."""
    started = time.monotonic()
    deadline = started + timeout
    last: tuple[int, int, int, int] | None = None
    since = time.monotonic()
    while time.monotonic() < deadline:
        now = _counts(procs)
        if now != last:
            last, since = now, time.monotonic()
        elif now[0] == 0 and time.monotonic() - since > 2.0:
            return time.monotonic() - started
        await asyncio.sleep(0.2)
    raise TimeoutError(f"the companion did not settle: {last}")


async def _fake_favorites(http: aiohttp.ClientSession, fake: str, user_id: str) -> set[str]:
    params = {
        "isFavorite": "true",
        "userId": user_id,
        "recursive": "true",
        "includeItemTypes": "Audio",
        "api_key": FAKE_API_KEY,
    }
    async with http.get(f"{fake}/Items", params=params) as resp:
        return {item["Id"] for item in (await resp.json())["Items"]}


async def run(events: int, rate: float, version: str, out_of_order: bool) -> None:
    """Print the figures."""
    procs = Procs()
    try:
        fake = procs.start_fake(tracks=TRACKS, version=version)
        server = procs.companion(admin_login=True)
        async with cookie_session() as demo, cookie_session() as guest:
            await wait_http(demo, f"{fake}/System/Info/Public")
            server.start()
            await sign_in(demo, server.url, "demo")
            await sign_in(guest, server.url, "guest")
            header, secret = await webhook_secret(demo, server.url)
            async with demo.put(
                f"{fake}/__fake__/webhook",
                json={
                    "url": f"{server.url}/webhooks/jellyfin",
                    "headers": {header: secret},
                    "out_of_order": out_of_order,
                },
            ) as resp:
                assert resp.status < 300, await resp.text()
            users = (await _fake_state(demo, fake))["users"]
            async with demo.get(
                f"{fake}/Items",
                params={
                    "includeItemTypes": "Audio",
                    "recursive": "true",
                    "userId": users["demo"],
                    "api_key": FAKE_API_KEY,
                },
            ) as resp:
                tracks = [i["Id"] for i in (await resp.json())["Items"]]
            # Both users' sockets up and reconciled before the first event.
            await asyncio.sleep(1.0)
            await _settle(procs, 30)

            gen = Generator(demo, fake, users, tracks)
            first = events // 2
            t0 = time.monotonic()
            await gen.run(first, rate, phase=1)
            # Kill at once: webhooks still queued in the fake are lost (the plugin never retries).
            assert server.proc is not None
            server.proc.kill()
            server.proc.wait()
            server.proc = None
            killed_at = time.monotonic()
            killed_utc = datetime.now(UTC).isoformat(timespec="milliseconds")
            waiting_at_kill, inbox_at_kill, _, _ = _counts(procs)
            sent_before_restart = await _webhooks_quiet(demo, fake, 30)
            await asyncio.sleep(2.0)
            restart_s = server.start()
            restarted_utc = datetime.now(UTC).isoformat(timespec="milliseconds")
            settle_s = await _settle(procs, 60)
            recovered_s = time.monotonic() - killed_at
            await gen.run(events - first, rate, phase=2)
            generated_s = time.monotonic() - t0
            await _webhooks_quiet(demo, fake, 60)
            final_settle_s = await _settle(procs, 60)

            fav_expected = fav_actual = fav_missing = fav_extra = 0
            for name, uid in users.items():
                truth = await _fake_favorites(demo, fake, uid)
                rows = {
                    r[0]
                    for r in procs.sql("SELECT item_id FROM favorites WHERE user_id = ?", (uid,))
                }
                fav_expected += len(truth)
                fav_actual += len(rows)
                fav_missing += len(truth - rows)
                fav_extra += len(rows - truth)
                print(f"kill_favorites_{name}_expected: {len(truth)}")
                print(f"kill_favorites_{name}_actual: {len(rows)}")
            fav_dupes = procs.sql(
                "SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM favorites "
                "GROUP BY user_id, item_id HAVING n > 1)"
            )[0][0]

            play_rows = procs.sql(
                "SELECT user_id, item_id, bucket, counted, completed, source, started_at, "
                "ended_at, position_ticks FROM plays ORDER BY id"
            )
            by_pair = Counter((r[0], r[1]) for r in play_rows)
            bucket_dupes = procs.sql(
                "SELECT COALESCE(SUM(n - 1), 0) FROM (SELECT COUNT(*) AS n FROM plays "
                "GROUP BY user_id, item_id, bucket HAVING n > 1)"
            )[0][0]
            # Every user+track is played once by the generator: two rows for it is a duplicate.
            listen_dupes = sum(n - 1 for n in by_pair.values() if n > 1)
            dupe_detail = [r for r in play_rows if by_pair[(r[0], r[1])] > 1][:6]
            expected_pairs = {(users[name], item) for name, item, _ in gen.pairs}
            lost_pairs = expected_pairs - set(by_pair)
            unexpected = set(by_pair) - expected_pairs
            counted = sum(1 for r in play_rows if r[3])
            completed = sum(1 for r in play_rows if r[4])
            lost_phase = Counter(
                phase for name, item, phase in gen.pairs if (users[name], item) in lost_pairs
            )
            # Which lost listens had a webhook accepted (then the companion itself lost it)?
            accepted_stop: set[tuple[str, str]] = set()
            for (payload,) in procs.sql(
                "SELECT payload FROM webhook_inbox WHERE payload LIKE '%\"PlaybackStop\"%'"
            ):
                data = json.loads(payload)
                accepted_stop.add((data.get("UserId"), data.get("ItemId")))
            lost_with_accepted_webhook = len(lost_pairs & accepted_stop)
            lost_detail = [
                (
                    user,
                    item,
                    procs.sql(
                        "SELECT state, source, started_at, updated_at FROM playback_states "
                        "WHERE user_id = ? AND item_id = ?",
                        (user, item),
                    ),
                )
                for user, item in sorted(lost_pairs)[:6]
            ]
            failed_deliveries = len(
                re.findall(r"webhook delivery to \S+ failed", (procs.root / "fake.log").read_text())
            )
            inbox_total = procs.sql("SELECT COUNT(*) FROM webhook_inbox")[0][0]
            inbox_errors = procs.sql(
                "SELECT COUNT(*) FROM webhook_inbox WHERE last_error IS NOT NULL"
            )[0][0]
            fake_state = await _fake_state(demo, fake)

        print(f"# Jellyfin {version}, webhooks out of order: {out_of_order}")
        print(f"kill_events_sent: {gen.sent}")
        print(f"kill_favorite_toggles_sent: {gen.toggles}")
        print(f"kill_playback_pairs_sent: {len(gen.pairs)}")
        print(f"kill_generation_wall_s: {generated_s:.1f}")
        print(f"kill_webhooks_sent_by_fake: {fake_state['webhooks_sent']}")
        print(f"kill_webhooks_sent_before_restart: {sent_before_restart}")
        print(f"kill_webhook_deliveries_failed_while_down: {failed_deliveries}")
        print(f"kill_inbox_rows_at_kill: {inbox_at_kill}")
        print(f"kill_inbox_unprocessed_at_kill: {waiting_at_kill}")
        print(f"kill_inbox_rows_total: {inbox_total}")
        print(f"kill_inbox_rows_with_errors: {inbox_errors}")
        print(f"# killed at {killed_utc}, restarted at {restarted_utc}")
        print(f"kill_restart_s: {restart_s:.2f}")
        print(f"kill_reconcile_settle_s: {settle_s:.2f}")
        print(f"kill_down_to_reconciled_s: {recovered_s:.2f}")
        print(f"kill_final_settle_s: {final_settle_s:.2f}")
        print(f"kill_favorites_expected: {fav_expected}")
        print(f"kill_favorites_actual: {fav_actual}")
        print(f"kill_favorites_missing: {fav_missing}")
        print(f"kill_favorites_extra: {fav_extra}")
        print(f"kill_favorites_duplicates: {fav_dupes}")
        print(f"kill_plays_expected: {len(expected_pairs)}")
        print(f"kill_plays_actual: {len(play_rows)}")
        print(f"kill_plays_counted: {counted}")
        print(f"kill_plays_completed: {completed}")
        print(f"kill_plays_duplicates_same_bucket: {bucket_dupes}")
        print(f"kill_plays_duplicates_same_listen: {listen_dupes}")
        print(f"kill_plays_unexpected: {len(unexpected)}")
        print(f"kill_plays_lost: {len(lost_pairs)}")
        print(f"kill_plays_lost_before_kill: {lost_phase.get(1, 0)}")
        print(f"kill_plays_lost_after_restart: {lost_phase.get(2, 0)}")
        print(f"kill_plays_lost_with_accepted_stop_webhook: {lost_with_accepted_webhook}")
        for row in dupe_detail:
            print(
                "# duplicate listen row: user={} item={} bucket={} counted={} completed={} "
                "source={} started={} ended={} position_ticks={}".format(*row)
            )
        for user, item, states in lost_detail:
            print(f"# lost listen: user={user} item={item} playback_state={states}")
        for line in server.log().splitlines():
            if "listens" in line or "Traceback" in line or "Reconcile" in line:
                print(f"# log: {line[:200]}")
        print(f"kill_duplicates: {fav_dupes + bucket_dupes + listen_dupes}")
        print(f"kill_lost: {fav_missing + fav_extra + len(lost_pairs)}")
    finally:
        procs.close()


def main() -> None:
    """Parse arguments and run (bounded)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=10_000)
    parser.add_argument("--rate", type=float, default=250.0)
    parser.add_argument("--version", default="10.10.7")
    parser.add_argument("--out-of-order", action="store_true")
    args = parser.parse_args()

    async def bounded() -> None:
        await asyncio.wait_for(
            run(args.events, args.rate, args.version, args.out_of_order), RUN_LIMIT_S
        )

    asyncio.run(bounded())


if __name__ == "__main__":
    main()
