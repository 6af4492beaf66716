"""Contract tests of the fake Navidrome against the OpenSubsonic spec and Navidrome's source."""

from __future__ import annotations

import asyncio
import hashlib
import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from companion.testing.navidrome import FakeNavidrome, encode

BASE62_ID = re.compile(r"[0-9a-zA-Z]{22}")


def auth(user: str = "demo", password: str = "demo", salt: str = "c19b2d") -> dict[str, str]:
    token = hashlib.md5((password + salt).encode(), usedforsecurity=False).hexdigest()
    return {"u": user, "t": token, "s": salt, "v": "1.16.1", "c": "pytest", "f": "json"}


@pytest.fixture
async def fake() -> AsyncIterator[FakeNavidrome]:
    async with FakeNavidrome(tracks=120) as f:
        yield f


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


async def call(
    http: aiohttp.ClientSession, fake: FakeNavidrome, method: str, **params: Any
) -> dict[str, Any]:
    query: list[tuple[str, str]] = list(auth().items())
    for k, v in params.items():
        if k in ("u", "t", "s", "p"):
            query = [(a, b) for a, b in query if a != k]
        for item in v if isinstance(v, list) else [v]:
            query.append((k, str(item)))
    async with http.get(f"{fake.url}/rest/{method}", params=query) as resp:
        assert resp.status == 200
        body: dict[str, Any] = (await resp.json())["subsonic-response"]
        return body


def test_the_spec_token_example() -> None:
    # api-reference.md: password "sesame" and salt "c19b2d".
    assert auth("x", "sesame")["t"] == "26719a1196d2a940705a59634eb18eab"


def test_ids_are_22_char_base62_zero_padded() -> None:
    assert encode(b"\x00" * 16) == "0" * 22
    assert encode(b"\x00" * 15 + b"\x3d") == "0" * 21 + "Z"
    assert len(encode(b"\xff" * 16)) == 22


async def test_ok_envelope_json(fake: FakeNavidrome, http: aiohttp.ClientSession) -> None:
    body = await call(http, fake, "ping")
    assert body["status"] == "ok"
    assert body["version"] == "1.16.1"
    assert body["type"] == "navidrome"
    assert body["openSubsonic"] is True
    assert body["serverVersion"].startswith("0.58.0 (")


async def test_xml_is_the_default(fake: FakeNavidrome, http: aiohttp.ClientSession) -> None:
    params = {k: v for k, v in auth().items() if k != "f"}
    async with http.get(f"{fake.url}/rest/ping.view", params=params) as resp:
        assert resp.status == 200
        assert resp.content_type == "application/xml"
        root = ET.fromstring(await resp.text())
    assert root.tag == "{http://subsonic.org/restapi}subsonic-response"
    assert root.attrib["status"] == "ok"


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"t": "0" * 32}, 40),
        ({"u": "nobody"}, 40),
        ({"u": ""}, 10),
    ],
)
async def test_errors_are_http_200_failed(
    fake: FakeNavidrome, http: aiohttp.ClientSession, params: dict[str, str], code: int
) -> None:
    body = await call(http, fake, "ping", **params)
    assert body["status"] == "failed"
    assert body["error"]["code"] == code
    assert body["error"]["message"]


async def test_clear_and_enc_passwords(fake: FakeNavidrome, http: aiohttp.ClientSession) -> None:
    for password in ("demo", "enc:" + b"demo".hex()):
        body = await call(http, fake, "ping", t="", s="", p=password)
        assert body["status"] == "ok"


async def test_form_post_is_accepted(fake: FakeNavidrome, http: aiohttp.ClientSession) -> None:
    async with http.post(f"{fake.url}/rest/ping", data=auth()) as resp:
        body = (await resp.json())["subsonic-response"]
    assert body["status"] == "ok"


