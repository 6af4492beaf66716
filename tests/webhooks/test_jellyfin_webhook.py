"""The Jellyfin Webhook plugin receiver, fed the bodies the plugin really sends."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient

from companion import keys
from companion.events import Event
from companion.history.models import Play
from companion.library.models import Favorite
from companion.live.models import WebhookInbox

USER = "4be5c1a2b3c44d5e8f9a0b1c2d3e4f50"
ITEM = "6213b704a0d954293110f4d561b0f614"


def _payload(kind: str, **extra: Any) -> dict[str, Any]:
    base = {
        "ServerId": "a3f1c0d2e4b54f6a8b9c0d1e2f3a4b5c",
        "ServerName": "jelly",
        "ServerVersion": "10.10.7",
        "ServerUrl": "",
        "NotificationType": kind,
        "Timestamp": "2025-03-14T09:26:53.5897932+01:00",
        "UtcTimestamp": "2025-03-14T08:26:53.5898011Z",
        "Name": 'Say \\"Hello\\"',
        "Overview": "",
        "Tagline": "",
        "ItemId": ITEM,
        "ItemType": "Audio",
        "RunTimeTicks": 3836000000,
        "RunTime": "00:06:23",
        "Album": "OK Computer",
        "Artist": "Radiohead",
    }
    base.update(extra)
    return base


async def _headers(client: TestClient[Any, Any]) -> dict[str, str]:
    secret = await client.app[keys.LIVE].secrets.get("jellyfin")
    return {secret.header: secret.secret, "Content-Type": "text/plain; charset=utf-8"}


async def _post(client: TestClient[Any, Any], body: Any, headers: dict[str, str]) -> Any:
    data = body if isinstance(body, bytes) else json.dumps(body, separators=(",", ":")).encode()
    return await client.post("/webhooks/jellyfin", data=data, headers=headers)


async def _settle(client: TestClient[Any, Any]) -> None:
    await client.app[keys.LIVE].inbox.drain()


async def test_secret_is_required(client: TestClient[Any, Any]) -> None:
    body = _payload("UserDataSaved", SaveReason="UpdateUserRating", Favorite=True, UserId=USER)
    resp = await _post(client, body, {})
    assert resp.status == 401
    assert (await resp.json())["error"]["code"] == "invalid_webhook_secret"
    headers = await _headers(client)
    headers[next(iter(headers))] = "wrong"
    assert (await _post(client, body, headers)).status == 401
    assert await WebhookInbox.all().count() == 0


async def test_bad_bodies(client: TestClient[Any, Any]) -> None:
    headers = await _headers(client)
    for body, status in (
        (b"{nope", 400),
        (b"[1]", 400),
        (b'{"Name":"x"}', 400),
        (b"\xff\xfe", 400),
    ):
        resp = await _post(client, body, headers)
        assert resp.status == status, body
        assert (await resp.json())["error"]["code"] == "invalid_payload"
    huge = b'{"NotificationType":"ItemAdded","Overview":"' + b"x" * (256 * 1024) + b'"}'
    resp = await _post(client, huge, headers)
    assert resp.status == 413
    assert await WebhookInbox.all().count() == 0


async def test_ignored_types_are_not_stored(client: TestClient[Any, Any]) -> None:
    resp = await _post(client, _payload("AuthenticationSuccess"), await _headers(client))
    assert resp.status == 200
    assert (await resp.json())["ignored"] == "AuthenticationSuccess"
    assert await WebhookInbox.all().count() == 0


async def test_favorite_webhook_updates_overlay_once(client: TestClient[Any, Any]) -> None:
    stream = client.app[keys.BUS].stream(["favorite.changed", "test.marker"])
    headers = await _headers(client)
    # Templates send hyphenated GUIDs; the same fact twice must change nothing the second time.
    hyphenated = "4be5c1a2-b3c4-4d5e-8f9a-0b1c2d3e4f50"
    for user in (USER, hyphenated):
        body = _payload(
            "UserDataSaved", SaveReason="UpdateUserRating", Favorite=True, UserId=user, PlayCount=3
        )
        assert (await _post(client, body, headers)).status == 200
    await _settle(client)
    # Everything published so far, then a marker: read up to it.
    client.app[keys.BUS].publish(Event("test.marker", {}))
    events: list[Event] = []
    while not events or events[-1].type != "test.marker":
        events += await stream.get_batch()
    events.pop()
    assert await Favorite.filter(user_id=USER, item_id=ITEM).count() == 1
    assert len(events) == 1
    assert (
        events[0].user_id == USER
        and events[0].data["favorite"] is True
        and events[0].source == "webhook"
    )
    # Progress saves carry the flag too but must not be read as a toggle.
    body = _payload("UserDataSaved", SaveReason="PlaybackProgress", Favorite=False, UserId=USER)
    await _post(client, body, headers)
    await _settle(client)
    assert await Favorite.filter(user_id=USER).count() == 1


async def test_playback_records_a_counted_play(client: TestClient[Any, Any]) -> None:
    headers = await _headers(client)
    common = {
        "UserId": USER,
        "Id": "5c0e9f1b2a3d4c5b6a7980e1f2d3c4b5",
        "DeviceName": 'Alice\\"s Pixel',
        "ClientName": "Finamp",
        "DeviceId": "d6f8",
    }
    await _post(
        client,
        _payload("PlaybackStart", PlaybackPositionTicks=0, IsPaused=False, **common),
        headers,
    )
    stop = _payload(
        "PlaybackStop",
        UtcTimestamp="2025-03-14T08:33:16.0000000Z",
        PlaybackPositionTicks=3836000000,
        PlayedToCompletion=True,
        **common,
    )
    await _post(client, stop, headers)
    await _post(client, stop, headers)
    await _settle(client)
    plays = await Play.all()
    assert len(plays) == 1
    assert plays[0].counted and plays[0].completed and plays[0].device_name == 'Alice"s Pixel'


async def test_stored_before_answer_and_applied_after_restart(client: TestClient[Any, Any]) -> None:
    live = client.app[keys.LIVE]
    await live.inbox.stop()
    body = _payload("UserDataSaved", SaveReason="UpdateUserRating", Favorite=True, UserId=USER)
    assert (await _post(client, body, await _headers(client))).status == 200
    assert await WebhookInbox.filter(processed_at=None).count() == 1
    assert await Favorite.all().count() == 0
    live.inbox.start()
    for _ in range(1500):
        if await Favorite.all().count():
            break
        await asyncio.sleep(0.02)
    assert await Favorite.all().count() == 1
    assert await WebhookInbox.filter(processed_at=None).count() == 0


async def test_settings_show_url_secret_and_instructions(
    client: TestClient[Any, Any], admin_headers: dict[str, str]
) -> None:
    body = await (await client.get("/api/settings/webhooks/jellyfin", headers=admin_headers)).json()
    assert body["url"].endswith("/webhooks/jellyfin") and body["header"] == "X-Webhook-Secret"
    assert any(body["secret"] in line for line in body["instructions"])
    rotated = await (
        await client.post("/api/settings/webhooks/jellyfin/rotate", headers=admin_headers)
    ).json()
    assert rotated["secret"] != body["secret"]
    resp = await _post(client, _payload("ItemAdded"), {"X-Webhook-Secret": body["secret"]})
    assert resp.status == 401
    changed = await client.put(
        "/api/settings/webhooks/jellyfin", json={"header": "Authorization x"}, headers=admin_headers
    )
    assert changed.status == 400


async def test_the_fake_plugin_end_to_end(
    jellyfin_app_client: TestClient[Any, Any], fake_jellyfin: Any
) -> None:
    client = jellyfin_app_client
    secret = await client.app[keys.LIVE].secrets.get("jellyfin")
    track = fake_jellyfin.library.tracks[0]
    async with aiohttp.ClientSession() as http:
        await http.put(
            f"{fake_jellyfin.url}/__fake__/webhook",
            json={
                "url": str(client.make_url("/webhooks/jellyfin")),
                "headers": {secret.header: secret.secret},
            },
        )
        await http.post(f"{fake_jellyfin.url}/__fake__/users/guest/favorites/{track.id}")
        for _ in range(600):
            if await Favorite.filter(item_id=track.id).exists():
                break
            await asyncio.sleep(0.05)
    row = await Favorite.get(item_id=track.id)
    assert row.user_id == fake_jellyfin.user_id("guest") and row.source == "webhook"
