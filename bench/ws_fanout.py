"""Event → `/api/ws` client latency with 1, 100 and 1,000 connected clients, and memory per client.

A fake Jellyfin and `companion serve` run as their own processes. Every client authenticates
with an API token of demo (an administrator sees everyone's events) and subscribes to
`favorite.changed`. Each event is a favorite toggled "in another Jellyfin app" through the
fake's control plane: the fake pushes UserDataChanged to demo's live socket, the companion's
overlay writes it and publishes one `favorite.changed`, which is fanned out to every client.
The next toggle is sent once every client has the previous event (or after 3 s).

Latency is the client's receive time minus the event's `at` (stamped by the companion when it
published; same machine, same clock). `send→recv` adds the fake's 50 ms UserDataChanged
debounce and the socket hop and is printed for context only.

    python -m bench.ws_fanout [--events 60]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import time
from datetime import datetime
from typing import Any

import websockets

from bench._live import (
    Procs,
    cookie_session,
    median,
    percentile,
    raise_nofile,
    rss_kb,
    sign_in,
    wait_http,
)
from companion.testing.jellyfin import FAKE_API_KEY

RUN_LIMIT_S = 170.0
EVENT_TIMEOUT_S = 3.0


class Tally:
    """How many clients have each event; wakes the sender when all have it."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}
        self.target = 0
        self.waiting: tuple[str, asyncio.Event] | None = None

    def seen(self, key: str) -> None:
        """Count one client's arrival of an event."""
        n = self.counts.get(key, 0) + 1
        self.counts[key] = n
        if self.waiting is not None and self.waiting[0] == key and n >= self.target:
            self.waiting[1].set()

    async def wait(self, key: str, timeout: float) -> None:
        """Wait until every client has the event (or the timeout)."""
        done = asyncio.Event()
        self.waiting = (key, done)
        if self.counts.get(key, 0) >= self.target:
            done.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(done.wait(), timeout)
        self.waiting = None


TALLY = Tally()


def _key(event: dict[str, Any]) -> str:
    data = event.get("data") or {}
    return f"{data.get('item_id')}:{data.get('favorite')}"


class Client:
    """One subscribed websocket client recording when each event arrived."""

    def __init__(self) -> None:
        self.ws: Any = None
        self.received: list[tuple[float, str]] = []  # (local receive time, raw text)
        self.task: asyncio.Task[None] | None = None
        self.closed: str | None = None

    async def connect(self, url: str, token: str) -> None:
        """Connect, authenticate and subscribe to favorite.changed."""
        self.ws = await websockets.connect(url, max_size=2**20, open_timeout=30, ping_interval=None)
        assert json.loads(await self.ws.recv())["type"] == "auth_required"
        await self.ws.send(json.dumps({"type": "auth", "access_token": token}))
        answer = json.loads(await self.ws.recv())
        if answer["type"] != "auth_ok":
            raise RuntimeError(f"auth failed: {answer}")
        await self.ws.send(
            json.dumps({"id": 1, "type": "subscribe_events", "event_type": "favorite.changed"})
        )
        result = json.loads(await self.ws.recv())
        if not (result.get("type") == "result" and result.get("success")):
            raise RuntimeError(f"subscribe failed: {result}")
        self.task = asyncio.create_task(self._read())

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                now = time.time()
                self.received.append((now, raw))
                msg = json.loads(raw)
                if msg.get("type") == "event":
                    TALLY.seen(_key(msg["event"]))
        except websockets.ConnectionClosed as err:
            self.closed = f"{err.rcvd.code if err.rcvd else '?'}"
        else:
            self.closed = "closed"

    async def close(self) -> None:
        """Close the socket and stop reading."""
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self.task


def _events(client: Client) -> list[tuple[float, dict[str, Any]]]:
    out = []
    for at, raw in client.received:
        msg = json.loads(raw)
        if msg.get("type") == "event":
            out.append((at, msg["event"]))
    return out


async def _connect_many(clients: list[Client], url: str, token: str) -> None:
    for i in range(0, len(clients), 50):
        await asyncio.gather(*(c.connect(url, token) for c in clients[i : i + 50]))


