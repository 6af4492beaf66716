"""Stream redirects, proxied audio with ranges, cover art, preferences; an httpx client too."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import httpx
from aiohttp.test_utils import TestClient

from companion import keys
from companion.testing.jellyfin import FAKE_API_KEY
from tests.web.conftest import FakeLog

Client = TestClient[Any, Any]


async def _track(client: Client) -> dict[str, Any]:
    resp = await client.get("/api/library/tracks?limit=1")
    track: dict[str, Any] = (await resp.json())["items"][0]
    return track


async def test_redirect_to_public_url_without_credentials(
    music_client: Client, fake_jellyfin: Any
) -> None:
    track = await _track(music_client)
    resp = await music_client.get(f"/api/tracks/{track['ref']}/stream", allow_redirects=False)
    assert resp.status == 302
    location = resp.headers["Location"]
    url = urlsplit(location)
    assert f"{url.scheme}://{url.netloc}" == fake_jellyfin.url
    assert url.path == f"/Audio/{track['ref'][9:]}/stream"
    assert parse_qs(url.query) == {"static": ["true"]}
    assert FAKE_API_KEY not in location and "apikey" not in location.lower()
    # The player can follow it with no credential at all.
    async with aiohttp.ClientSession() as http, http.get(location) as audio:
        assert audio.status == 200 and audio.headers["Content-Type"] == "audio/wav"


async def test_quality_preference_transcodes_without_service_key(music_client: Client) -> None:
    assert (await (await music_client.get("/api/me/preferences")).json()) == {
        "stream_quality": "original",
        "stream_mode": "redirect",
    }
    pref = {"stream_quality": {"max_bitrate": 192, "codec": "opus"}}
    resp = await music_client.put("/api/me/preferences", json=pref)
    assert resp.status == 200 and (await resp.json())["stream_quality"] == pref["stream_quality"]
    track = await _track(music_client)
    resp = await music_client.get(f"/api/tracks/{track['ref']}/stream", allow_redirects=False)
    query = parse_qs(urlsplit(resp.headers["Location"]).query)
    assert query["static"] == ["false"] and query["audioCodec"] == ["opus"]
    assert query["audioBitRate"] == ["192000"] and query["container"] == ["ogg"]
    assert FAKE_API_KEY not in resp.headers["Location"]
    for bad in (
        {"stream_quality": {"max_bitrate": 5, "codec": "mp3"}},
        {"stream_quality": {"max_bitrate": 128, "codec": "wma"}},
        {"stream_quality": "best"},
        {"stream_mode": "torrent"},
        {"colour": "blue"},
    ):
        assert (await music_client.put("/api/me/preferences", json=bad)).status == 400


async def test_proxy_full_range_and_head(music_client: Client, fake_jellyfin: Any) -> None:
    track = await _track(music_client)
    path = f"/api/tracks/{track['ref']}/stream?mode=proxy"
    async with aiohttp.ClientSession() as http:
        direct_url = f"{fake_jellyfin.url}/Audio/{track['ref'][9:]}/stream?static=true"
        async with http.get(direct_url) as direct:
            original = await direct.read()
    full = await music_client.get(path)
    assert full.status == 200 and await full.read() == original
    assert full.headers["Content-Length"] == str(len(original))
    assert full.headers["Accept-Ranges"] == "bytes"
    part = await music_client.get(path, headers={"Range": "bytes=100-199"})
    assert part.status == 206
    assert part.headers["Content-Range"] == f"bytes 100-199/{len(original)}"
    assert part.headers["Content-Length"] == "100"
    assert await part.read() == original[100:200]
    head = await music_client.head(path)
    assert head.status == 200 and head.headers["Content-Length"] == str(len(original))
    assert await head.read() == b""
    bad = await music_client.get(path, headers={"Range": f"bytes={len(original) + 10}-"})
    assert bad.status == 416


async def test_proxy_by_preference(music_client: Client) -> None:
    await music_client.put("/api/me/preferences", json={"stream_mode": "proxy"})
    track = await _track(music_client)
    resp = await music_client.get(f"/api/tracks/{track['ref']}/stream", allow_redirects=False)
    assert resp.status == 200 and resp.headers["Content-Type"] == "audio/wav"
    redirect = await music_client.get(
        f"/api/tracks/{track['ref']}/stream?mode=redirect", allow_redirects=False
    )
    assert redirect.status == 302


async def test_proxy_stops_upstream_when_the_client_leaves(
    music_client: Client, fake_jellyfin: Any
) -> None:
    track = await _track(music_client)
    async with aiohttp.ClientSession() as http:
        url = f"{fake_jellyfin.url}/__fake__/library/tracks/{track['ref'][9:]}/size"
        async with http.put(url, json={"size_bytes": 50_000_000}) as resp:
            assert resp.status == 204
    connector = music_client.app[keys.HTTP_SESSION].connector
    assert connector is not None
    resp = await music_client.get(f"/api/tracks/{track['ref']}/stream?mode=proxy")
    assert resp.status == 200 and int(resp.headers["Content-Length"]) > 49_000_000
    await resp.content.readexactly(256 * 1024)
    resp.close()  # the player goes away mid-file
    # The companion closes its upstream connection rather than reading the rest.
    for _ in range(3000):
        if not connector._acquired:
            break
        await asyncio.sleep(0.01)
    assert not connector._acquired


async def test_shutdown_cuts_a_stream_nobody_reads(
    music_client: Client, fake_jellyfin: Any
) -> None:
    """A paused player's proxied stream must not hold a stopping companion to its timeout."""
    track = await _track(music_client)
    async with aiohttp.ClientSession() as http:
        url = f"{fake_jellyfin.url}/__fake__/library/tracks/{track['ref'][9:]}/size"
        async with http.put(url, json={"size_bytes": 50_000_000}) as resp:
            assert resp.status == 204
    resp = await music_client.get(f"/api/tracks/{track['ref']}/stream?mode=proxy")
    assert resp.status == 200  # headers sent; the body is never read
    running = music_client.app[keys.STREAMS]
    (task,) = running
    await music_client.app.shutdown()  # the on_shutdown hooks, as the runner calls them first
    await asyncio.wait_for(asyncio.wait({task}), timeout=60)
    assert task.cancelled() and not running
    resp.close()


