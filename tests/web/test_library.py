"""The music API's browse, search, detail and resolve routes against the fake Jellyfin."""

from __future__ import annotations

import asyncio
import math
from typing import Any

from aiohttp.test_utils import TestClient

from companion import keys
from companion.errors import MESSAGES
from companion.events import Event
from companion.testing.jellyfin import FAKE_API_KEY
from tests.web.conftest import FakeLog, sign_in

Client = TestClient[Any, Any]
TRACK_KEYS = {
    "type",
    "ref",
    "name",
    "artists",
    "album",
    "album_artists",
    "duration",
    "track_number",
    "disc_number",
    "year",
    "genres",
    "image_url",
    "favorite",
    "play_count",
}
UNREACHABLE = "Jellyfin is slow or unreachable. Check your Jellyfin instance."


async def _json(client: Client, path: str, status: int = 200) -> Any:
    resp = await client.get(path)
    assert resp.status == status, await resp.text()
    return await resp.json()


async def test_tracks_page_shape_and_paging(music_client: Client) -> None:
    page = await _json(music_client, "/api/library/tracks")
    assert page["limit"] == 50 and page["offset"] == 0 and page["total"] == 200
    assert len(page["items"]) == 50
    track = page["items"][0]
    assert set(track) == TRACK_KEYS
    assert track["type"] == "track" and track["ref"].startswith("jellyfin:")
    assert len(track["ref"]) == len("jellyfin:") + 32
    assert isinstance(track["duration"], float) and track["duration"] > 0
    assert track["album"]["ref"].startswith("jellyfin:") and track["album"]["name"]
    assert all(a["ref"].startswith("jellyfin:") for a in track["artists"])
    assert track["image_url"].startswith(f"/api/items/{track['ref']}/image")
    assert track["favorite"] is False and track["play_count"] == 0
    second = await _json(music_client, "/api/library/tracks?offset=50&limit=50")
    assert {t["ref"] for t in second["items"]}.isdisjoint({t["ref"] for t in page["items"]})
    big = await _json(music_client, "/api/library/tracks?limit=500")
    assert len(big["items"]) == 200


async def test_bad_paging_and_sort_are_400(music_client: Client) -> None:
    for query in ("limit=501", "limit=0", "offset=-1", "limit=x", "sort=size", "order=up"):
        body = await _json(music_client, f"/api/library/tracks?{query}", 400)
        assert body["error"]["code"] == "invalid_input"
    body = await _json(music_client, "/api/library/artists?year=1999", 400)
    assert body["error"]["code"] == "invalid_input"


async def test_sorting(music_client: Client) -> None:
    asc = await _json(music_client, "/api/library/albums?sort=year&limit=500")
    years = [a["year"] or 0 for a in asc["items"]]
    assert years == sorted(years)
    desc = await _json(music_client, "/api/library/albums?sort=year&order=desc&limit=500")
    assert [a["year"] or 0 for a in desc["items"]] == sorted(years, reverse=True)
    for sort in ("name", "date_added", "play_count", "random"):
        page = await _json(music_client, f"/api/library/tracks?sort={sort}&limit=10")
        assert len(page["items"]) == 10


async def test_filters(music_client: Client, fake_jellyfin: Any) -> None:
    first = (await _json(music_client, "/api/library/tracks?limit=1"))["items"][0]
    album_ref, artist_ref = first["album"]["ref"], first["artists"][0]["ref"]
    by_album = await _json(music_client, f"/api/library/tracks?album={album_ref}&limit=500")
    assert by_album["items"] and all(t["album"]["ref"] == album_ref for t in by_album["items"])
    by_artist = await _json(music_client, f"/api/library/tracks?artist={artist_ref}&limit=500")
    assert (
        all(artist_ref in [a["ref"] for a in t["artists"]] for t in by_artist["items"])
        and by_artist["items"]
    )
    genre = first["genres"][0]
    by_genre = await _json(music_client, f"/api/library/tracks?genre={genre}&limit=500")
    assert by_genre["items"] and all(genre in t["genres"] for t in by_genre["items"])
    by_year = await _json(music_client, f"/api/library/albums?year={first['year']}&limit=500")
    assert by_year["items"] and all(a["year"] == first["year"] for a in by_year["items"])
    word = first["name"].split()[0]
    by_q = await _json(music_client, f"/api/library/tracks?q={word}&limit=500")
    assert first["ref"] in [t["ref"] for t in by_q["items"]]
    none = await _json(music_client, "/api/library/tracks?favorites=true")
    assert none["total"] == 0
    resp = await music_client.put(f"/api/favorites/{first['ref']}")
    assert resp.status == 200
    favs = await _json(music_client, "/api/library/tracks?favorites=true")
    assert [t["ref"] for t in favs["items"]] == [first["ref"]]
    assert favs["items"][0]["favorite"] is True
    bad = await _json(music_client, "/api/library/tracks?album=jellyfin:nope", 400)
    assert "jellyfin:nope" in bad["error"]["message"]


