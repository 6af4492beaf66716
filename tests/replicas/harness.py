"""N `companion serve` replicas on one PostgreSQL database, a fake Jellyfin, a webhook balancer.

Shared by tests/replicas and `python -m bench.replicas`. Every process listens on 127.0.0.1
(ports from tests/e2e/procs.free_port) and `Replicas.close` stops all of them.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import random
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
from aiohttp import web
from cryptography.fernet import Fernet

from bench._live import Procs, cookie_session, sign_in, wait_http, webhook_secret
from companion.cluster.postgres import LEADER_KEY
from companion.testing.jellyfin import FAKE_API_KEY
from tests.e2e.procs import ServerProcess, free_port

ADMIN_URL = os.environ.get(
    "REPLICAS_ADMIN_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres"
)
DB_NAME = os.environ.get("REPLICAS_DATABASE_NAME", "companion_replicas")


def database_url() -> str:
    """The replicas' database (on the server of REPLICAS_ADMIN_DATABASE_URL)."""
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + DB_NAME


async def postgres_reachable() -> bool:
    """Whether the PostgreSQL server answers."""
    try:
        conn = await asyncpg.connect(ADMIN_URL, timeout=3)
    except (OSError, asyncpg.PostgresError, TimeoutError):
        return False
    await conn.close()
    return True


async def fresh_database() -> None:
    """Drop and create the replicas' database."""
    conn = await asyncpg.connect(ADMIN_URL, timeout=10)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        await conn.execute(f'CREATE DATABASE "{DB_NAME}"')
    finally:
        await conn.close()


class Balancer:
    """Round-robin HTTP forwarder for webhooks: a replica that fails is skipped (as a load
    balancer's health check would), so every delivery lands on a live replica or fails."""

    def __init__(self, targets: list[str]) -> None:
        self.targets = list(targets)
        self.down: set[str] = set()
        self._next = itertools.count()
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.forwarded: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self._runner: web.AppRunner | None = None
        self._http: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Listen."""
        self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", self.port).start()

    async def _forward(self, request: web.Request) -> web.Response:
        assert self._http is not None
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in ("host",)}
        for _ in range(len(self.targets)):
            target = self.targets[next(self._next) % len(self.targets)]
            if target in self.down:
                continue
            try:
                async with self._http.request(
                    request.method, target + request.rel_url.path_qs, data=body, headers=headers
                ) as resp:
                    answer = await resp.read()
                    self.forwarded[target] += 1
                    self.statuses[resp.status] += 1
                    return web.Response(
                        status=resp.status, body=answer, content_type=resp.content_type
                    )
            except (aiohttp.ClientError, OSError):
                self.down.add(target)
        self.statuses[502] += 1
        return web.Response(status=502, text="no replica answered")

    async def close(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
        if self._http is not None:
            await self._http.close()


class Replicas:
    """A fake Jellyfin and N companion replicas sharing one PostgreSQL database."""

    def __init__(self, count: int, tracks: int = 2000) -> None:
        self.procs = Procs()
        self.count = count
        self.tracks = tracks
        self.key = Fernet.generate_key().decode()
        self.servers: list[ServerProcess] = []
        self.db: asyncpg.Connection | None = None

    @property
    def fake(self) -> str:
        """The fake Jellyfin's URL."""
        return self.procs.fake_url

    async def start(self) -> None:
        """Fresh database, fake Jellyfin, then the replicas (the first migrates alone)."""
        await fresh_database()
        self.procs.start_fake(tracks=self.tracks)
        async with aiohttp.ClientSession() as http:
            await wait_http(http, f"{self.fake}/System/Info/Public")
        for n in range(self.count):
            server = ServerProcess(
                self.procs.root / f"data-{n}",
                extra_env={
                    "COMPANION_DATABASE_URL": database_url(),
                    "COMPANION_REPLICA_MODE": "postgres",
                    "COMPANION_REPLICA_ID": f"r{n}",
                    "COMPANION_SECRET_KEY": self.key,
                    "JELLYFIN_URL": self.fake,
                    "JELLYFIN_USERNAME": "demo",
                    "JELLYFIN_PASSWORD": "demo",
                },
            )
            self.servers.append(server)
            server.start(timeout=60)
        self.db = await asyncpg.connect(database_url())

    def server(self, replica_id: str) -> ServerProcess:
        """The process of replica `rN`."""
        return self.servers[int(replica_id.removeprefix("r"))]

    async def leader(self) -> str | None:
        """The replica holding the ownership lock (from PostgreSQL's own lock table)."""
        assert self.db is not None
        classid, objid = (LEADER_KEY >> 32) & 0xFFFFFFFF, LEADER_KEY & 0xFFFFFFFF
        name = await self.db.fetchval(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = $1::bigint::oid "
            "AND l.objid = $2::bigint::oid AND l.objsubid = 1",
            classid,
            objid,
        )
        return str(name).removeprefix("companion ") if name else None

    async def wait_leader(self, timeout: float = 60, not_: str | None = None) -> str:
        """Wait for an owner (other than `not_`); return its id."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            leader = await self.leader()
            if leader is not None and leader != not_:
                return leader
            await asyncio.sleep(0.05)
        raise TimeoutError("no replica took ownership")

    def kill(self, replica_id: str) -> None:
        """SIGKILL a replica."""
        server = self.server(replica_id)
        assert server.proc is not None
        server.proc.kill()
        server.proc.wait()
        server.proc = None

    async def sql(self, query: str, *args: Any) -> list[asyncpg.Record]:
        """Run a query on the replicas' database."""
        assert self.db is not None
        rows: list[asyncpg.Record] = await self.db.fetch(query, *args)
        return rows

    async def close(self) -> None:
        """Stop everything."""
        if self.db is not None:
            await self.db.close()
        for server in self.servers:
            with contextlib.suppress(Exception):
                server.stop()
        self.procs.close()


