"""Browse, search, detail, resolve, stream, art, favorites and playlists on both servers."""

from __future__ import annotations

import asyncio
from typing import Any

from companion import keys
from tests.backends.conftest import Backend


async def test_capabilities_say_what_the_server_does(backend: Backend) -> None:
    caps = await backend.call("GET", "/api/server/capabilities")
    assert caps["ref_scheme"] == backend.name
    assert caps["capabilities"]["browse"] and caps["capabilities"]["playlists"]
    if backend.name == "navidrome":
        assert caps["server"] == "Navidrome" and caps["live"] == "polled"
        assert caps["capabilities"]["per_play_history"] is False
        assert "play count and last play" in caps["unsupported"]["per_play_history"]
    else:
        assert caps["server"] == "Jellyfin" and caps["live"] == "push"
        assert caps["capabilities"]["per_play_history"] is True


async def test_browse_pages_and_refs(backend: Backend) -> None:
    page = await backend.call("GET", "/api/library/albums?limit=5")
    assert len(page["items"]) == 5 and page["total"] >= 5
    assert all(a["ref"].startswith(f"{backend.name}:") for a in page["items"])
    tracks = await backend.call("GET", "/api/library/tracks?limit=50")
    assert tracks["total"] == 200 and len(tracks["items"]) == 50
    more = await backend.call("GET", "/api/library/tracks?limit=50&offset=50")
    assert {t["ref"] for t in more["items"]}.isdisjoint({t["ref"] for t in tracks["items"]})
    artists = await backend.call("GET", "/api/library/artists?limit=500")
    assert artists["total"] == len(artists["items"]) > 0


async def test_search_and_album_detail(backend: Backend) -> None:
    album = (await backend.call("GET", "/api/library/albums?limit=1"))["items"][0]
    found = await backend.call("GET", f"/api/library/search?q={album['name'].split()[0]}")
    assert any(a["ref"] == album["ref"] for a in found["albums"])
    detail = await backend.call("GET", f"/api/library/albums/{album['ref']}")
    tracks = detail["tracks"]
    assert len(tracks) == album["track_count"]
    order = [(t["disc_number"] or 1, t["track_number"] or 0) for t in tracks]
    assert order == sorted(order)
    assert all(t["album"]["ref"] == album["ref"] for t in tracks)


async def test_resolve_keeps_order_and_nulls(backend: Backend) -> None:
    refs = backend.track_refs(0, 3)
    unknown = f"{backend.name}:{'ab' * 16}"
    other = ("navidrome" if backend.name == "jellyfin" else "jellyfin") + ":" + "cd" * 16
    body = await backend.call(
        "POST", "/api/items/resolve", json={"refs": [refs[2], unknown, refs[0]]}
    )
    assert [i["ref"] if i else None for i in body["items"]] == [refs[2], None, refs[0]]
    # A ref of the other server is not one of this install's.
    bad = await backend.call("POST", "/api/items/resolve", 400, json={"refs": [other]})
    assert bad["error"]["code"] == "invalid_input"


async def test_stream_proxy_ranges_and_art(backend: Backend) -> None:
    track = (await backend.call("GET", "/api/library/tracks?limit=1"))["items"][0]
    path = f"/api/tracks/{track['ref']}/stream?mode=proxy"
    full = await backend.client.get(path)
    whole = await full.read()
    assert full.status == 200 and whole[:4] == b"RIFF"
    part = await backend.client.get(path, headers={"Range": "bytes=100-199"})
    assert part.status == 206 and await part.read() == whole[100:200]
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(whole)}"
    redirect = await backend.client.get(
        f"/api/tracks/{track['ref']}/stream?mode=redirect", allow_redirects=False
    )
    assert redirect.status == 302
    image = await backend.client.get(track["image_url"])
    assert image.status == 200 and image.headers["Content-Type"] == "image/png"
    missing = await backend.client.get(f"/api/tracks/{backend.name}:{'ab' * 16}/stream?mode=proxy")
    assert missing.status == 404


async def test_favorites_write_through(backend: Backend) -> None:
    track = (await backend.call("GET", "/api/library/tracks?limit=1"))["items"][0]
    for _ in range(2):
        body = await backend.call("PUT", f"/api/favorites/{track['ref']}")
        assert body == {"ref": track["ref"], "favorite": True}
    assert await backend.server_favorites() == [track["ref"]]
    listed = await backend.call("GET", "/api/favorites?type=track")
    assert [i["ref"] for i in listed["items"]] == [track["ref"]]
    resolved = await backend.call("POST", "/api/items/resolve", json={"refs": [track["ref"]]})
    assert resolved["items"][0]["favorite"] is True
    await backend.call("DELETE", f"/api/favorites/{track['ref']}")
    assert await backend.server_favorites() == []