async def test_search_answers_all_groups(music_client: Client) -> None:
    album = (await _json(music_client, "/api/library/albums?limit=1"))["items"][0]
    found = await _json(music_client, f"/api/library/search?q={album['name'].split()[0]}")
    assert set(found) == {"artists", "albums", "tracks"}
    assert album["ref"] in [a["ref"] for a in found["albums"]]
    assert all(t["type"] == "track" for t in found["tracks"])
    await _json(music_client, "/api/library/search", 400)
    body = await _json(music_client, "/api/library/search?q=", 400)
    assert body["error"]["code"] == "invalid_input"


async def test_album_detail_in_disc_order_and_cached(
    music_client: Client, fake_log: FakeLog
) -> None:
    albums = await _json(music_client, "/api/library/albums?limit=500")
    album = max(albums["items"], key=lambda a: a["track_count"] or 0)
    await fake_log.clear()
    detail = await _json(music_client, f"/api/library/albums/{album['ref']}")
    assert detail["album"]["ref"] == album["ref"]
    order = [(t["disc_number"] or 1, t["track_number"] or 0) for t in detail["tracks"]]
    assert order == sorted(order) and len(order) == album["track_count"]
    assert all(t["album"]["ref"] == album["ref"] for t in detail["tracks"])
    assert len(await fake_log.entries()) <= 2
    await fake_log.clear()
    again = await _json(music_client, f"/api/library/albums/{album['ref']}")
    assert again == detail
    assert await fake_log.entries() == []


async def test_artist_detail_lists_albums(music_client: Client) -> None:
    artist = (await _json(music_client, "/api/library/artists?limit=1"))["items"][0]
    detail = await _json(music_client, f"/api/library/artists/{artist['ref']}")
    assert detail["artist"]["ref"] == artist["ref"]
    assert detail["albums"] and all(
        artist["ref"] in [a["ref"] for a in al["artists"]] for al in detail["albums"]
    )


async def test_detail_bad_and_unknown_refs(music_client: Client) -> None:
    body = await _json(music_client, "/api/library/albums/jellyfin:123", 400)
    assert "jellyfin:123" in body["error"]["message"]
    body = await _json(music_client, f"/api/library/albums/jellyfin:{'0' * 32}", 404)
    assert body["error"]["code"] == "item_not_found"
    track = (await _json(music_client, "/api/library/tracks?limit=1"))["items"][0]
    await _json(music_client, f"/api/library/albums/{track['ref']}", 404)


async def test_needs_sign_in(jellyfin_app_client: Client) -> None:
    resp = await jellyfin_app_client.get("/api/library/tracks")
    assert resp.status == 401


async def test_queries_run_as_the_signed_in_user(
    music_client: Client, fake_jellyfin: Any, fake_log: FakeLog
) -> None:
    track = (await _json(music_client, "/api/library/tracks?limit=1"))["items"][0]
    assert (await music_client.put(f"/api/favorites/{track['ref']}")).status == 200
    music_client.session.cookie_jar.clear()
    await sign_in(music_client, "guest")
    await fake_log.clear()
    page = await _json(music_client, "/api/library/tracks?favorites=true")
    assert page["total"] == 0  # demo's favorite is not guest's
    resolved = await music_client.post("/api/items/resolve", json={"refs": [track["ref"]]})
    assert (await resolved.json())["items"][0]["favorite"] is False
    guest = fake_jellyfin.user_id("guest")
    log = await fake_log.entries("/Items")
    assert log and all(e["query"].get("userId") == guest for e in log)


# -- resolve -----------------------------------------------------------------------------------


async def _all_refs(client: Client) -> list[str]:
    tracks = await _json(client, "/api/library/tracks?limit=500")
    albums = await _json(client, "/api/library/albums?limit=500")
    return [t["ref"] for t in tracks["items"]] + [a["ref"] for a in albums["items"]]


async def _resolve(client: Client, refs: list[Any], status: int = 200) -> Any:
    resp = await client.post("/api/items/resolve", json={"refs": refs})
    assert resp.status == status, await resp.text()
    return await resp.json()


async def test_resolve_order_nulls_and_duplicates(music_client: Client) -> None:
    refs = await _all_refs(music_client)
    unknown = f"jellyfin:{'ab' * 16}"
    asked = [refs[3], unknown, refs[0], refs[3], refs[-1]]
    music_client.app[keys.MUSIC].resolver.clear()
    items = (await _resolve(music_client, asked))["items"]
    assert [i["ref"] if i else None for i in items] == [refs[3], None, refs[0], refs[3], refs[-1]]
    assert items[-1]["type"] == "album" and items[0]["type"] == "track"
    upper = "jellyfin:" + refs[0].split(":")[1].upper()
    assert (await _resolve(music_client, [upper]))["items"][0]["ref"] == refs[0]