class WsClient:
    """An admin's /api/ws client subscribed to one event type; records what arrives."""

    def __init__(self, http: aiohttp.ClientSession, base: str, event_type: str) -> None:
        self.http = http
        self.url = base.replace("http://", "ws://") + "/api/ws"
        self.event_type = event_type
        self.events: list[dict[str, Any]] = []
        self._task: asyncio.Task[None] | None = None
        self._ready = asyncio.Event()

    async def start(self) -> None:
        """Connect, subscribe, and wait for the subscription's result."""
        self._task = asyncio.create_task(self._run())
        await asyncio.wait_for(self._ready.wait(), timeout=30)

    async def _run(self) -> None:
        async with self.http.ws_connect(self.url) as ws:
            await ws.receive_json()  # auth_required
            assert (await ws.receive_json())["type"] == "auth_ok"
            await ws.send_json({"id": 1, "type": "subscribe_events", "event_type": self.event_type})
            async for msg in ws:
                data = msg.json()
                if data.get("type") == "result":
                    self._ready.set()
                elif data.get("type") == "event":
                    self.events.append(data["event"])

    async def close(self) -> None:
        """Disconnect."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(BaseException):
                await self._task


async def fake_state(http: aiohttp.ClientSession, fake: str) -> dict[str, Any]:
    """The fake's control-plane state."""
    async with http.get(f"{fake}/__fake__/state") as resp:
        return await resp.json()  # type: ignore[no-any-return]


async def tracks_of(http: aiohttp.ClientSession, fake: str, user_id: str) -> list[str]:
    """Every track id of the fake's library."""
    params = {
        "includeItemTypes": "Audio",
        "recursive": "true",
        "userId": user_id,
        "api_key": FAKE_API_KEY,
    }
    async with http.get(f"{fake}/Items", params=params) as resp:
        return [i["Id"] for i in (await resp.json())["Items"]]


async def fake_favorites(http: aiohttp.ClientSession, fake: str, user_id: str) -> set[str]:
    """The favorite tracks of a user, as the fake knows them (the truth)."""
    params = {
        "isFavorite": "true",
        "userId": user_id,
        "recursive": "true",
        "includeItemTypes": "Audio",
        "api_key": FAKE_API_KEY,
    }
    async with http.get(f"{fake}/Items", params=params) as resp:
        return {item["Id"] for item in (await resp.json())["Items"]}


async def toggle_favorites(
    http: aiohttp.ClientSession,
    fake: str,
    users: dict[str, str],
    tracks: list[str],
    count: int,
    rate: float,
    state: dict[tuple[str, str], bool],
    rng: random.Random,
    workers: int = 4,
) -> int:
    """Toggle favorites through the fake's control plane (each reaches the companion twice:
    the owner's socket and a webhook through the balancer); return how many were sent."""
    budget = [count]
    sent = [0]
    started = time.monotonic()

    async def worker() -> None:
        while budget[0] > 0:
            budget[0] -= 1
            due = started + sent[0] / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            name = rng.choice(list(users))
            item = rng.choice(tracks)
            on = not state.get((name, item), False)
            state[(name, item)] = on
            url = f"{fake}/__fake__/users/{name}/favorites/{item}"
            async with http.request("POST" if on else "DELETE", url) as resp:
                if resp.status >= 300:
                    raise RuntimeError(f"fake: {resp.status} {await resp.text()}")
            sent[0] += 1

    await asyncio.gather(*(worker() for _ in range(workers)))
    return sent[0]


