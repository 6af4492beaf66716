"""Jellyfin's socket and webhook feed the overlay once, and clients hear about it live."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import websockets
from aiohttp.test_utils import TestClient

from companion import keys
from companion.history.models import Play, PlaybackState
from companion.library.models import Favorite
from companion.live.models import WebhookInbox
from tests.conftest import settle_live

TICKS = 10_000_000


async def _until(check: Callable[[], Awaitable[bool]], timeout: float = 30) -> None:
    async with asyncio.timeout(timeout):
        while not await check():
            await asyncio.sleep(0.02)


async def _control(fake: Any, method: str, path: str, body: Any = None) -> Any:
    async with (
        aiohttp.ClientSession() as http,
        http.request(method, f"{fake.url}/__fake__{path}", json=body) as resp,
    ):
        assert resp.status < 300, await resp.text()
        return await resp.json() if resp.content_type == "application/json" else None


async def _signed_in(client: TestClient[Any, Any], name: str) -> str:
    resp = await client.post("/api/auth/login", json={"username": name, "password": name})
    assert resp.status == 200
    created = await (await client.post("/api/tokens", json={"name": "ws"})).json()
    await settle_live(client.app)
    return str(created["token"])


async def _ws(client: TestClient[Any, Any], token: str) -> Any:
    url = str(client.make_url("/api/ws")).replace("http://", "ws://")
    conn = await websockets.connect(url)
    await conn.recv()
    await conn.send(json.dumps({"type": "auth", "access_token": token}))
    assert json.loads(await conn.recv())["type"] == "auth_ok"
    await conn.send(json.dumps({"id": 1, "type": "subscribe_events"}))
    assert json.loads(await conn.recv())["success"] is True
    return conn


async def _point_webhook(client: TestClient[Any, Any], fake: Any) -> None:
    secret = await client.app[keys.LIVE].secrets.get("jellyfin")
    await _control(
        fake,
        "PUT",
        "/webhook",
        {
            "url": str(client.make_url("/webhooks/jellyfin")),
            "headers": {secret.header: secret.secret},
        },
    )


async def _applied(client: TestClient[Any, Any], kind: str, source: str, count: int) -> None:
    """Wait until the overlay writer has applied `count` facts of a kind from a source."""
    seen = client.app[keys.LIVE].writer.seen

    async def check() -> bool:
        return int(seen.get(kind, {}).get(source, {}).get("count", 0)) >= count

    await _until(check)


async def test_favorite_from_another_app_arrives_once_over_both_paths(
    jellyfin_app_client: TestClient[Any, Any], fake_jellyfin: Any
) -> None:
    client = jellyfin_app_client
    token = await _signed_in(client, "guest")
    await _point_webhook(client, fake_jellyfin)
    guest = fake_jellyfin.user_id("guest")
    conn = await _ws(client, token)
    received: list[dict[str, Any]] = []
    reader = asyncio.ensure_future(_collect(conn, received))
    try:
        track = fake_jellyfin.library.tracks[3]
        await _control(fake_jellyfin, "POST", f"/users/guest/favorites/{track.id}")
        # Both the socket's UserDataChanged and the webhook's UserDataSaved are applied...
        await _applied(client, "favorites", "socket", 1)
        await _applied(client, "favorites", "webhook", 1)
        # ...and the clients heard of it once.
        await _until(lambda: _favorite_events(received, 1))
        events = [e for e in received if e["type"] == "favorite.changed"]
        assert len(events) == 1
        assert (
            events[0]["data"]["ref"] == f"jellyfin:{track.id}"
            and events[0]["data"]["favorite"] is True
        )
        assert await Favorite.filter(user_id=guest).count() == 1
        await _control(fake_jellyfin, "DELETE", f"/users/guest/favorites/{track.id}")
        await _until(lambda: _not(Favorite.filter(user_id=guest).exists()))
        await _applied(client, "favorites", "socket", 2)
        await _applied(client, "favorites", "webhook", 2)
        await _until(lambda: _favorite_events(received, 2))
        events = [e for e in received if e["type"] == "favorite.changed"]
        assert [e["data"]["favorite"] for e in events] == [True, False]
    finally:
        reader.cancel()
        await conn.close()


async def _collect(conn: Any, into: list[dict[str, Any]]) -> None:
    while True:
        into.append(json.loads(await conn.recv())["event"])


async def _favorite_events(received: list[dict[str, Any]], count: int) -> bool:
    # The websocket fan-out runs after the writer: wait for the event to reach the client.
    return sum(e["type"] == "favorite.changed" for e in received) >= count


async def _not(value: Awaitable[bool]) -> bool:
    return not await value


async def test_playback_state_history_and_get_states(
    jellyfin_app_client: TestClient[Any, Any], fake_jellyfin: Any
) -> None:
    client = jellyfin_app_client
    token = await _signed_in(client, "guest")
    await _point_webhook(client, fake_jellyfin)
    guest = fake_jellyfin.user_id("guest")
    track = fake_jellyfin.library.tracks[5]
    runtime = track.runtime_ticks
    conn = await _ws(client, token)
    try:
        await _control(
            fake_jellyfin,
            "POST",
            "/users/guest/playback",
            {
                "item_id": track.id,
                "event": "start",
                "position_ticks": 0,
                "device": "Kitchen",
                "client": "Finamp",
            },
        )
        await _until(lambda: PlaybackState.filter(user_id=guest, state="playing").exists())
        await conn.send(json.dumps({"id": 7, "type": "get_states"}))
        while True:
            message = json.loads(await asyncio.wait_for(conn.recv(), 30))
            if message.get("id") == 7 and message["type"] == "result":
                break
        (state,) = message["result"]
        assert state["ref"] == f"jellyfin:{track.id}" and state["device_name"] == "Kitchen"
        playing = await (await client.get("/api/playback")).json()
        assert playing["sessions"][0]["state"] == "playing"
        await _control(
            fake_jellyfin,
            "POST",
            "/users/guest/playback",
            {
                "item_id": track.id,
                "event": "stop",
                "position_ticks": runtime,
                "device": "Kitchen",
                "client": "Finamp",
            },
        )
        # Every webhook the fake sent for this listen has been applied: then count the rows.
        await _until(
            lambda: WebhookInbox.filter(
                payload__contains='"PlaybackStop"', processed_at__not_isnull=True
            ).exists()
        )
        await _until(lambda: _not(WebhookInbox.filter(processed_at=None).exists()))
        assert await Play.filter(user_id=guest).count() == 1
        plays = await (await client.get("/api/history")).json()
        assert plays["total"] == 1 and plays["items"][0]["counted"] is True
        assert plays["items"][0]["title"] == track.name
        top = await (await client.get("/api/history/top?period=week")).json()
        assert top["tracks"][0]["plays"] == 1
        assert (await client.get("/api/history/top?period=decade")).status == 400
        assert (await (await client.get("/api/playback")).json())["sessions"] == []
    finally:
        await conn.close()


async def test_reconcile_after_an_outage(
    jellyfin_app_client: TestClient[Any, Any], fake_jellyfin: Any
) -> None:
    client = jellyfin_app_client
    await _signed_in(client, "guest")
    guest = fake_jellyfin.user_id("guest")
    track, old = fake_jellyfin.library.tracks[9], fake_jellyfin.library.tracks[10]
    album = fake_jellyfin.library.albums[2]
    played = fake_jellyfin.library.tracks[11]
    await _control(fake_jellyfin, "POST", f"/users/guest/favorites/{old.id}")
    await _until(lambda: Favorite.filter(user_id=guest, item_id=old.id).exists())
    # The socket is cut and no webhook is configured: the changes can only come from the
    # reconcile after reconnecting, which compares Jellyfin's state with the overlay.
    sockets = client.app[keys.LIVE].sockets
    await _control(fake_jellyfin, "PUT", "/faults", {"drop_sockets": True})
    await _until(lambda: _all_down(sockets.status()))
    await _control(fake_jellyfin, "POST", f"/users/guest/favorites/{track.id}")
    await _control(fake_jellyfin, "POST", f"/users/guest/favorites/{album.id}")
    await _control(fake_jellyfin, "DELETE", f"/users/guest/favorites/{old.id}")
    # A whole listen while away: Jellyfin records it (LastPlayedDate), nobody tells us.
    for event in ("start", "stop"):
        body = {"item_id": played.id, "event": event, "device": "Car"}
        await _control(fake_jellyfin, "POST", "/users/guest/playback", body)
    async with aiohttp.ClientSession() as http:
        await http.delete(f"{fake_jellyfin.url}/__fake__/requests")
    await _control(fake_jellyfin, "DELETE", "/faults")
    await _until(lambda: Favorite.filter(user_id=guest, item_id=track.id).exists(), timeout=30)
    await _until(lambda: _not(Favorite.filter(user_id=guest, item_id=old.id).exists()))
    await _until(lambda: Play.filter(user_id=guest, item_id=played.id).exists())
    for item_id in (track.id, album.id):
        row = await Favorite.get(user_id=guest, item_id=item_id)
        assert row.source == "reconcile"
    assert (await Favorite.get(user_id=guest, item_id=album.id)).item_type == "MusicAlbum"
    play = await Play.get(user_id=guest, item_id=played.id)
    assert play.source == "reconcile" and play.counted
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{fake_jellyfin.url}/__fake__/requests") as resp,
    ):
        log = await resp.json()
    # State, not "changes since": favorite ids and recent plays, three calls for the user.
    reconcile = [r for r in log if "isFavorite" in r["query"] or "isPlayed" in r["query"]]
    assert len(reconcile) == 3, reconcile
    assert not any("minDateLastSavedForUser" in r["query"] for r in log)
    assert all(r["query"].get("enableImages") == "false" for r in reconcile)


async def _all_down(status: dict[str, Any]) -> bool:
    return all(not s["connected"] for s in status["sockets"].values())