async def run(events: int) -> None:
    """Print the figures."""
    raise_nofile(4096)
    procs = Procs()
    clients: list[Client] = []
    try:
        procs.start_fake(tracks=500)
        server = procs.companion()
        async with cookie_session() as http:
            await wait_http(http, f"{procs.fake_url}/System/Info/Public")
            server.start()
            me = await sign_in(http, server.url, "demo")
            async with http.post(f"{server.url}/api/tokens", json={"name": "bench"}) as resp:
                token = (await resp.json())["token"]
            async with http.get(
                f"{procs.fake_url}/Items",
                params={
                    "includeItemTypes": "Audio",
                    "recursive": "true",
                    "limit": "400",
                    "userId": me["jellyfin_id"],
                    "api_key": FAKE_API_KEY,
                },
            ) as resp:
                track_ids = [i["Id"] for i in (await resp.json())["Items"]]
            assert server.proc is not None
            pid = server.proc.pid
            ws_url = server.url.replace("http://", "ws://") + "/api/ws"

            # Settle: the live sockets connect and reconcile; one warm-up event end to end.
            warm = Client()
            await warm.connect(ws_url, token)
            for _attempt in range(100):
                async with http.post(
                    f"{procs.fake_url}/__fake__/users/demo/favorites/{track_ids[0]}"
                ):
                    pass
                TALLY.target = 1
                await TALLY.wait(f"{track_ids[0]}:True", 0.3)
                if _events(warm):
                    break
                async with http.delete(
                    f"{procs.fake_url}/__fake__/users/demo/favorites/{track_ids[0]}"
                ):
                    pass
            else:
                raise RuntimeError("no favorite.changed reached the warm-up client")
            # Companion API toggles: how many favorite.changed pushes does one toggle make?
            warm.received.clear()
            api_toggles = 10
            for n in range(api_toggles):
                ref = f"jellyfin:{track_ids[1 + n]}"
                async with http.put(f"{server.url}/api/favorites/{ref}") as resp:
                    assert resp.status == 200, await resp.text()
                await asyncio.sleep(0.25)
            api_events = _events(warm)
            api_sources: dict[str, int] = {}
            for _, ev in api_events:
                api_sources[ev.get("source", "?")] = api_sources.get(ev.get("source", "?"), 0) + 1
            await warm.close()
            await asyncio.sleep(0.5)

            rss_before = rss_kb(pid)
            rss_at: dict[int, int] = {}
            next_track = 20
            favorite_state: dict[str, bool] = {}
            for count in (1, 100, 1000):
                more = [Client() for _ in range(count - len(clients))]
                await _connect_many(more, ws_url, token)
                clients.extend(more)
                await asyncio.sleep(0.5)
                rss_at[count] = rss_kb(pid)
                for c in clients:
                    c.received.clear()
                TALLY.counts.clear()
                TALLY.target = len(clients)
                sent_at: dict[str, float] = {}
                missing = 0
                per_phase = events if count > 1 else events * 3
                for _ in range(per_phase):
                    item = track_ids[next_track % len(track_ids)]
                    next_track += 1
                    fav = not favorite_state.get(item, False)
                    favorite_state[item] = fav
                    sent_at[f"{item}:{fav}"] = time.time()
                    method = http.post if fav else http.delete
                    async with method(f"{procs.fake_url}/__fake__/users/demo/favorites/{item}"):
                        pass
                    await TALLY.wait(f"{item}:{fav}", EVENT_TIMEOUT_S)
                await asyncio.sleep(0.2)
                lat: list[float] = []
                e2e: list[float] = []
                dupes = 0
                for c in clients:
                    seen: set[str] = set()
                    for recv, ev in _events(c):
                        key = _key(ev)
                        if key not in sent_at:
                            continue
                        if key in seen:
                            dupes += 1
                            continue
                        seen.add(key)
                        at = datetime.fromisoformat(ev["at"]).timestamp()
                        lat.append((recv - at) * 1000)
                        e2e.append((recv - sent_at[key]) * 1000)
                    missing += len(sent_at) - len(seen)
                closed = sum(1 for c in clients if c.closed)
                print(f"ws_clients_{count}_events: {per_phase}")
                print(f"ws_clients_{count}_deliveries: {len(lat)}")
                print(f"ws_clients_{count}_missing: {missing}")
                print(f"ws_clients_{count}_duplicates: {dupes}")
                print(f"ws_clients_{count}_closed: {closed}")
                print(f"ws_clients_{count}_p50_ms: {median(lat):.2f}")
                print(f"ws_clients_{count}_p99_ms: {percentile(lat, 99):.2f}")
                print(f"ws_clients_{count}_max_ms: {max(lat) if lat else float('nan'):.2f}")
                print(f"ws_clients_{count}_send_to_recv_p50_ms: {median(e2e):.2f}")
                print(f"ws_clients_{count}_send_to_recv_p99_ms: {percentile(e2e, 99):.2f}")
            rss_after = rss_kb(pid)
        print(f"ws_companion_rss_before_kb: {rss_before}")
        for count, kb in rss_at.items():
            print(f"ws_companion_rss_{count}_clients_kb: {kb}")
        print(f"ws_companion_rss_1000_clients_after_events_kb: {rss_after}")
        print(f"ws_memory_per_client_kb: {(rss_at[1000] - rss_before) / 1000:.1f}")
        print(f"ws_companion_api_toggles: {api_toggles}")
        print(f"ws_favorite_changed_per_api_toggle: {len(api_events) / api_toggles:.2f}")
        print(
            "ws_api_toggle_event_sources: "
            + ", ".join(f"{k}={v}" for k, v in sorted(api_sources.items()))
        )
    finally:
        await asyncio.gather(*(c.close() for c in clients), return_exceptions=True)
        procs.close()


def main() -> None:
    """Parse arguments and run (bounded)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, default=60)
    args = parser.parse_args()

    async def bounded() -> None:
        await asyncio.wait_for(run(args.events), RUN_LIMIT_S)

    asyncio.run(bounded())


if __name__ == "__main__":
    main()
