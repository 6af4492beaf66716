"""Every JSON answer and socket message of the fake validates against its version's spec."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest

from companion.testing.jellyfin import FAKE_API_KEY, SCAN_TASK_ID, SUPPORTED_VERSIONS, FakeJellyfin

from .conftest import VersionedFake
from .spec import message_problems, response_problems

FIELDS = (
    "ProviderIds,DateCreated,Genres,MediaSources,MediaStreams,Path,SortName,ParentId,Etag,"
    "ExternalUrls,Overview,Studios,Taglines,Tags,People,CanDelete,CanDownload,ChildCount,"
    "PrimaryImageAspectRatio,RecursiveItemCount,CumulativeRunTimeTicks,RemoteTrailers,"
    "ProductionLocations,DateLastSaved"
)


def auth(token: str) -> dict[str, str]:
    return {
        "Authorization": f'MediaBrowser Client="contract", Device="d", DeviceId="c1", '
        f'Version="1", Token="{token}"'
    }


async def call(http: aiohttp.ClientSession, method: str, url: str, **kw: Any) -> Any:
    async with http.request(method, url, **kw) as r:
        assert r.status < 300, f"{method} {url}: {r.status} {await r.text()}"
        return await r.json() if r.content_type == "application/json" else None


async def exercise(fake: FakeJellyfin, http: aiohttp.ClientSession) -> list[dict[str, Any]]:
    """Every route the companion and the real clients use, once or more, as a user and a key."""
    u = fake.url
    key = auth(FAKE_API_KEY)
    login = await call(
        http,
        "POST",
        f"{u}/Users/AuthenticateByName",
        json={"Username": "demo", "Pw": "demo"},
        headers={
            "Authorization": 'MediaBrowser Client="c", Device="d", DeviceId="c1", Version="1"'
        },
    )
    me = auth(login["AccessToken"])
    uid = fake.user_id("demo")
    lib = fake.library
    t, album = lib.tracks[0], lib.albums[0]
    artist = lib.by_id[album.album_artist_ids[0]]
    messages: list[dict[str, Any]] = []
    async with http.ws_connect(f"{u}/socket", params={"ApiKey": login["AccessToken"]}) as ws:
        await ws.send_str(json.dumps({"MessageType": "SessionsStart", "Data": "0,1500"}))
        await ws.send_str(json.dumps({"MessageType": "ScheduledTasksInfoStart", "Data": "0,1500"}))
        gets = [
            ("/System/Info/Public", {}),
            ("/System/Info", {}),
            ("/System/Configuration", {}),
            ("/Plugins", {}),
            ("/Library/MediaFolders", {}),
            ("/Library/VirtualFolders", {}),
            ("/ScheduledTasks", {}),
            (f"/ScheduledTasks/{SCAN_TASK_ID}", {}),
            ("/Users", {}),
            (f"/Users/{uid}", {}),
            ("/Users/Public", {}),
            ("/Items", {}),
            (
                "/Items",
                {
                    "recursive": "true",
                    "includeItemTypes": "Audio",
                    "limit": "5",
                    "userId": uid,
                    "fields": FIELDS,
                },
            ),
            (
                "/Items",
                {
                    "recursive": "true",
                    "includeItemTypes": "MusicAlbum,MusicArtist",
                    "limit": "5",
                    "userId": uid,
                    "fields": FIELDS,
                },
            ),
            (
                "/Items",
                {
                    "recursive": "true",
                    "includeItemTypes": "Audio",
                    "enableImages": "false",
                    "enableUserData": "false",
                    "searchTerm": "bjork",
                    "limit": "5",
                },
            ),
            (f"/Items/{t.id}", {"userId": uid}),
            (f"/Items/{album.id}", {"userId": uid}),
            (f"/Items/{artist.id}", {"userId": uid}),
            (
                f"/Users/{uid}/Items",
                {"recursive": "true", "includeItemTypes": "Audio", "limit": "2"},
            ),
            (f"/Users/{uid}/Items/{t.id}", {}),
            ("/Items/Latest", {"userId": uid, "fields": "DateCreated,Genres"}),
            (
                f"/Users/{uid}/Items/Latest",
                {"Limit": "5", "fields": "MediaSources,DateCreated,Genres"},
            ),
            ("/Artists", {"limit": "5", "userId": uid, "fields": FIELDS}),
            ("/Artists/AlbumArtists", {"limit": "5"}),
            (f"/Artists/{artist.name}", {"userId": uid}),
            (f"/Items/{t.id}/InstantMix", {"limit": "5", "userId": uid}),
            (f"/Artists/{artist.id}/InstantMix", {"limit": "5"}),
            ("/UserViews", {"userId": uid}),
            (f"/Users/{uid}/Views", {}),
            (
                "/Items/Suggestions",
                {"userId": uid, "type": "Audio", "mediaType": "Audio", "limit": "5"},
            ),
            (f"/Items/{t.id}/Similar", {"userId": uid, "limit": "5", "fields": FIELDS}),
            (f"/Items/{t.id}/PlaybackInfo", {"userId": uid}),
            (f"/UserItems/{t.id}/UserData", {"userId": uid}),
        ]
        if fake.state.vt < (12,):  # 12.0 removed it: the path names an artist there
            gets.append(("/Artists/InstantMix", {"id": artist.id, "limit": "5"}))
        for path, params in gets:
            await call(http, "GET", f"{u}{path}", headers=key, params=params)
        await call(http, "GET", f"{u}/Users/Me", headers=me)
        for method, path in (
            ("POST", "/UserFavoriteItems/{}"),
            ("DELETE", "/UserFavoriteItems/{}"),
            ("POST", "/Users/{uid}/FavoriteItems/{}"),
            ("POST", "/UserPlayedItems/{}"),
            ("DELETE", "/UserPlayedItems/{}"),
            ("POST", "/UserItems/{}/Rating"),
            ("DELETE", "/UserItems/{}/Rating"),
        ):
            url = u + path.format(t.id, uid=uid)
            await call(http, method, url, headers=me, params={"likes": "true"})
        await call(
            http, "POST", f"{u}/UserItems/{t.id}/UserData", headers=me, json={"PlayCount": 3}
        )
        ids = [x.id for x in lib.tracks[:4]]
        created = await call(
            http, "POST", f"{u}/Playlists", headers=me, json={"Name": "C", "Ids": ids[:2]}
        )
        pid = created["Id"]
        await call(http, "POST", f"{u}/Playlists/{pid}/Items", headers=me, params={"ids": ids[2]})
        await call(http, "GET", f"{u}/Playlists/{pid}/Items", headers=me, params={"fields": FIELDS})
        if fake.state.vt >= (10, 10):
            await call(http, "GET", f"{u}/Playlists/{pid}", headers=me)
        await call(http, "GET", f"{u}/Playlists/{pid}/Users", headers=me)
        await call(http, "POST", f"{u}/Playlists/{pid}", headers=me, json={"Name": "C2"})
        await call(
            http,
            "GET",
            f"{u}/Items",
            headers=me,
            params={"recursive": "true", "includeItemTypes": "Playlist", "fields": FIELDS},
        )
        await call(http, "GET", f"{u}/Items/{pid}", headers=me)
        for path, body in (
            ("", {"ItemId": t.id, "PositionTicks": 0, "PlayMethod": "DirectPlay"}),
            ("/Progress", {"ItemId": t.id, "PositionTicks": 10**7}),
        ):
            await call(http, "POST", f"{u}/Sessions/Playing{path}", headers=me, json=body)
        await call(http, "GET", f"{u}/Sessions", headers=key)
        await call(http, "GET", f"{u}/Sessions", headers=me, params={"controllableByUserId": uid})
        await call(
            http,
            "POST",
            f"{u}/Sessions/Playing/Stopped",
            headers=me,
            json={"ItemId": t.id, "PositionTicks": 2 * 10**7},
        )
        await call(http, "POST", f"{u}/Library/Refresh", headers=key)
        async with asyncio.timeout(30):
            while True:
                msg = json.loads((await ws.receive()).data)
                messages.append(msg)
                if msg["MessageType"] == "ScheduledTaskEnded":
                    break
    return messages


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
async def test_fake_answers_validate(versioned_fake: VersionedFake, version: str) -> None:
    fake = await versioned_fake(version)
    async with aiohttp.ClientSession() as http:
        messages = await exercise(fake, http)
    assert len(fake.state.responses) > 50
    assert response_problems(version, fake.state.responses) == []
    kinds = {m["MessageType"] for m in messages}
    assert {"ForceKeepAlive", "Sessions", "UserDataChanged", "ScheduledTaskEnded"} <= kinds
    assert message_problems(version, messages) == []
