"""The durable outbox: saves while Jellyfin fails, restarts mid-push, no second twin ever."""

from __future__ import annotations

import asyncio
import random
from typing import Any

from companion import keys
from companion.events import Event
from companion.playlists.models import Playlist, PlaylistPush
from companion.playlists.push import MARKER_PREFIX
from companion.playlists.service import WARNING
from tests.web.conftest import FakeLog

from .conftest import ClientFactory, Companion, refs, start_companion, twin_items, wait_synced


async def test_save_while_jellyfin_fails_is_pushed_later(
    companion: Companion, fake_jellyfin: Any, fake_log: FakeLog
) -> None:
    seen: list[Event] = []
    companion.client.app[keys.BUS].subscribe(seen.append, ("playlist.synced",))
    await fake_log.faults(error_rate=1.0, paths=["/Playlists"])
    items = refs(fake_jellyfin, 0, 4)
    body = await companion.call(
        "POST", "/api/playlists", 201, json={"name": "Offline", "refs": items}
    )
    assert body["warning"] == WARNING
    assert body["sync"]["state"] == "failing" and body["sync"]["last_error"]
    assert "500" in body["sync"]["last_error"] and fake_jellyfin.state.playlists == {}
    assert await PlaylistPush.filter(playlist_id=body["id"]).exists()
    # Edits keep succeeding with the same warning.
    body = await companion.call(
        "POST", f"/api/playlists/{body['id']}/move", json={"from": 0, "to": 3}
    )
    assert body["warning"] == WARNING
    items.append(items.pop(0))
    await fake_log.faults()
    synced = await wait_synced(companion, body["id"])
    (jid,) = fake_jellyfin.state.playlists
    assert synced["sync"]["jellyfin_id"] == jid and twin_items(fake_jellyfin, jid) == items
    assert not await PlaylistPush.filter(playlist_id=body["id"]).exists()
    # The subscriber runs in a task of its own: wait for it to see the synced state.
    async with asyncio.timeout(30):
        while not seen or seen[-1].data["state"] != "synced":
            await asyncio.sleep(0.01)
    states = [e.data["state"] for e in seen]
    assert states[0] == "failing" and states[-1] == "synced"
    failing = next(e for e in seen if e.data["state"] == "failing")
    assert failing.data["last_error"] and failing.user_id == fake_jellyfin.user_id("demo")


async def test_retry_button_pushes_now(
    companion: Companion, fake_jellyfin: Any, fake_log: FakeLog
) -> None:
    companion.service.outbox.backoff_base = companion.service.outbox.backoff_max = 60.0
    await fake_log.faults(error_rate=1.0, paths=["/Playlists"])
    body = await companion.call(
        "POST", "/api/playlists", 201, json={"name": "R", "refs": refs(fake_jellyfin, 0, 2)}
    )
    assert body["sync"]["state"] == "failing"
    await fake_log.faults()
    body = await companion.call("POST", f"/api/playlists/{body['id']}/sync")
    assert body["warning"] is None and body["sync"]["state"] == "synced"


