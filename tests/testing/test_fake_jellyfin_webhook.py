"""Webhook plugin emulation: Generic destination, Send All Properties, escaping quirk."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from companion.testing.jellyfin import FakeJellyfin
from companion.testing.serving import serve
from tests.e2e.procs import free_port

from .conftest import login, mb_header


class Receiver:
    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.event = asyncio.Event()
        self.url = ""

    async def handle(self, request: web.Request) -> web.Response:
        raw = await request.text()
        self.calls.append({"headers": dict(request.headers), "raw": raw, "json": json.loads(raw)})
        self.event.set()
        return web.Response(status=204)

    async def wait_for(
        self, ntype: str, count: int = 1, timeout: float = 30
    ) -> list[dict[str, Any]]:
        async with asyncio.timeout(timeout):
            while True:
                found = [c for c in self.calls if c["json"]["NotificationType"] == ntype]
                if len(found) >= count:
                    return found
                self.event.clear()
                await self.event.wait()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    rec = Receiver()
    app = web.Application()
    app.router.add_post("/hook", rec.handle)
    runner, port = await serve(app)
    rec.url = f"http://127.0.0.1:{port}/hook"
    yield rec
    await runner.cleanup()


async def configure(
    http: aiohttp.ClientSession, fake: FakeJellyfin, rec: Receiver, **extra: Any
) -> None:
    body = {
        "url": rec.url,
        "headers": {"X-Webhook-Secret": "s3cret"},
        "send_all_properties": True,
        **extra,
    }
    async with http.put(f"{fake.url}/__fake__/webhook", json=body) as r:
        assert r.status == 204


async def test_user_data_saved_text_plain_and_escaping(
    fake: FakeJellyfin, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    await configure(http, fake, receiver)
    quoted = next(t for t in fake.library.tracks if '"' in t.name)
    async with http.post(f"{fake.url}/__fake__/users/demo/favorites/{quoted.id}") as r:
        assert r.status == 200
    call = (await receiver.wait_for("UserDataSaved"))[0]
    h = call["headers"]
    assert h["Content-Type"] == "text/plain; charset=utf-8"
    assert h["User-Agent"] == "Jellyfin-Server/10.10.7"
    assert h["X-Webhook-Secret"] == "s3cret"
    body = call["json"]
    keys = list(body)
    assert keys[:5] == ["ServerId", "ServerName", "ServerVersion", "ServerUrl", "NotificationType"]
    assert keys[5:8] == ["Timestamp", "UtcTimestamp", "Name"]
    assert keys[-3:] == ["SaveReason", "NotificationUsername", "UserId"]
    assert body["SaveReason"] == "UpdateUserRating" and body["Favorite"] is True
    assert body["ItemType"] == "Audio" and body["ItemId"] == quoted.id
    assert body["Name"] == quoted.name.replace(
        '"', '\\"'
    )  # literal backslash survives JSON decoding
    assert '\\\\\\"' in call["raw"]
    assert body["Audio_0_Language"] is None and "Audio_0_Codec" in body
    assert body["RunTime"].count(":") == 2 and body["UtcTimestamp"].endswith("Z")
    assert body["Timestamp"][-6] in "+-"
    assert body["Rating"] == 0 and body["AudioStreamIndex"] == -1


async def test_playback_and_json_content_type(
    fake: FakeJellyfin, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    await configure(http, fake, receiver, headers={"Content-Type": "application/json"})
    t = fake.library.tracks[0]
    tok = (await login(http, fake.url))["AccessToken"]
    h = {"Authorization": mb_header(tok)}
    async with http.post(
        f"{fake.url}/Sessions/Playing", headers=h, json={"ItemId": t.id, "PositionTicks": 0}
    ) as r:
        assert r.status == 204
    async with http.post(
        f"{fake.url}/Sessions/Playing/Progress",
        headers=h,
        json={"ItemId": t.id, "PositionTicks": 10**8},
    ) as r:
        assert r.status == 204
    async with http.post(
        f"{fake.url}/Sessions/Playing/Stopped",
        headers=h,
        json={"ItemId": t.id, "PositionTicks": t.runtime_ticks},
    ) as r:
        assert r.status == 204
    stop = (await receiver.wait_for("PlaybackStop"))[0]
    assert stop["headers"]["Content-Type"] == "application/json; charset=utf-8"
    assert (
        stop["json"]["PlayedToCompletion"] is True
        and stop["json"]["NotificationUsername"] == "demo"
    )
    start = (await receiver.wait_for("PlaybackStart"))[0]["json"]
    assert start["ClientName"] == "pytest" and start["UserId"] == fake.user_id("demo")
    reasons = [c["json"]["SaveReason"] for c in await receiver.wait_for("UserDataSaved", 3)]
    assert reasons == ["PlaybackStart", "PlaybackProgress", "PlaybackFinished"]
    order = [c["json"]["NotificationType"] for c in receiver.calls]
    assert (
        order.index("PlaybackStart") < order.index("PlaybackProgress") < order.index("PlaybackStop")
    )
    ud = await (await http.get(f"{fake.url}/UserItems/{t.id}/UserData", headers=h)).json()
    assert ud["PlayCount"] == 1 and ud["Played"] is True and ud["LastPlayedDate"]


async def test_item_added_deleted_gate_and_task(
    fake: FakeJellyfin, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    await configure(http, fake, receiver, enable_albums=False)
    async with http.post(
        f"{fake.url}/__fake__/library/tracks",
        json={"artist": "Новый", "album": "Первый", "title": 'Say "Hi"'},
    ) as r:
        tid = (await r.json())["id"]
    added = await receiver.wait_for("ItemAdded")
    assert added[0]["json"]["ItemId"] == tid and added[0]["json"]["Artist"] == "Новый"
    async with http.delete(f"{fake.url}/__fake__/library/tracks/{tid}") as r:
        assert r.status == 204
    deleted = (await receiver.wait_for("ItemDeleted"))[0]["json"]
    assert deleted["ItemId"] == tid and deleted["Album"] == "Первый"
    # Deliveries go out one at a time in order: an album's ItemAdded, queued with the track's,
    # would have come before this later ItemDeleted. Albums are not ticked, so none did.
    assert [
        c["json"]["ItemType"]
        for c in receiver.calls
        if c["json"]["NotificationType"] == "ItemAdded"
    ] == ["Audio"]
    async with http.post(
        f"{fake.url}/Library/Refresh", params={"ApiKey": fake.add_api_key("x")}
    ) as r:
        assert r.status == 204
    task = (await receiver.wait_for("TaskCompleted"))[0]["json"]
    assert (
        task["ResultKey"] == "RefreshLibrary"
        and task["TaskId"] == "7738148ffcd07979c7ceb148e06b3aed"
    )


async def test_failed_delivery_is_not_retried(
    fake: FakeJellyfin, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    unreachable = f"http://127.0.0.1:{free_port()}/nothing"
    async with http.put(f"{fake.url}/__fake__/webhook", json={"url": unreachable}) as r:
        assert r.status == 204
    first, second = fake.library.tracks[0], fake.library.tracks[1]
    async with http.post(f"{fake.url}/__fake__/users/demo/favorites/{first.id}") as r:
        assert r.status == 200
    async with asyncio.timeout(30):  # only stops a hang
        while not fake.state.webhook_log:
            await asyncio.sleep(0.01)
    # A later save delivered to a working receiver: the deliverer has moved past the failure.
    await configure(http, fake, receiver)
    async with http.post(f"{fake.url}/__fake__/users/demo/favorites/{second.id}") as r:
        assert r.status == 200
    (call,) = await receiver.wait_for("UserDataSaved")
    assert call["json"]["ItemId"] == second.id
    assert [e["url"] for e in fake.state.webhook_log] == [unreachable, receiver.url]


async def test_task_completed_has_no_timestamp(
    fake: FakeJellyfin, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    await configure(http, fake, receiver)
    async with http.post(f"{fake.url}/Library/Refresh", params={"ApiKey": fake.add_api_key("t")}):
        pass
    task = (await receiver.wait_for("TaskCompleted"))[0]["json"]
    assert "Timestamp" not in task and "UtcTimestamp" not in task
    assert task["ResultStatus"] == "Completed"


async def test_short_song_skipped_at_30_percent_is_played_to_completion(
    fake: FakeJellyfin, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    await configure(http, fake, receiver)
    short = next(t for t in fake.library.tracks if t.runtime_ticks < 240 * 10**7)
    long = next(t for t in fake.library.tracks if t.runtime_ticks > 360 * 10**7)
    for t in (short, long):
        for event, pos in (("start", 0), ("stop", int(t.runtime_ticks * 0.3))):
            body = {"item_id": t.id, "event": event, "position_ticks": pos}
            async with http.post(f"{fake.url}/__fake__/users/demo/playback", json=body) as r:
                assert r.status == 200
    stops = {c["json"]["ItemId"]: c["json"] for c in await receiver.wait_for("PlaybackStop", 2)}
    # UpdatePlayState: shorter than MinResumeDurationSeconds (300 s) and past 5 %: completed.
    assert stops[short.id]["PlayedToCompletion"] is True
    assert stops[long.id]["PlayedToCompletion"] is False
    saved = [c["json"] for c in await receiver.wait_for("UserDataSaved", 4)]
    finished = {d["ItemId"]: d for d in saved if d["SaveReason"] == "PlaybackFinished"}
    assert finished[short.id]["Played"] is True and finished[short.id]["PlayCount"] == 1


async def test_out_of_order_delivery(
    fake: FakeJellyfin, http: aiohttp.ClientSession, receiver: Receiver
) -> None:
    await configure(http, fake, receiver, out_of_order=True)
    t = fake.library.tracks[0]
    for method in ("POST", "DELETE"):
        async with http.request(method, f"{fake.url}/__fake__/users/demo/favorites/{t.id}") as r:
            assert r.status == 200
    saved = await receiver.wait_for("UserDataSaved", 2)
    # The unfavorite (sent last) arrives first.
    assert [c["json"]["Favorite"] for c in saved] == [False, True]


async def test_split_body_defeats_a_receiver_that_reads_what_has_arrived(
    fake: FakeJellyfin, http: aiohttp.ClientSession
) -> None:
    seen: list[tuple[int, int, bytes]] = []
    done = asyncio.Event()

    async def hasty(request: web.Request) -> web.Response:
        first = await request.content.read(1 << 20)  # only the bytes already buffered
        rest = await request.read() if not request.content.at_eof() else b""
        seen.append((request.content_length or 0, len(first), first + rest))
        done.set()
        return web.Response(status=204)

    app = web.Application()
    app.router.add_post("/hook", hasty)
    runner, port = await serve(app)
    try:
        body = {"url": f"http://127.0.0.1:{port}/hook", "split_body": True}
        async with http.put(f"{fake.url}/__fake__/webhook", json=body) as r:
            assert r.status == 204
        t = fake.library.tracks[0]
        async with http.post(f"{fake.url}/__fake__/users/demo/favorites/{t.id}") as r:
            assert r.status == 200
        async with asyncio.timeout(30):
            await done.wait()
    finally:
        await runner.cleanup()
    declared, first_read, whole = seen[0]
    assert first_read < declared == len(whole)  # the first read got part of the body
    assert json.loads(whole)["NotificationType"] == "UserDataSaved"