async def webhooks_quiet(http: aiohttp.ClientSession, fake: str, timeout: float = 60) -> int:
    """Wait until the fake stops sending webhooks; return how many it sent."""
    deadline = time.monotonic() + timeout
    last, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        sent = (await fake_state(http, fake))["webhooks_sent"]
        if sent != last:
            last, since = sent, time.monotonic()
        elif time.monotonic() - since > 1.0:
            return int(sent)
        await asyncio.sleep(0.1)
    return last


async def settle(replicas: Replicas, timeout: float = 300) -> None:
    """Wait until the inbox is drained and the overlay stops changing for 2 s."""
    deadline = time.monotonic() + timeout
    last: tuple[Any, ...] | None = None
    since = time.monotonic()
    while time.monotonic() < deadline:
        rows = await replicas.sql(
            "SELECT (SELECT count(*) FROM webhook_inbox WHERE processed_at IS NULL), "
            "(SELECT count(*) FROM favorites), (SELECT coalesce(max(seq), 0) FROM cluster_events)"
        )
        now = tuple(rows[0])
        if now != last:
            last, since = now, time.monotonic()
        elif now[0] == 0 and time.monotonic() - since > 2.0:
            return
        await asyncio.sleep(0.2)
    raise TimeoutError(f"the replicas did not settle: {last}")