async def test_unknown_and_bad_tracks(music_client: Client) -> None:
    resp = await music_client.get("/api/tracks/jellyfin:zz/stream")
    assert resp.status == 400 and "jellyfin:zz" in (await resp.json())["error"]["message"]
    resp = await music_client.get(f"/api/tracks/jellyfin:{'0' * 32}/stream", allow_redirects=False)
    assert resp.status == 404
    album = (await (await music_client.get("/api/library/albums?limit=1")).json())["items"][0]
    resp = await music_client.get(f"/api/tracks/{album['ref']}/stream", allow_redirects=False)
    assert resp.status == 404
    resp = await music_client.get(f"/api/tracks/{album['ref']}/stream?mode=sideways")
    assert resp.status == 400


async def test_stream_when_jellyfin_is_down(music_client: Client, fake_jellyfin: Any) -> None:
    track = await _track(music_client)
    await fake_jellyfin.stop()
    resp = await music_client.get(f"/api/tracks/{track['ref']}/stream?mode=proxy")
    assert resp.status == 503
    assert (await resp.json())["error"]["code"] == "jellyfin_unreachable"


async def test_image_etag_304_and_album_fallback(music_client: Client, fake_log: FakeLog) -> None:
    track = await _track(music_client)
    resp = await music_client.get(track["image_url"])
    assert resp.status == 200 and resp.headers["Content-Type"] == "image/png"
    cache = resp.headers["Cache-Control"]
    assert cache.startswith("public, max-age=") and cache.endswith("immutable")
    etag = resp.headers["ETag"]
    body = await resp.read()
    album = await (await music_client.get(f"/api/library/albums/{track['album']['ref']}")).json()
    album_img = await music_client.get(album["album"]["image_url"])
    assert await album_img.read() == body  # tracks show their album's art
    await fake_log.clear()
    again = await music_client.get(track["image_url"], headers={"If-None-Match": etag})
    assert again.status == 304 and again.headers["ETag"] == etag
    assert await fake_log.entries() == []  # answered from the cached tag
    small = await music_client.get(f"{track['image_url']}&size=64")
    assert small.status == 200 and small.headers["ETag"] != etag
    untagged = await music_client.get(f"/api/items/{track['ref']}/image")
    assert untagged.status == 200 and "immutable" not in untagged.headers["Cache-Control"]
    assert (await music_client.get(f"{track['image_url']}&size=9000")).status == 400


async def test_image_placeholder(music_client: Client, fake_jellyfin: Any) -> None:
    track = await _track(music_client)
    fake_jellyfin.library.get(track["album"]["ref"][9:]).image_tag = None
    music_client.app[keys.MUSIC].resolver.clear()
    track = await _track(music_client)
    assert "tag=" not in track["image_url"]
    resp = await music_client.get(track["image_url"])
    assert resp.status == 200 and resp.headers["Content-Type"] == "image/svg+xml"
    assert (await resp.read()).startswith(b"<svg")
    again = await music_client.get(
        track["image_url"], headers={"If-None-Match": resp.headers["ETag"]}
    )
    assert again.status == 304
    missing = await music_client.get(f"/api/items/jellyfin:{'0' * 32}/image")
    assert missing.status == 404


async def test_independent_httpx_client(jellyfin_app_client: Client, fake_jellyfin: Any) -> None:
    base = str(jellyfin_app_client.make_url("/"))
    async with httpx.AsyncClient(base_url=base) as http:
        login = await http.post("/api/auth/login", json={"username": "guest", "password": "guest"})
        assert login.status_code == 200
        # A cookie-authenticated client echoes the session's CSRF cookie on every write.
        http.headers["X-CSRF-Token"] = login.cookies["companion_csrf"]
        albums = (await http.get("/api/library/albums", params={"limit": 5})).json()
        assert len(albums["items"]) == 5
        detail = (await http.get(f"/api/library/albums/{albums['items'][0]['ref']}")).json()
        refs = [t["ref"] for t in detail["tracks"]]
        resolved = (await http.post("/api/items/resolve", json={"refs": refs})).json()
        assert [i["ref"] for i in resolved["items"]] == refs
        stream = await http.get(f"/api/tracks/{refs[0]}/stream")
        assert stream.status_code == 302
        assert stream.headers["location"].startswith(fake_jellyfin.url)
        ranged = await http.get(
            f"/api/tracks/{refs[0]}/stream",
            params={"mode": "proxy"},
            headers={"Range": "bytes=0-9"},
        )
        assert ranged.status_code == 206 and len(ranged.content) == 10
        fav = await http.put(f"/api/favorites/{refs[0]}")
        assert fav.json() == {"ref": refs[0], "favorite": True}
        img = await http.get(detail["album"]["image_url"])
        assert img.status_code == 200
        cached = await http.get(
            detail["album"]["image_url"], headers={"If-None-Match": img.headers["etag"]}
        )
        assert cached.status_code == 304
