"""Favorites written through to the fake Jellyfin and listed live from it."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
from aiohttp.test_utils import TestClient

from companion import keys
from companion.testing.jellyfin import FAKE_API_KEY

Client = TestClient[Any, Any]


async def _jellyfin_favorites(fake: Any, user: str, kind: str = "Audio") -> list[str]:
    """What Jellyfin itself says the user's favorites are (GET /Items?isFavorite=true)."""
    headers = {
        "Authorization": f'MediaBrowser Client="t", Device="t", DeviceId="t", Version="1", Token="{FAKE_API_KEY}"'
    }
    params = {
        "userId": fake.user_id(user),
        "isFavorite": "true",
        "recursive": "true",
        "includeItemTypes": kind,
    }
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{fake.url}/Items", params=params, headers=headers) as resp,
    ):
        body = await resp.json()
    return [f"jellyfin:{i['Id']}" for i in body["Items"]]


async def _first(client: Client, kind: str = "tracks") -> dict[str, Any]:
    resp = await client.get(f"/api/library/{kind}?limit=1")
    item: dict[str, Any] = (await resp.json())["items"][0]
    return item


async def test_put_and_delete_write_through_idempotently(
    music_client: Client, fake_jellyfin: Any
) -> None:
    track = await _first(music_client)
    for _ in range(2):
        resp = await music_client.put(f"/api/favorites/{track['ref']}")
        assert resp.status == 200
        assert await resp.json() == {"ref": track["ref"], "favorite": True}
        assert await _jellyfin_favorites(fake_jellyfin, "demo") == [track["ref"]]
    assert await _jellyfin_favorites(fake_jellyfin, "guest") == []
    for _ in range(2):
        resp = await music_client.delete(f"/api/favorites/{track['ref']}")
        assert await resp.json() == {"ref": track["ref"], "favorite": False}
    assert await _jellyfin_favorites(fake_jellyfin, "demo") == []


async def test_resolve_shows_the_new_state_at_once(music_client: Client) -> None:
    track = await _first(music_client)
    resolve = {"refs": [track["ref"]]}
    before = await (await music_client.post("/api/items/resolve", json=resolve)).json()
    assert before["items"][0]["favorite"] is False
    await music_client.put(f"/api/favorites/{track['ref']}")
    after = await (await music_client.post("/api/items/resolve", json=resolve)).json()
    assert after["items"][0]["favorite"] is True


async def test_favorite_changed_event_is_published(
    music_client: Client, fake_jellyfin: Any
) -> None:
    album = await _first(music_client, "albums")
    stream = music_client.app[keys.BUS].stream(["favorite.changed"])
    await music_client.put(f"/api/favorites/{album['ref']}")
    (event,) = await stream.get_batch()
    assert event.type == "favorite.changed" and event.source == "companion"
    assert event.user_id == fake_jellyfin.user_id("demo")
    assert event.data == {
        "item_id": album["ref"][9:],
        "ref": album["ref"],
        "favorite": True,
        "item_type": "Unknown",
    }
    # Jellyfin echoes the change over the user's socket: it changes nothing and is not pushed.
    # A track favorited afterwards in another Jellyfin app comes over the same socket after the
    # echo, so once its event is here the echo has been handled.
    track = await _first(music_client, "tracks")
    async with aiohttp.ClientSession() as http:
        url = f"{fake_jellyfin.url}/__fake__/users/demo/favorites/{track['ref'][9:]}"
        async with http.post(url) as resp:
            assert resp.status == 200
    (later,) = await asyncio.wait_for(stream.get_batch(), 30)
    assert later.data["ref"] == track["ref"] and later.source != "companion"
    assert len(stream) == 0
    stream.close()


async def test_list_is_live_and_paged(music_client: Client, fake_jellyfin: Any) -> None:
    tracks = (await (await music_client.get("/api/library/tracks?limit=3")).json())["items"]
    for t in tracks[:2]:
        await music_client.put(f"/api/favorites/{t['ref']}")
    # Favorited from another Jellyfin app: the list is Jellyfin's, not a copy.
    async with aiohttp.ClientSession() as http:
        url = f"{fake_jellyfin.url}/__fake__/users/demo/favorites/{tracks[2]['ref'][9:]}"
        async with http.post(url) as resp:
            assert resp.status == 200
    page = await (await music_client.get("/api/favorites?type=track&limit=2")).json()
    assert page["total"] == 3 and len(page["items"]) == 2
    assert all(i["favorite"] for i in page["items"])
    rest = await (await music_client.get("/api/favorites?type=track&offset=2")).json()
    assert {i["ref"] for i in page["items"] + rest["items"]} == {t["ref"] for t in tracks}
    albums = await (await music_client.get("/api/favorites?type=album")).json()
    assert albums["total"] == 0
    artist = await _first(music_client, "artists")
    await music_client.put(f"/api/favorites/{artist['ref']}")
    artists = await (await music_client.get("/api/favorites?type=artist")).json()
    assert [a["ref"] for a in artists["items"]] == [artist["ref"]]


async def test_bad_and_unknown_refs(music_client: Client) -> None:
    resp = await music_client.put("/api/favorites/jellyfin:xyz")
    assert resp.status == 400 and "jellyfin:xyz" in (await resp.json())["error"]["message"]
    resp = await music_client.put(f"/api/favorites/jellyfin:{'0' * 32}")
    assert resp.status == 404
    resp = await music_client.get("/api/favorites?type=playlist")
    assert resp.status == 400


async def test_jellyfin_down_is_503(music_client: Client, fake_jellyfin: Any) -> None:
    track = await _first(music_client)
    await fake_jellyfin.stop()
    resp = await music_client.put(f"/api/favorites/{track['ref']}")
    assert resp.status == 503
    assert (await resp.json())["error"]["code"] == "jellyfin_unreachable"
