"""Jellystat v1.1.8's calls, replayed with its exact paths, casing, parameters and header.

Jellystat (Node + PostgreSQL) is not run itself: its backend would take longer to install and
start than this whole folder. These are the requests its backend/classes/jellyfin-api.js and
sessions-socket-client.js make, and the fields it reads from the answers.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest

from companion.testing.jellyfin import FAKE_API_KEY, SUPPORTED_VERSIONS, FakeJellyfin

from .conftest import VersionedFake
from .requests import request_mismatches
from .spec import response_problems

# Jellystat sends the key alone in a bare MediaBrowser header, no Client or Device.
HEADERS = {"Authorization": f'MediaBrowser Token="{FAKE_API_KEY}"', "User-Agent": "Jellystat"}
ITEM_PARAMS = {
    "fields": "MediaSources,DateCreated,Genres",
    "startIndex": "0",
    "recursive": "true",
    "limit": "200",
    "isMissing": "false",
    "excludeLocationTypes": "Virtual",
}


async def get(http: aiohttp.ClientSession, url: str, **params: str) -> Any:
    async with http.get(url, headers=HEADERS, params=params) as r:
        assert r.status == 200, f"{url}: {r.status}"
        return await r.json()


async def sessions_over_socket(http: aiohttp.ClientSession, fake: FakeJellyfin) -> list[Any]:
    """10.11+: the API-key socket, SessionsStart "0,1500" sent on each ForceKeepAlive."""
    url = fake.url.replace("http", "ws") + "/socket"
    async with http.ws_connect(url, headers=HEADERS) as ws:
        async with asyncio.timeout(30):
            while json.loads((await ws.receive()).data)["MessageType"] != "ForceKeepAlive":
                pass
            await ws.send_str(json.dumps({"MessageType": "SessionsStart", "Data": "0,1500"}))
            await ws.send_str(json.dumps({"MessageType": "KeepAlive"}))
            while json.loads((await ws.receive()).data)["MessageType"] != "KeepAlive":
                pass  # the start was processed
            await play(http, fake)
            while True:
                msg = json.loads((await ws.receive()).data)
                if msg["MessageType"] == "Sessions":
                    data: list[Any] = msg["Data"]
                    return data


async def play(http: aiohttp.ClientSession, fake: FakeJellyfin) -> None:
    body = {"item_id": fake.library.tracks[0].id, "event": "start", "device": "Living Room"}
    async with http.post(f"{fake.url}/__fake__/users/demo/playback", json=body) as r:
        assert r.status == 200


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
async def test_jellystat_calls(versioned_fake: VersionedFake, version: str) -> None:
    fake = await versioned_fake(version)
    u = fake.url
    async with aiohttp.ClientSession() as http:
        # Setup: the URL and key are valid when /system/configuration answers 200.
        assert (await get(http, f"{u}/system/configuration"))["ServerName"]
        info = await get(http, f"{u}/system/info")
        assert info["Version"] == version  # decides REST polling or the socket
        users = await get(http, f"{u}/Users")
        admins = [x for x in users if x["Policy"]["IsAdministrator"]]
        assert [a["Name"] for a in admins] == ["demo"]
        folders = (await get(http, f"{u}/Library/MediaFolders"))["Items"]
        music = next(f for f in folders if f["CollectionType"] == "music")
        assert music["Name"] and music["Id"]
        # The sync task pages the library, newest first, 200 at a time.
        items: list[Any] = []
        while True:
            params = {
                **ITEM_PARAMS,
                "startIndex": str(len(items)),
                "sortBy": "DateCreated",
                "sortOrder": "Descending",
            }
            page = await get(http, f"{u}/Items?ParentId={music['Id']}", **params)
            items += page["Items"]
            if len(items) >= page["TotalRecordCount"]:
                break
        audio = [i for i in items if i["Type"] == "Audio"]
        assert len(audio) == len(fake.library.tracks)
        source = audio[0]["MediaSources"][0]
        # Size statistics: bytes consistent with the declared bitrate and duration.
        expected = source["Bitrate"] * source["RunTimeTicks"] / 10**7 / 8
        assert abs(source["Size"] - expected) / expected < 0.01
        assert audio[0]["DateCreated"] and "Genres" in audio[0]
        ids = ",".join(i["Id"] for i in audio[:3])
        by_id = await get(http, f"{u}/Items?ids={ids}", **ITEM_PARAMS)
        assert by_id["TotalRecordCount"] == 3
        latest = await get(
            http,
            f"{u}/Users/{admins[0]['Id']}/Items/Latest?Limit=20&ParentId={music['Id']}",
            fields="MediaSources,DateCreated,Genres",
        )
        assert isinstance(latest, list) and latest and all(i["LocationType"] for i in latest)
        playback = await get(
            http, f"{u}/Items/{audio[0]['Id']}/playbackinfo?userId={admins[0]['Id']}"
        )
        assert playback["MediaSources"][0]["Id"] == audio[0]["Id"]
        plugins = await get(http, f"{u}/plugins")
        assert "Playback Reporting" not in [p["Name"] for p in plugins]
        # Now playing: REST on 10.10 and before, the API-key socket from 10.11.
        if fake.state.vt >= (10, 11):
            sessions = await sessions_over_socket(http, fake)
        else:
            await play(http, fake)
            sessions = await get(http, f"{u}/sessions")
        playing = [s for s in sessions if s.get("NowPlayingItem") is not None]
        assert playing and playing[0]["NowPlayingItem"]["ProviderIds"] is not None
        assert playing[0]["NowPlayingItem"]["Type"] == "Audio"
        album = next(a for a in fake.library.albums if a.image_tag)
        async with http.get(
            f"{u}/Items/{album.id}/Images/Primary?fillWidth=400&quality=100", headers=HEADERS
        ) as r:
            assert r.status == 200
        async with http.get(
            f"{u}/Users/{admins[0]['Id']}/Images/Primary?fillWidth=100&quality=100"
        ) as r:
            assert r.status == 404  # no profile image
        async with http.get(f"{u}/web/assets/img/devices/android.svg") as r:
            assert r.status == 200 and r.content_type == "image/svg+xml"
    assert response_problems(version, fake.state.responses) == []
    # Jellystat's own parameters exist too, except the resize ones on user images, which 10.11
    # dropped from UserImage (the binder ignores unknown parameters, so the call still works).
    found = {str(m) for m in request_mismatches(version, fake.state.requests)}
    dropped = {"GET /UserImage query fillWidth", "GET /UserImage query quality"}
    assert found - dropped == {"GET /web/assets/img/devices/android.svg route "}