async def test_album_ids_and_songs(fake: FakeNavidrome, http: aiohttp.ClientSession) -> None:
    body = await call(http, fake, "getAlbumList2", type="alphabeticalByName", size=5)
    albums = body["albumList2"]["album"]
    assert len(albums) == 5
    album = (await call(http, fake, "getAlbum", id=albums[0]["id"]))["album"]
    assert BASE62_ID.fullmatch(album["id"])
    assert album["coverArt"].startswith(f"al-{album['id']}_")
    assert album["songCount"] == len(album["song"])
    song = album["song"][0]
    assert BASE62_ID.fullmatch(song["id"]) and song["albumId"] == album["id"]
    missing = await call(http, fake, "getAlbum", id="x" * 22)
    assert missing["error"]["code"] == 70


async def test_old_versions_have_md5_hex_ids(http: aiohttp.ClientSession) -> None:
    async with FakeNavidrome(tracks=30, version="0.54.5") as old:
        body = await call(http, old, "getAlbumList2", type="newest", size=1)
    assert re.fullmatch(r"[0-9a-f]{32}", body["albumList2"]["album"][0]["id"])


async def test_album_list_total_is_a_header(
    fake: FakeNavidrome, http: aiohttp.ClientSession
) -> None:
    params = [*auth().items(), ("type", "newest"), ("size", "3")]
    async with http.get(f"{fake.url}/rest/getAlbumList2", params=params) as resp:
        assert resp.headers["x-total-count"] == str(len(fake.state.library.albums))
        assert "total" not in str((await resp.json())["subsonic-response"]["albumList2"].keys())


async def test_album_list_size_default_and_cap(
    fake: FakeNavidrome, http: aiohttp.ClientSession
) -> None:
    assert (
        len((await call(http, fake, "getAlbumList2", type="newest"))["albumList2"]["album"]) == 10
    )
    body = await call(http, fake, "getAlbumList2", type="newest", size=9999)
    assert len(body["albumList2"]["album"]) == len(fake.state.library.albums)
    # Nothing played yet: the recent list has no `album` key at all.
    assert (await call(http, fake, "getAlbumList2", type="recent"))["albumList2"] == {}
    bad = await call(http, fake, "getAlbumList2", type="sideways")
    assert bad["error"]["code"] == 0
    assert (await call(http, fake, "getAlbumList2"))["error"]["code"] == 10


async def test_newest_album_heads_the_list(
    fake: FakeNavidrome, http: aiohttp.ClientSession
) -> None:
    async with http.post(
        f"{fake.url}/__fake__/albums", json={"name": "Fresh Fruit", "artist": "Nova", "songs": 2}
    ) as resp:
        added = await resp.json()
    body = await call(http, fake, "getAlbumList2", type="newest", size=1)
    assert body["albumList2"]["album"][0]["id"] == added["id"]


async def test_scrobble_counts_plays_and_now_playing(
    fake: FakeNavidrome, http: aiohttp.ClientSession
) -> None:
    album = (await call(http, fake, "getAlbumList2", type="newest", size=1))["albumList2"]["album"][
        0
    ]
    song = (await call(http, fake, "getAlbum", id=album["id"]))["album"]["song"][0]
    now_playing = await call(http, fake, "scrobble", id=song["id"], submission="false", position=42)
    assert now_playing["status"] == "ok"
    entries = (await call(http, fake, "getNowPlaying"))["nowPlaying"]["entry"]
    assert entries[0]["id"] == song["id"] and entries[0]["username"] == "demo"
    assert entries[0]["positionMs"] == 42_000
    assert (await call(http, fake, "getSong", id=song["id"]))["song"].get("playCount") is None
    await call(http, fake, "scrobble", id=song["id"], time=1_700_000_000_000)
    played = (await call(http, fake, "getSong", id=song["id"]))["song"]
    assert played["playCount"] == 1 and played["played"].startswith("2023-11-14T22:13:20")
    recent = (await call(http, fake, "getAlbumList2", type="recent"))["albumList2"]["album"]
    assert [a["id"] for a in recent] == [album["id"]]
    wrong = await call(http, fake, "scrobble", id=[song["id"], song["id"]], time=1)
    assert wrong["error"] == {"code": 0, "message": "Wrong number of timestamps: 1, should be 2"}
    # Unknown ids are logged by Navidrome, never an error to the client.
    assert (await call(http, fake, "scrobble", id="x" * 22))["status"] == "ok"


