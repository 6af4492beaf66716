"""The Jellyfin webhook receiver against what a network and a careless sender really deliver:
bodies split over TCP segments, wrong types, deep nesting, bad header bytes, huge bodies and
the same delivery twice. Bad input gets a 4xx with the JSON error shape and nothing is stored.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from companion import keys
from companion.live.models import WebhookInbox
from companion.testing.jellyfin.webhook import post_in_segments
from webhooks.jellyfin import MAX_BODY

from .test_jellyfin_webhook import ITEM, USER, _headers, _payload, _post, _settle


def _favorite(**extra: Any) -> dict[str, Any]:
    base = {"SaveReason": "UpdateUserRating", "Favorite": True, "UserId": USER}
    return _payload("UserDataSaved", **(base | extra))


async def _raw(client: TestClient[Any, Any], head: bytes, body: bytes) -> tuple[int, bytes]:
    """Send one hand-made HTTP/1.1 request; return the status and the answer's body."""
    assert client.server.host is not None
    reader, writer = await asyncio.open_connection(client.server.host, client.server.port)
    try:
        writer.write(head + body)
        await writer.drain()
        async with asyncio.timeout(30):
            answer = await reader.read()
    finally:
        writer.close()
    status = int(answer.split(b" ", 2)[1])
    return status, answer.split(b"\r\n\r\n", 1)[1]


async def test_a_body_split_over_tcp_segments_is_read_whole(client: TestClient[Any, Any]) -> None:
    headers = await _headers(client)
    body = json.dumps(_favorite()).encode()
    url = str(client.make_url("/webhooks/jellyfin"))
    # The second half leaves a while after the first, as on a slow or lossy network.
    status = await post_in_segments(url, headers, body, pause=0.2)
    assert status == 200
    assert await WebhookInbox.all().count() == 1
    await _settle(client)


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"ItemId": 12}, "ItemId"),
        ({"ItemId": "not-a-guid"}, "ItemId"),
        ({"ItemId": "6213b704a0d954293110f4d561b0f61"}, "ItemId"),  # 31 hex digits
        ({"UserId": ["4be5c1a2b3c44d5e8f9a0b1c2d3e4f50"]}, "UserId"),
        ({"ItemType": 7}, "ItemType"),
        ({"SaveReason": None}, "SaveReason"),
        ({"Favorite": "true"}, "Favorite"),
        ({"PlayCount": "3"}, "PlayCount"),
        ({"Name": {"First": "x"}}, "Name"),
        ({"Overview": ["a", "b"]}, "Overview"),
    ],
)
async def test_wrong_types_are_refused_and_nothing_is_stored(
    client: TestClient[Any, Any], extra: dict[str, Any], field: str
) -> None:
    resp = await _post(client, _favorite(**extra), await _headers(client))
    assert resp.status == 400
    error = (await resp.json())["error"]
    assert error["code"] == "invalid_payload" and field in error["message"]
    assert await WebhookInbox.all().count() == 0


async def test_missing_ids_of_a_playback_event_are_refused(client: TestClient[Any, Any]) -> None:
    body = _payload("PlaybackStart", PlaybackPositionTicks=0)  # no UserId
    resp = await _post(client, body, await _headers(client))
    assert resp.status == 400
    assert "UserId" in (await resp.json())["error"]["message"]
    assert await WebhookInbox.all().count() == 0


async def test_deeply_nested_json_is_refused(client: TestClient[Any, Any]) -> None:
    headers = await _headers(client)
    depth = 100_000
    for body in (
        b"[" * depth + b"]" * depth,
        b'{"NotificationType":"ItemAdded","Overview":' + b"[" * depth + b"]" * depth + b"}",
        json.dumps(_favorite(Tagline={"a": {"b": {"c": {}}}})).encode(),
    ):
        resp = await _post(client, body, headers)
        assert resp.status == 400, body[:60]
        assert (await resp.json())["error"]["code"] == "invalid_payload"
    assert await WebhookInbox.all().count() == 0


async def test_a_secret_header_that_is_not_utf8_is_a_401(client: TestClient[Any, Any]) -> None:
    secret = await client.app[keys.LIVE].secrets.get("jellyfin")
    body = json.dumps(_favorite()).encode()
    head = (
        b"POST /webhooks/jellyfin HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
        + secret.header.encode()
        + b": \xff\xfe"
        + secret.secret.encode()[2:]
        + b"\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
    )
    status, answer = await _raw(client, head, body)
    assert status == 401
    assert json.loads(answer)["error"]["code"] == "invalid_webhook_secret"
    assert secret.secret.encode() not in answer
    assert await WebhookInbox.all().count() == 0


async def test_huge_bodies_get_413_announced_or_chunked(client: TestClient[Any, Any]) -> None:
    headers = await _headers(client)
    huge = json.dumps(_favorite(Overview="x" * MAX_BODY)).encode()
    resp = await _post(client, huge, headers)
    assert resp.status == 413
    assert (await resp.json())["error"]["code"] == "body_too_large"

    # Without a Content-Length the limit is found while reading.
    async def chunks() -> Any:
        for start in range(0, len(huge), 16 * 1024):
            yield huge[start : start + 16 * 1024]

    resp = await client.post("/webhooks/jellyfin", data=chunks(), headers=headers)
    assert resp.status == 413
    assert (await resp.json())["error"]["code"] == "body_too_large"
    assert await WebhookInbox.all().count() == 0
    # Just under the limit is fine.
    fits = _favorite()
    fits["Overview"] = "x" * (MAX_BODY - len(json.dumps(fits).encode()))
    assert (await _post(client, fits, headers)).status == 200


async def test_the_same_delivery_twice_is_stored_once(client: TestClient[Any, Any]) -> None:
    headers = await _headers(client)
    body = _favorite()
    first, second = await asyncio.gather(_post(client, body, headers), _post(client, body, headers))
    answers = sorted([await first.json(), await second.json()], key=len)
    assert answers == [{"ok": True}, {"ok": True, "duplicate": True}]
    assert (await (await _post(client, body, headers)).json())["duplicate"] is True
    assert await WebhookInbox.all().count() == 1
    # The same fact in a new delivery (its own timestamp) is a new body: stored, applied once.
    later = _favorite(UtcTimestamp="2025-03-14T08:27:00.0000000Z")
    assert await (await _post(client, later, headers)).json() == {"ok": True}
    assert await WebhookInbox.all().count() == 2
    await _settle(client)


async def test_a_body_that_states_nothing_used_is_not_stored(client: TestClient[Any, Any]) -> None:
    headers = await _headers(client)
    progress = _payload("UserDataSaved", SaveReason="PlaybackProgress", Favorite=False, UserId=USER)
    video = _payload("PlaybackStart", UserId=USER, ItemType="Movie")
    for body in (progress, video):
        resp = await _post(client, body, headers)
        assert resp.status == 200 and (await resp.json())["ignored"] == body["NotificationType"]
    assert await WebhookInbox.all().count() == 0
    assert ITEM  # the payloads name a real-looking item