async def test_create_interrupted_after_jellyfin_created_it(
    aiohttp_client: ClientFactory, settings: Any, fake_jellyfin: Any, fake_log: FakeLog
) -> None:
    """Jellyfin creates the twin but the companion never learns its id: no second twin."""
    first = await start_companion(aiohttp_client, settings, fake_jellyfin)
    first.service.inline_push_seconds = 0.3
    first.service.outbox.backoff_base = first.service.outbox.backoff_max = 0.05
    items = refs(fake_jellyfin, 0, 3)
    # Jellyfin is slow: it creates the playlist after the companion has given up waiting.
    await fake_log.faults(latency_ms=800, paths=["/Playlists"])
    body = await first.call("POST", "/api/playlists", 201, json={"name": "Slow", "refs": items})
    assert body["warning"] == WARNING and body["sync"]["jellyfin_id"] is None
    await first.client.close()  # the companion goes away mid-push
    # ...while Jellyfin finishes creating what it was asked to.
    async with asyncio.timeout(30):  # only stops a hang
        while not fake_jellyfin.state.playlists:
            await asyncio.sleep(0.02)
    await fake_log.faults()
    assert fake_jellyfin.state.playlists, "Jellyfin created the twin"
    assert all(MARKER_PREFIX in p.name for p in fake_jellyfin.state.playlists.values()), [
        p.name for p in fake_jellyfin.state.playlists.values()
    ]
    second = await start_companion(
        aiohttp_client, settings, fake_jellyfin, token=first.headers["Authorization"][7:]
    )
    synced = await wait_synced(second, body["id"])
    second.service.outbox.drift_interval = 0
    await second.service.outbox.scan_drift()
    (jid,) = fake_jellyfin.state.playlists
    assert synced["sync"]["jellyfin_id"] == jid
    assert fake_jellyfin.state.playlists[jid].name == "Slow"
    assert twin_items(fake_jellyfin, jid) == items


async def _random_edit(c: Companion, rng: random.Random, pid: int, pool: list[str]) -> None:
    body = await c.call("GET", f"/api/playlists/{pid}")
    have = [i["ref"] for i in body["items"]]
    spare = [r for r in pool if r not in have]
    action = rng.choice(["add", "move", "remove", "rename", "replace"])
    if action == "add" and spare:
        await c.call(
            "POST",
            f"/api/playlists/{pid}/items",
            json={"refs": rng.sample(spare, 2), "position": rng.randint(0, len(have))},
        )
    elif action == "move" and len(have) > 1:
        src, dst = rng.randrange(len(have)), rng.randrange(len(have))
        await c.call("POST", f"/api/playlists/{pid}/move", json={"from": src, "to": dst})
    elif action == "remove" and have:
        await c.call("DELETE", f"/api/playlists/{pid}/items/{rng.randrange(len(have))}")
    elif action == "rename":
        await c.call(
            "PATCH", f"/api/playlists/{pid}", json={"name": f"list {pid} {rng.random():.4f}"}
        )
    else:
        await c.call("PUT", f"/api/playlists/{pid}/items", json={"refs": rng.sample(pool, 8)})


async def test_fifty_playlists_half_failing_with_a_restart(
    aiohttp_client: ClientFactory, settings: Any, fake_jellyfin: Any, fake_log: FakeLog
) -> None:
    """Fifty playlists edited while 50% of playlist calls fail, restarted in the middle."""
    rng = random.Random(6)
    pool = refs(fake_jellyfin, 0, 120)
    first = await start_companion(aiohttp_client, settings, fake_jellyfin)
    await fake_log.faults(error_rate=0.5, paths=["/Playlists"])
    ids = []
    for n in range(50):
        body = await first.call(
            "POST", "/api/playlists", 201, json={"name": f"list {n}", "refs": rng.sample(pool, 10)}
        )
        ids.append(body["id"])
    for pid in rng.sample(ids, 30):
        await _random_edit(first, rng, pid, pool)
    # Restart on the same database with pushes still pending (and some in flight).
    await first.client.close()
    second = await start_companion(
        aiohttp_client, settings, fake_jellyfin, token=first.headers["Authorization"][7:]
    )
    for pid in rng.sample(ids, 30):
        await _random_edit(second, rng, pid, pool)
    # Only a guard against hangs: a loaded machine may take long, a correct one converges.
    async with asyncio.timeout(300):
        while await Playlist.filter(sync_state__not="synced").exists():
            await asyncio.sleep(0.05)
    await fake_log.faults()
    twins = fake_jellyfin.state.playlists
    assert len(twins) == 50
    for pid in ids:
        body = await second.call("GET", f"/api/playlists/{pid}")
        jid = body["sync"]["jellyfin_id"]
        assert twins[jid].name == body["name"]
        assert twin_items(fake_jellyfin, jid) == [i["ref"] for i in body["items"]]
    assert not await PlaylistPush.all().exists()