async def test_star_unstar_and_starred2(fake: FakeNavidrome, http: aiohttp.ClientSession) -> None:
    album = (await call(http, fake, "getAlbumList2", type="newest", size=1))["albumList2"]["album"][
        0
    ]
    song = (await call(http, fake, "getAlbum", id=album["id"]))["album"]["song"][0]
    assert (await call(http, fake, "getStarred2"))["starred2"] == {}
    await call(http, fake, "star", id=song["id"], albumId=album["id"], artistId=album["artistId"])
    starred = (await call(http, fake, "getStarred2"))["starred2"]
    assert [s["id"] for s in starred["song"]] == [song["id"]]
    assert [a["id"] for a in starred["album"]] == [album["id"]]
    assert [a["id"] for a in starred["artist"]] == [album["artistId"]]
    assert "starred" in (await call(http, fake, "getSong", id=song["id"]))["song"]
    # Unknown ids are skipped, not an error; any parameter may carry any kind of id.
    assert (await call(http, fake, "star", id="x" * 22, albumId=song["id"]))["status"] == "ok"
    await call(http, fake, "unstar", id=song["id"])
    assert "song" not in (await call(http, fake, "getStarred2"))["starred2"]
    # Stars are per user.
    guest = await call(http, fake, "getStarred2", **auth("guest", "guest"))
    assert guest["starred2"] == {}


async def test_search3(fake: FakeNavidrome, http: aiohttp.ClientSession) -> None:
    everything = (await call(http, fake, "search3", query="", songCount=500))["searchResult3"]
    assert len(everything["song"]) == len(fake.state.library.tracks)
    assert (await call(http, fake, "search3", query="a"))["searchResult3"] == {}
    name = fake.state.library.albums[0].name
    found = (await call(http, fake, "search3", query=name.split()[0] + "*"))["searchResult3"]
    assert any(a["name"] == name for a in found["album"])
    assert (await call(http, fake, "search3"))["error"]["code"] == 10


async def test_update_playlist_removes_old_positions_then_appends(
    fake: FakeNavidrome, http: aiohttp.ClientSession
) -> None:
    songs = (await call(http, fake, "search3", query="", songCount=6))["searchResult3"]["song"]
    ids = [s["id"] for s in songs]
    created = (await call(http, fake, "createPlaylist", name="Mix", songId=ids[:4]))["playlist"]
    assert [e["id"] for e in created["entry"]] == ids[:4]
    pid = created["id"]
    # Indices refer to the playlist before the edit, in any order; out of range is ignored.
    body = await call(
        http,
        fake,
        "updatePlaylist",
        playlistId=pid,
        songIndexToRemove=[0, 2, 99],
        songIdToAdd=[ids[4], ids[5]],
    )
    assert body == {k: body[k] for k in body if k != "playlist"} and body["status"] == "ok"
    entry = (await call(http, fake, "getPlaylist", id=pid))["playlist"]["entry"]
    assert [e["id"] for e in entry] == [ids[1], ids[3], ids[4], ids[5]]
    # Replace in place keeps the id.
    replaced = await call(http, fake, "createPlaylist", playlistId=pid, songId=[ids[0]])
    assert replaced["playlist"]["id"] == pid and replaced["playlist"]["songCount"] == 1
    other = await call(
        http, fake, "updatePlaylist", playlistId=pid, name="x", **auth("guest", "guest")
    )
    assert other["error"]["code"] in (50, 70)
    gone = await call(http, fake, "updatePlaylist", playlistId="nope", name="x")
    assert gone["error"]["code"] == 70
    assert (await call(http, fake, "createPlaylist"))["error"]["code"] == 10
    # An empty playlist has no `entry` key.
    await call(http, fake, "updatePlaylist", playlistId=pid, songIndexToRemove=0)
    assert "entry" not in (await call(http, fake, "getPlaylist", id=pid))["playlist"]


