"""Websocket: 403 before upgrade, keepalive, targeting, subscriptions and debounced pushes."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest

from companion.testing.jellyfin import FAKE_API_KEY, FakeJellyfin

from .conftest import FakeFactory, login, mb_header


async def recv(
    ws: aiohttp.ClientWebSocketResponse, kind: str, timeout: float = 30.0
) -> dict[str, Any]:
    """Wait for the next message of a type, skipping others."""
    async with asyncio.timeout(timeout):
        while True:
            msg = await ws.receive()
            assert msg.type == aiohttp.WSMsgType.TEXT, msg
            data: dict[str, Any] = json.loads(msg.data)
            if data["MessageType"] == kind:
                return data


async def barrier(ws: aiohttp.ClientWebSocketResponse) -> list[str]:
    """Send a KeepAlive and return the kinds of every message received before its reply.

    The server reads a socket's messages in order and answers a KeepAlive at once: once the
    reply is here, whatever the server sent before it (or did for earlier messages) is too.
    """
    await ws.send_str(json.dumps({"MessageType": "KeepAlive"}))
    kinds: list[str] = []
    async with asyncio.timeout(30):  # only stops a hang
        while True:
            msg = await ws.receive()
            assert msg.type == aiohttp.WSMsgType.TEXT, msg
            kind = json.loads(msg.data)["MessageType"]
            if kind == "KeepAlive":
                return kinds
            kinds.append(kind)


async def nothing(ws: aiohttp.ClientWebSocketResponse, kind: str) -> None:
    """Assert no message of this kind came before a KeepAlive round trip."""
    assert kind not in await barrier(ws)


async def test_socket_rejects_bad_token(fake: FakeJellyfin, http: aiohttp.ClientSession) -> None:
    for params in ({}, {"ApiKey": "0" * 32}):
        with pytest.raises(aiohttp.WSServerHandshakeError) as exc:
            await http.ws_connect(f"{fake.url}/socket", params=params)
        assert exc.value.status == 403
    async with http.get(
        f"{fake.url}/socket",
        params={"ApiKey": "0" * 32},
        headers={
            "Upgrade": "websocket",
            "Connection": "Upgrade",
            "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
        },
    ) as r:
        assert r.status == 403 and await r.text() == "Error processing request."


async def test_api_key_socket_versions(make_fake: FakeFactory, http: aiohttp.ClientSession) -> None:
    f12 = await make_fake(version="12.0.0")
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await http.ws_connect(f"{f12.url}/socket", params={"api_key": FAKE_API_KEY})
    async with http.ws_connect(f"{f12.url}/socket", params={"ApiKey": FAKE_API_KEY}) as ws:
        assert (await recv(ws, "ForceKeepAlive"))["Data"] == 60
    f10 = await make_fake(version="10.10.7")
    async with http.ws_connect(f"{f10.url}/socket", params={"api_key": FAKE_API_KEY}) as ws:
        await nothing(ws, "ForceKeepAlive")  # no session for API keys on 10.10


async def test_keepalive_and_reaping(make_fake: FakeFactory, http: aiohttp.ClientSession) -> None:
    fake = await make_fake(socket_timeout=0.6)
    tok = (await login(http, fake.url))["AccessToken"]
    async with http.ws_connect(
        f"{fake.url}/socket", headers={"Authorization": mb_header(tok)}
    ) as ws:
        first = await recv(ws, "ForceKeepAlive")
        assert len(first["MessageId"]) == 32
        await ws.send_str("{not json")  # ignored
        await ws.send_str(json.dumps({"MessageType": "KeepAlive"}))
        reply = await recv(ws, "KeepAlive")
        assert "Data" not in reply
        # then stay silent: the server closes the socket after the timeout
        async with asyncio.timeout(30):
            while True:
                msg = await ws.receive()
                if msg.type in (
                    aiohttp.WSMsgType.CLOSE,
                    aiohttp.WSMsgType.CLOSED,
                    aiohttp.WSMsgType.CLOSING,
                ):
                    break


async def test_user_data_changed_only_to_own_user(
    fake: FakeJellyfin, http: aiohttp.ClientSession
) -> None:
    demo = (await login(http, fake.url))["AccessToken"]
    guest = (await login(http, fake.url, "guest", "guest", "g"))["AccessToken"]
    t = fake.library.tracks[0]
    async with (
        http.ws_connect(f"{fake.url}/socket", params={"ApiKey": demo}) as ws_demo,
        http.ws_connect(
            f"{fake.url}/socket", headers={"Authorization": mb_header(guest, "g")}
        ) as ws_guest,
        http.ws_connect(f"{fake.url}/socket", params={"ApiKey": FAKE_API_KEY}) as ws_key,
    ):
        async with http.post(f"{fake.url}/__fake__/users/demo/favorites/{t.id}") as r:
            assert r.status == 200
        msg = await recv(ws_demo, "UserDataChanged")
        data = msg["Data"]
        assert data["UserId"] == fake.user_id("demo")
        ids = [d["ItemId"] for d in data["UserDataList"]]
        assert ids == [t.id, t.album_id]  # the album's user data rides along
        assert data["UserDataList"][0]["IsFavorite"] is True
        assert "UnplayedItemCount" in data["UserDataList"][1]
        # Sent in the same flush as demo's, so a wrongly routed copy would precede the barrier.
        await nothing(ws_guest, "UserDataChanged")
        await nothing(ws_key, "UserDataChanged")
        # progress saves are ignored by the notifier: the next change's message is only that one
        body = {"item_id": t.id, "event": "progress", "position_ticks": 10**7}
        async with http.post(f"{fake.url}/__fake__/users/demo/playback", json=body) as r:
            assert r.status == 200
        other = fake.library.tracks[1]
        async with http.post(f"{fake.url}/__fake__/users/demo/favorites/{other.id}") as r:
            assert r.status == 200
        msg = await recv(ws_demo, "UserDataChanged")
        assert t.id not in [d["ItemId"] for d in msg["Data"]["UserDataList"]]
        assert msg["Data"]["UserDataList"][0]["ItemId"] == other.id


async def test_library_changed_after_add_and_remove(
    fake: FakeJellyfin, http: aiohttp.ClientSession
) -> None:
    tok = (await login(http, fake.url))["AccessToken"]
    async with (
        http.ws_connect(f"{fake.url}/socket", params={"ApiKey": tok}) as ws,
        http.ws_connect(f"{fake.url}/socket", params={"ApiKey": FAKE_API_KEY}) as ws_key,
    ):
        body = {
            "artist": "Sigur Rós",
            "album": "Ágætis byrjun",
            "title": "Svefn-g-englar",
            "year": 1999,
        }
        async with http.post(f"{fake.url}/__fake__/library/tracks", json=body) as r:
            new_id = (await r.json())["id"]
        msg = await recv(ws, "LibraryChanged")
        data = msg["Data"]
        assert new_id in data["ItemsAdded"] and new_id not in data["ItemsUpdated"]
        assert set(data) == {
            "FoldersAddedTo",
            "FoldersRemovedFrom",
            "ItemsAdded",
            "ItemsRemoved",
            "ItemsUpdated",
            "CollectionFolders",
        }
        await nothing(ws_key, "LibraryChanged")  # sent to every socket at once
        async with http.delete(f"{fake.url}/__fake__/library/tracks/{new_id}") as r:
            assert r.status == 204
        msg = await recv(ws, "LibraryChanged")
        assert new_id in msg["Data"]["ItemsRemoved"]


async def test_sessions_subscription_and_scan(
    fake: FakeJellyfin, http: aiohttp.ClientSession
) -> None:
    tok = (await login(http, fake.url))["AccessToken"]
    t = fake.library.tracks[0]
    async with http.ws_connect(f"{fake.url}/socket", params={"ApiKey": tok}) as ws:
        await ws.send_str(json.dumps({"MessageType": "SessionsStart"}))  # no Data: ignored
        async with http.post(
            f"{fake.url}/__fake__/users/demo/playback",
            json={"item_id": t.id, "event": "start", "device": "Phone"},
        ) as r:
            assert r.status == 200
        await nothing(ws, "Sessions")
        # The data-less SessionsStart was read before the barrier's KeepAlive: it subscribed none.
        assert all(c.sessions_interval is None for c in fake.hub.conns)
        await ws.send_str(json.dumps({"MessageType": "SessionsStart", "Data": "0,1500"}))
        await barrier(ws)  # the subscription is in place before the playback below
        async with http.post(
            f"{fake.url}/__fake__/users/demo/playback",
            json={"item_id": t.id, "event": "stop", "device": "Phone"},
        ) as r:
            assert r.status == 200
        sessions = (await recv(ws, "Sessions"))["Data"]
        phone = next(s for s in sessions if s["DeviceName"] == "Phone")
        assert phone["SupportsRemoteControl"] is True and phone["UserName"] == "demo"
        async with http.post(f"{fake.url}/Library/Refresh", params={"ApiKey": tok}) as r:
            assert r.status == 204
        ended = (await recv(ws, "ScheduledTaskEnded", 3))["Data"]
        assert ended["Key"] == "RefreshLibrary" and ended["Status"] == "Completed"
    async with http.get(
        f"{fake.url}/ScheduledTasks/7738148ffcd07979c7ceb148e06b3aed", params={"ApiKey": tok}
    ) as r:
        task = await r.json()
        assert task["State"] == "Idle" and task["LastExecutionResult"]["Key"] == "RefreshLibrary"


async def test_restart_and_drop_sockets(fake: FakeJellyfin, http: aiohttp.ClientSession) -> None:
    tok = (await login(http, fake.url))["AccessToken"]
    # Every session's socket hears ServerRestarting; a 10.10 API-key socket has no session.
    async with (
        http.ws_connect(f"{fake.url}/socket", params={"ApiKey": tok}) as ws,
        http.ws_connect(f"{fake.url}/socket", params={"ApiKey": FAKE_API_KEY}) as ws_key,
    ):
        async with http.post(f"{fake.url}/__fake__/restart") as r:
            assert r.status == 204
        assert (await recv(ws, "ServerRestarting"))["Data"] == ""
        assert (await ws_key.receive()).type == aiohttp.WSMsgType.CLOSE
    async with http.put(f"{fake.url}/__fake__/faults", json={"drop_sockets": True}) as r:
        assert r.status == 204
    with pytest.raises(aiohttp.WSServerHandshakeError):
        await http.ws_connect(f"{fake.url}/socket", params={"ApiKey": FAKE_API_KEY})
    async with http.delete(f"{fake.url}/__fake__/faults") as r:
        assert r.status == 204
    ws2 = await http.ws_connect(f"{fake.url}/socket", params={"ApiKey": FAKE_API_KEY})
    await ws2.close()