async def failover(
    count: int = 3, events: int = 5000, rate: float = 200, edits: int = 40
) -> dict[str, Any]:
    """Favorites toggled through the fake (socket + webhook each), playlist edits through the
    survivors, the owner killed with SIGKILL halfway; return what was lost and duplicated."""
    replicas = Replicas(count)
    clients: list[WsClient] = []
    balancer: Balancer | None = None
    try:
        await replicas.start()
        first_leader = await replicas.wait_leader()
        survivors = [f"r{n}" for n in range(count) if f"r{n}" != first_leader]
        urls = {f"r{n}": s.url for n, s in enumerate(replicas.servers)}
        async with cookie_session() as admin, cookie_session() as guest:
            await sign_in(admin, urls[survivors[0]], "demo")
            # Signed in through another replica: the owner opens guest's socket all the same.
            await sign_in(guest, urls[survivors[-1]], "guest")
            header, secret = await webhook_secret(admin, urls[survivors[0]])
            balancer = Balancer(list(urls.values()))
            await balancer.start()
            async with admin.put(
                f"{replicas.fake}/__fake__/webhook",
                json={"url": f"{balancer.url}/webhooks/jellyfin", "headers": {header: secret}},
            ) as resp:
                assert resp.status < 300, await resp.text()
            for name in survivors:
                client = WsClient(admin, urls[name], "favorite.changed")
                await client.start()
                clients.append(client)
            users = (await fake_state(admin, replicas.fake))["users"]
            tracks = await tracks_of(admin, replicas.fake, users["demo"])
            await asyncio.sleep(1.0)
            await settle(replicas)
            top_before = (await replicas.sql("SELECT coalesce(max(seq), 0) FROM cluster_events"))[
                0
            ][0]

            async with admin.post(
                f"{urls[survivors[0]]}/api/playlists", json={"name": "Replicas", "refs": []}
            ) as resp:
                assert resp.status == 201, await resp.text()
                playlist_id = (await resp.json())["id"]
            wanted: list[str] = []

            rng = random.Random(23)
            fav_state: dict[tuple[str, str], bool] = {}
            moved: dict[str, Any] = {}
            spacing = (events / rate) / max(1, edits)

            async def load() -> None:
                await toggle_favorites(
                    admin, replicas.fake, users, tracks, events // 2, rate, fav_state, rng
                )
                balancer.down.add(urls[first_leader])  # the balancer's health check
                replicas.kill(first_leader)
                killed = time.monotonic()
                moved["new_leader"] = await replicas.wait_leader(timeout=120, not_=first_leader)
                moved["failover_s"] = time.monotonic() - killed
                await toggle_favorites(
                    admin, replicas.fake, users, tracks, events - events // 2, rate, fav_state, rng
                )

            async def edit() -> None:
                for n in range(edits):
                    item = tracks[-1 - n]
                    target = urls[survivors[n % len(survivors)]]
                    async with admin.post(
                        f"{target}/api/playlists/{playlist_id}/items",
                        json={"refs": [f"jellyfin:{item}"]},
                    ) as resp:
                        assert resp.status == 200, await resp.text()
                    wanted.append(item)
                    await asyncio.sleep(spacing)

            await asyncio.gather(load(), edit())
            await webhooks_quiet(admin, replicas.fake)
            await settle(replicas)

            # The playlist reaches Jellyfin through the new owner's outbox.
            deadline = time.monotonic() + 90
            while True:
                async with admin.get(f"{urls[survivors[0]]}/api/playlists/{playlist_id}") as resp:
                    pl = await resp.json()
                if pl["sync"]["state"] == "synced" or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.2)
            row = (
                await replicas.sql(
                    "SELECT item_ids, jellyfin_id, version, synced_version FROM playlists "
                    "WHERE id = $1",
                    playlist_id,
                )
            )[0]
            async with admin.get(
                f"{replicas.fake}/Playlists/{row['jellyfin_id']}/Items",
                params={"userId": users["demo"], "api_key": FAKE_API_KEY},
            ) as resp:
                jellyfin_items = [i["Id"] for i in (await resp.json())["Items"]]
            import json as _json

            items = row["item_ids"]
            companion_items = _json.loads(items) if isinstance(items, str) else items

            fav_missing = fav_extra = 0
            for uid in users.values():
                truth = await fake_favorites(admin, replicas.fake, uid)
                rows = {
                    r["item_id"]
                    for r in await replicas.sql(
                        "SELECT item_id FROM favorites WHERE user_id = $1", uid
                    )
                }
                fav_missing += len(truth - rows)
                fav_extra += len(rows - truth)
            fav_dupes = (
                await replicas.sql(
                    "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n FROM favorites "
                    "GROUP BY user_id, item_id HAVING count(*) > 1) d"
                )
            )[0][0]
            logged = {
                _json.loads(r["body"])["id"]
                for r in await replicas.sql(
                    "SELECT body FROM cluster_events WHERE seq > $1", top_before
                )
                if _json.loads(r["body"])["type"] == "favorite.changed"
            }
            ws_missing = ws_extra = ws_dupes = ws_repeats = 0
            repeats: list[tuple[dict[str, Any], dict[str, Any]]] = []
            for client in clients:
                ids = Counter(e["id"] for e in client.events)
                ws_dupes += sum(n - 1 for n in ids.values() if n > 1)
                ws_missing += len(logged - set(ids))
                ws_extra += len(set(ids) - logged)
                # A change applied twice shows as the same state twice in a row.
                last: dict[tuple[str, str], dict[str, Any]] = {}
                for event in client.events:
                    key = (event["user_id"], event["data"]["item_id"])
                    before = last.get(key)
                    if (
                        before is not None
                        and before["data"]["favorite"] == event["data"]["favorite"]
                    ):
                        ws_repeats += 1
                        repeats.append((before, event))
                    last[key] = event
            inbox = (
                await replicas.sql(
                    "SELECT count(*), count(*) FILTER (WHERE processed_at IS NULL), "
                    "count(DISTINCT digest) FROM webhook_inbox"
                )
            )[0]
        return {
            "replicas": count,
            "events": events,
            "first_leader": first_leader,
            "new_leader": moved.get("new_leader"),
            "failover_s": moved.get("failover_s"),
            "favorites_missing": fav_missing,
            "favorites_extra": fav_extra,
            "favorites_duplicates": fav_dupes,
            "ws_clients": len(clients),
            "ws_events_logged": len(logged),
            "ws_events_received": [len(c.events) for c in clients],
            "ws_missing": ws_missing,
            "ws_extra": ws_extra,
            "ws_duplicates": ws_dupes,
            "ws_repeated_states": ws_repeats,
            "ws_repeated_examples": repeats[:4],
            "playlist_state": pl["sync"]["state"],
            "playlist_expected": wanted,
            "playlist_companion": companion_items,
            "playlist_jellyfin": jellyfin_items,
            "inbox_rows": inbox[0],
            "inbox_unprocessed": inbox[1],
            "inbox_distinct": inbox[2],
            "webhooks_forwarded": dict(balancer.forwarded),
            "webhook_statuses": dict(balancer.statuses),
        }
    finally:
        for client in clients:
            await client.close()
        if balancer is not None:
            await balancer.close()
        await replicas.close()


__all__ = [
    "Balancer",
    "Path",
    "Replicas",
    "WsClient",
    "cookie_session",
    "fake_favorites",
    "fake_state",
    "postgres_reachable",
    "settle",
    "sign_in",
    "toggle_favorites",
    "tracks_of",
    "webhook_secret",
    "webhooks_quiet",
]