async def test_resolve_rejects_bad_input(music_client: Client) -> None:
    body = await _resolve(music_client, ["jellyfin:" + "0" * 32, "spotify:track:1"], 400)
    assert "spotify:track:1" in body["error"]["message"] and "refs[1]" in body["error"]["message"]
    body = await _resolve(music_client, [42], 400)
    assert "42" in body["error"]["message"]
    body = await _resolve(music_client, ["jellyfin:" + "0" * 32] * 1001, 400)
    assert "1000" in body["error"]["message"]
    resp = await music_client.post("/api/items/resolve", json={"refs": "x"})
    assert resp.status == 400


async def test_resolve_upstream_calls_cold_warm_and_concurrent(
    music_client: Client, fake_log: FakeLog
) -> None:
    refs = await _all_refs(music_client)
    resolver = music_client.app[keys.MUSIC].resolver
    resolver.clear()
    await fake_log.clear()
    items = (await _resolve(music_client, refs))["items"]
    assert all(items)
    assert len(await fake_log.entries()) <= math.ceil(len(refs) / 200)
    await fake_log.clear()
    await _resolve(music_client, refs)
    assert await fake_log.entries() == []
    resolver.clear()
    results = await asyncio.gather(*(_resolve(music_client, refs) for _ in range(10)))
    assert all(r == results[0] for r in results)
    assert len(await fake_log.entries()) <= math.ceil(len(refs) / 200)


async def test_library_changed_invalidates(music_client: Client, fake_log: FakeLog) -> None:
    refs = (await _all_refs(music_client))[:3]
    await _resolve(music_client, refs)
    await fake_log.clear()
    bus = music_client.app[keys.BUS]
    bus.publish(Event("library.changed", {"added": [], "updated": [refs[1][9:]], "removed": []}))
    resolver = music_client.app[keys.MUSIC].resolver
    for _ in range(3000):  # the bus delivers from a task of its own
        if not resolver.cached(refs[1][9:]):
            break
        await asyncio.sleep(0.01)
    await _resolve(music_client, refs)
    log = await fake_log.entries("/Items")
    assert len(log) == 1 and log[0]["query"]["ids"] == refs[1][9:]


async def test_jellyfin_slow_is_503_with_the_message(
    music_client: Client, fake_log: FakeLog
) -> None:
    music_client.app[keys.MUSIC].resolver.clear()
    # The subject is the timeout itself: 1 s against a Jellyfin that takes 5 s.
    media = music_client.app[keys.PROVIDERS].media
    assert media is not None
    media.timeout = 1.0  # type: ignore[attr-defined]
    await fake_log.faults(latency_ms=5000, paths=["/Items", "/Artists"])
    for path in ("/api/library/tracks", "/api/library/search?q=a"):
        body = await _json(music_client, path, 503)
        assert body["error"] == {"code": "jellyfin_unreachable", "message": UNREACHABLE}
    resp = await music_client.post("/api/items/resolve", json={"refs": [f"jellyfin:{'1' * 32}"]})
    assert resp.status == 503
    assert MESSAGES["jellyfin_unreachable"] == UNREACHABLE


async def test_jellyfin_stopped_is_503(music_client: Client, fake_jellyfin: Any) -> None:
    await fake_jellyfin.stop()
    body = await _json(music_client, "/api/library/albums", 503)
    assert body["error"]["code"] == "jellyfin_unreachable"
    assert body["error"]["message"] == UNREACHABLE


async def test_jellyfin_errors_are_503(music_client: Client, fake_log: FakeLog) -> None:
    await fake_log.faults(error_rate=1.0, status=500, paths=["/Items"])
    body = await _json(music_client, "/api/library/tracks", 503)
    assert body["error"]["code"] == "jellyfin_unreachable"


async def test_routes_are_in_openapi(music_client: Client) -> None:
    doc = await _json(music_client, "/api/openapi.json")
    for path in (
        "/api/library/tracks",
        "/api/library/albums/{ref}",
        "/api/library/search",
        "/api/items/resolve",
        "/api/items/{ref}/image",
        "/api/tracks/{ref}/stream",
        "/api/favorites/{ref}",
        "/api/favorites",
        "/api/me/preferences",
    ):
        assert path in doc["paths"], path


async def test_api_key_never_reaches_clients(music_client: Client) -> None:
    for path in ("/api/library/tracks", "/api/library/albums", "/api/library/search?q=a"):
        resp = await music_client.get(path)
        text = await resp.text()
        # Real answers, full of items with their image and stream links: an error page
        # would pass this check without proving anything.
        assert resp.status == 200, (path, text[:300])
        body = await resp.json()
        items = body["items"] if "items" in body else [i for v in body.values() for i in v]
        assert items, (path, text[:300])
        assert FAKE_API_KEY not in text


async def test_user_without_jellyfin_sign_in_is_403(client: Client, make_user: Any) -> None:
    _, headers = await make_user("someone")
    resp = await client.get("/api/library/tracks", headers=headers)
    assert resp.status == 403
    assert (await resp.json())["error"]["code"] == "jellyfin_sign_in_required"


async def test_no_jellyfin_configured_is_503(music_client: Client) -> None:
    music_client.app[keys.PROVIDERS].media = None
    body = await _json(music_client, "/api/library/tracks", 503)
    assert body["error"]["code"] == "jellyfin_unreachable"