async def test_playlist_pushed_and_edited_in_place(backend: Backend) -> None:
    first = backend.track_refs(0, 5)
    body = await backend.call(
        "POST", "/api/playlists", 201, json={"name": "Road trip", "refs": first}
    )
    pid, remote = body["id"], body["sync"]["jellyfin_id"]
    assert body["sync"]["state"] == "synced" and remote
    assert backend.remote_playlist(remote) == ("Road trip", first)
    extra = backend.track_refs(10, 2)
    body = await backend.call(
        "POST", f"/api/playlists/{pid}/items", json={"refs": extra, "position": 1}
    )
    expected = [first[0], *extra, *first[1:]]
    assert [i["ref"] for i in body["items"]] == expected
    assert backend.remote_playlist(remote)[1] == expected
    await backend.call("POST", f"/api/playlists/{pid}/move", json={"from": 0, "to": 4})
    expected.insert(4, expected.pop(0))
    await backend.call("DELETE", f"/api/playlists/{pid}/items/2")
    del expected[2]
    assert backend.remote_playlist(remote)[1] == expected
    body = await backend.call("PATCH", f"/api/playlists/{pid}", json={"name": "Renamed"})
    assert body["sync"]["jellyfin_id"] == remote
    assert backend.remote_playlist(remote) == ("Renamed", expected)
    assert backend.remote_playlist_count() == 1
    await backend.call("DELETE", f"/api/playlists/{pid}", 204)
    assert backend.remote_playlist_count() == 0


async def test_vibe_without_a_similarity_engine(backend: Backend) -> None:
    seed = backend.track_refs(0, 1)[0]
    resp = await backend.client.post(
        "/api/vibe", json={"mode": "similar", "ref": seed, "limit": 10}
    )
    body: dict[str, Any] = await resp.json()
    if backend.name == "navidrome":
        # No AudioMuse and no server mixes: a clear refusal, not an outage.
        assert resp.status == 409, body
        assert body["error"]["code"] == "not_supported_by_server"
        assert body["error"]["details"] == {"capability": "instant_mix", "server": "Navidrome"}
    else:
        assert resp.status in (200, 201), body  # Jellyfin's InstantMix is the fallback
        assert body["items"]


async def test_library_changes_arrive_as_events(backend: Backend) -> None:
    seen: list[Any] = []
    backend.client.app[keys.BUS].subscribe(seen.append, ("library.changed",))
    if backend.name == "navidrome":
        import aiohttp

        async with (
            aiohttp.ClientSession() as http,
            http.post(
                f"{backend.fake.url}/__fake__/albums", json={"name": "Fresh", "artist": "Nova"}
            ) as resp,
        ):
            assert resp.status == 200
        live = backend.client.app[keys.PROVIDERS].live
        async with asyncio.timeout(30):
            while not seen:
                live.poke()  # the next poll now instead of in 30 s
                await asyncio.sleep(0.02)
    else:
        async with asyncio.timeout(30):
            backend.fake.library.add_track({"title": "Fresh 1", "album": "Fresh", "artist": "Nova"})
            backend.fake.events.library_changed(added=[backend.fake.library.tracks[-1].id])
            while not seen:
                await asyncio.sleep(0.02)
    assert seen[0].type == "library.changed"


async def test_filters_on_unknown_items_match_nothing(backend: Backend) -> None:
    unknown = f"{backend.name}:{'ab' * 16}"
    for path in (f"/api/library/tracks?album={unknown}", f"/api/library/albums?artist={unknown}"):
        page = await backend.call("GET", path)
        assert page["items"] == [] and page["total"] == 0


async def test_track_filters(backend: Backend) -> None:
    album = (await backend.call("GET", "/api/library/albums?limit=1"))["items"][0]
    artist = album["artists"][0]
    by_artist = await backend.call("GET", f"/api/library/tracks?artist={artist['ref']}&limit=500")
    assert by_artist["items"]
    assert all(
        artist["ref"] in [a["ref"] for a in (*t["artists"], *t["album_artists"])]
        for t in by_artist["items"]
    )
    genre = album["genres"][0]
    by_genre = await backend.call("GET", f"/api/library/tracks?genre={genre}&limit=20")
    assert by_genre["items"] and all(genre in t["genres"] for t in by_genre["items"])
    resp = await backend.client.get("/api/library/tracks?year=2001")
    if backend.name == "navidrome":
        assert resp.status == 409
        assert (await resp.json())["error"]["code"] == "not_supported_by_server"
    else:
        assert resp.status == 200