async def test_non_owner_gets_50_on_a_public_playlist(
    fake: FakeNavidrome, http: aiohttp.ClientSession
) -> None:
    pid = (await call(http, fake, "createPlaylist", name="Shared"))["playlist"]["id"]
    await call(http, fake, "updatePlaylist", playlistId=pid, public="true")
    guest = auth("guest", "guest")
    assert (await call(http, fake, "getPlaylist", id=pid, **guest))["status"] == "ok"
    denied = await call(http, fake, "deletePlaylist", id=pid, **guest)
    assert denied["error"]["code"] == 50


async def test_scan_is_admin_only_and_finishes(
    fake: FakeNavidrome, http: aiohttp.ClientSession
) -> None:
    denied = await call(http, fake, "startScan", **auth("guest", "guest"))
    assert denied["error"]["code"] == 50
    started = (await call(http, fake, "startScan", fullScan="true"))["scanStatus"]
    assert started["scanning"] is True and started["scanType"] == "full"
    for _ in range(1500):  # up to 30 s: only to stop a hang
        status = (await call(http, fake, "getScanStatus"))["scanStatus"]
        if not status["scanning"]:
            break
        await asyncio.sleep(0.02)
    assert status["scanning"] is False
    assert status["count"] == len(fake.state.library.tracks)
    assert "lastScan" in status and "folderCount" in status


async def test_stream_ranges_and_errors(fake: FakeNavidrome, http: aiohttp.ClientSession) -> None:
    song = (await call(http, fake, "search3", query="", songCount=1))["searchResult3"]["song"][0]
    params = {**auth(), "id": song["id"]}
    async with http.get(f"{fake.url}/rest/stream", params=params) as resp:
        whole = await resp.read()
        assert resp.status == 200 and resp.headers["Accept-Ranges"] == "bytes"
    assert len(whole) == song["size"] and whole[:4] == b"RIFF"
    headers = {"Range": "bytes=10-19"}
    async with http.get(f"{fake.url}/rest/stream", params=params, headers=headers) as resp:
        assert resp.status == 206
        assert resp.headers["Content-Range"] == f"bytes 10-19/{song['size']}"
        assert await resp.read() == whole[10:20]
    async with http.get(f"{fake.url}/rest/stream", params={**auth(), "id": "zz"}) as resp:
        assert resp.status == 200 and resp.content_type == "application/json"
        assert (await resp.json())["subsonic-response"]["error"]["code"] == 70


async def test_cover_art(fake: FakeNavidrome, http: aiohttp.ClientSession) -> None:
    album = (await call(http, fake, "getAlbumList2", type="newest", size=1))["albumList2"]["album"][
        0
    ]
    params = {**auth(), "id": album["coverArt"], "size": "32"}
    async with http.get(f"{fake.url}/rest/getCoverArt", params=params) as resp:
        assert resp.content_type == "image/png"
        assert (await resp.read())[:4] == b"\x89PNG"
    async with http.get(f"{fake.url}/rest/getCoverArt", params={**auth(), "id": "al-x_0"}) as resp:
        error = (await resp.json())["subsonic-response"]["error"]
        assert error == {"code": 70, "message": "Artwork not found"}
    async with http.get(f"{fake.url}/rest/getCoverArt", params=auth()) as resp:
        assert resp.content_type == "image/png"  # no id: the placeholder


async def test_get_user_roles(fake: FakeNavidrome, http: aiohttp.ClientSession) -> None:
    me = (await call(http, fake, "getUser", username="demo"))["user"]
    assert me["adminRole"] is True and me["username"] == "demo"
    denied = await call(http, fake, "getUser", username="demo", **auth("guest", "guest"))
    assert denied["error"]["code"] == 50


async def test_extensions_are_public(fake: FakeNavidrome, http: aiohttp.ClientSession) -> None:
    async with http.get(f"{fake.url}/rest/getOpenSubsonicExtensions", params={"f": "json"}) as r:
        body = (await r.json())["subsonic-response"]
    names = {e["name"] for e in body["openSubsonicExtensions"]}
    assert "formPost" in names and "apiKeyAuthentication" not in names
