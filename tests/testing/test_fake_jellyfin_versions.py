"""Per-version behaviour from the reference's Corrections, the real server's bugs included."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import aiohttp
import pytest

from companion.testing.jellyfin import FAKE_API_KEY, SUPPORTED_VERSIONS, FakeJellyfin
from companion.testing.jellyfin.playback import update_play_state
from companion.testing.jellyfin.playlist_moves import MoveError, move
from companion.testing.jellyfin.state import UserData

from .conftest import FakeFactory, api_headers, get_json, login, mb_header

EARLY = ("10.9.11", "10.10.7")  # SqliteItemRepository: minDateLastSaved binds the wrong name


def audio(**extra: Any) -> dict[str, Any]:
    return {"recursive": "true", "includeItemTypes": "Audio", **extra}


async def patch_track(http: aiohttp.ClientSession, fake: FakeJellyfin, item_id: str) -> None:
    url = f"{fake.url}/__fake__/library/tracks/{item_id}"
    async with http.patch(url, json={"genre": "Changed"}) as r:
        assert r.status == 204


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
async def test_min_date_last_saved_per_version(
    make_fake: FakeFactory, http: aiohttp.ClientSession, version: str
) -> None:
    fake = await make_fake(version=version)
    since = (max(t.date_last_saved for t in fake.library.tracks) + timedelta(seconds=1)).isoformat()
    changed = fake.library.tracks[7]
    await patch_track(http, fake, changed.id)
    async with http.get(
        f"{fake.url}/Items", headers=api_headers(), params=audio(minDateLastSaved=since)
    ) as r:
        if version in EARLY:
            assert r.status == 500 and r.content_type == "text/plain"
            assert await r.text() == "Error processing request."
        else:
            assert r.status == 200
            assert [i["Id"] for i in (await r.json())["Items"]] == [changed.id]
    # With both parameters the bound name exists, so 10.9/10.10 answer (on the ForUser date).
    both = await get_json(
        http,
        f"{fake.url}/Items",
        **audio(minDateLastSaved="2000-01-01T00:00:00Z", minDateLastSavedForUser=since),
    )
    assert [i["Id"] for i in both["Items"]] == [changed.id]


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
async def test_min_date_last_saved_for_user_ignores_user_data(
    make_fake: FakeFactory, http: aiohttp.ClientSession, version: str
) -> None:
    fake = await make_fake(version=version)
    tok = (await login(http, fake.url))["AccessToken"]
    since = (max(t.date_last_saved for t in fake.library.tracks) + timedelta(seconds=1)).isoformat()
    fav = fake.library.tracks[3]
    async with http.post(f"{fake.url}/UserFavoriteItems/{fav.id}", headers=api_headers(tok)) as r:
        assert r.status == 200
    res = await get_json(http, f"{fake.url}/Items", tok, **audio(minDateLastSavedForUser=since))
    assert res["Items"] == []  # a favorite is not a metadata save
    changed = fake.library.tracks[9]
    await patch_track(http, fake, changed.id)
    res = await get_json(http, f"{fake.url}/Items", tok, **audio(minDateLastSavedForUser=since))
    assert [i["Id"] for i in res["Items"]] == [changed.id]


async def test_etag_changes_and_date_last_saved_never_returned(
    fake: FakeJellyfin, http: aiohttp.ClientSession
) -> None:
    t = fake.library.tracks[4]
    params = audio(ids=t.id, fields="Etag,DateLastSaved")
    before = (await get_json(http, f"{fake.url}/Items", **params))["Items"][0]
    assert "DateLastSaved" not in before and len(before["Etag"]) == 32
    again = (await get_json(http, f"{fake.url}/Items", **params))["Items"][0]
    assert again["Etag"] == before["Etag"]
    await patch_track(http, fake, t.id)
    after = (await get_json(http, f"{fake.url}/Items", **params))["Items"][0]
    assert after["Etag"] != before["Etag"]


async def test_search_ignores_diacritics(fake: FakeJellyfin, http: aiohttp.ClientSession) -> None:
    artists = await get_json(http, f"{fake.url}/Artists", searchTerm="bjork")
    assert [a["Name"] for a in artists["Items"]] == ["Björk"]
    crue = await get_json(http, f"{fake.url}/Artists", searchTerm="MOTLEY CRUE")
    assert [a["Name"] for a in crue["Items"]] == ["Mötley Crüe"]


async def test_authenticate_takes_only_username_and_pw(
    fake: FakeJellyfin, http: aiohttp.ClientSession
) -> None:
    async with http.post(
        f"{fake.url}/Users/AuthenticateByName",
        json={"Username": "demo", "Password": "demo"},
        headers={"Authorization": mb_header()},
    ) as r:
        assert r.status == 401


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
async def test_now_playing_queue_full_items_gone_in_12(
    make_fake: FakeFactory, http: aiohttp.ClientSession, version: str
) -> None:
    fake = await make_fake(version=version)
    t = fake.library.tracks[0]
    async with http.post(
        f"{fake.url}/__fake__/users/demo/playback", json={"item_id": t.id, "event": "start"}
    ) as r:
        assert r.status == 200
    sessions = await get_json(http, f"{fake.url}/Sessions")
    playing = next(s for s in sessions if "NowPlayingItem" in s)
    assert ("NowPlayingQueueFullItems" in playing) == (version != "12.0.0")
    item = playing["NowPlayingItem"]
    # SessionManager.GetItemInfo asks for nearly every field: ProviderIds, Path, Genres...
    assert item["Id"] == t.id and "ProviderIds" in item and "Path" in item
    assert item["MediaStreams"][0]["Type"] == "Audio" and "UserData" not in item


# -- playlists: MoveItemAsync per version ------------------------------------------------------

ABCD = [(x, x) for x in "abcd"]


@pytest.mark.parametrize(
    ("version", "entry", "index", "expected"),
    [
        # 10.9: right in every direction
        ((10, 9, 11), "a", 1, "bacd"),
        ((10, 9, 11), "d", 0, "dabc"),
        ((10, 9, 11), "b", 9, "acdb"),
        # 10.10: forward moves land one slot further, index 0 is unreachable
        ((10, 10, 7), "a", 1, "bcad"),
        ((10, 10, 7), "a", 2, "bcda"),
        ((10, 10, 7), "a", 3, "bcda"),
        ((10, 10, 7), "d", 0, "adbc"),
        ((10, 10, 7), "d", 1, "adbc"),
        ((10, 10, 7), "c", 0, "acbd"),
        # 10.11 and 12.0: fixed
        ((10, 11, 11), "a", 1, "bacd"),
        ((10, 11, 11), "a", 3, "bcda"),
        ((10, 11, 11), "d", 0, "dabc"),
        ((10, 11, 11), "a", 4, "bcda"),
        ((12, 0, 0), "c", 0, "cabd"),
    ],
)
def test_move_rules(version: tuple[int, ...], entry: str, index: int, expected: str) -> None:
    entries = list(ABCD)
    move(version, entries, entry, index)
    assert "".join(i for _, i in entries) == expected


@pytest.mark.parametrize(
    ("version", "entry", "index", "status"),
    [
        ((10, 9, 11), "zz", 1, 400),  # LinkedChildren[-1]
        ((10, 10, 7), "a", 4, 500),  # accessibleChildren[4]
        ((10, 10, 7), "zz", 1, 500),  # the warning dereferences a null entry
        ((10, 11, 11), "a", 5, 500),  # jellyfin#17066
        ((12, 0, 0), "a", 9, 500),
    ],
)
def test_move_errors(version: tuple[int, ...], entry: str, index: int, status: int) -> None:
    entries = list(ABCD)
    with pytest.raises(MoveError) as err:
        move(version, entries, entry, index)
    assert err.value.status == status and entries == ABCD


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
async def test_move_route_per_version(
    make_fake: FakeFactory, http: aiohttp.ClientSession, version: str
) -> None:
    fake = await make_fake(version=version)
    tok = (await login(http, fake.url))["AccessToken"]
    h = {"Authorization": mb_header(tok)}
    ids = [t.id for t in fake.library.tracks[:4]]
    async with http.post(f"{fake.url}/Playlists", headers=h, json={"Name": "M", "Ids": ids}) as r:
        pid = (await r.json())["Id"]
    listed = await get_json(http, f"{fake.url}/Playlists/{pid}/Items", tok)
    first = listed["Items"][0]["PlaylistItemId"]
    async with http.post(f"{fake.url}/Playlists/{pid}/Items/{first}/Move/1", headers=h) as r:
        assert r.status == 204
    order = [
        i["Id"] for i in (await get_json(http, f"{fake.url}/Playlists/{pid}/Items", tok))["Items"]
    ]
    a, b, c, d = ids
    assert order == ([b, c, a, d] if version == "10.10.7" else [b, a, c, d])
    async with http.post(f"{fake.url}/Playlists/{pid}/Items/{first}/Move/9", headers=h) as r:
        assert r.status == (204 if version == "10.9.11" else 500)


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
async def test_api_key_cannot_edit_playlists(
    make_fake: FakeFactory, http: aiohttp.ClientSession, version: str
) -> None:
    """The controllers use the token's user: GetUserById(Guid.Empty) throws ArgumentException."""
    fake = await make_fake(version=version)
    key = api_headers()
    uid = fake.user_id("demo")
    a, b = (t.id for t in fake.library.tracks[:2])
    async with http.post(
        f"{fake.url}/Playlists", headers=key, json={"Name": "K", "Ids": [a], "UserId": uid}
    ) as r:
        assert r.status == 200
        pid = (await r.json())["Id"]
    refused = [
        ("POST", f"/Playlists/{pid}", {"json": {"Name": "x"}}),
        ("POST", f"/Playlists/{pid}/Items/{a}/Move/0", {}),
        ("DELETE", f"/Playlists/{pid}/Items", {"params": {"entryIds": a}}),
        ("POST", f"/Playlists/{pid}/Items", {"params": {"ids": b}}),
        ("GET", f"/Playlists/{pid}/Users", {}),
    ]
    for method, path, kw in refused:
        async with http.request(method, f"{fake.url}{path}", headers=key, **kw) as r:
            assert r.status == 400, (method, path)
            assert await r.text() == "Error processing request."
    # Routes that take a userId let an API key act for that user.
    async with http.post(
        f"{fake.url}/Playlists/{pid}/Items", headers=key, params={"ids": b, "userId": uid}
    ) as r:
        assert r.status == 204
    listed = await get_json(http, f"{fake.url}/Playlists/{pid}/Items", userId=uid)
    assert [i["Id"] for i in listed["Items"]] == [a, b]


async def test_playlist_users_route(fake: FakeJellyfin, http: aiohttp.ClientSession) -> None:
    tok = (await login(http, fake.url))["AccessToken"]
    guest = fake.user_id("guest")
    shares = [{"UserId": guest, "CanEdit": True}]
    async with http.post(
        f"{fake.url}/Playlists", headers=api_headers(tok), json={"Name": "S", "Users": shares}
    ) as r:
        pid = (await r.json())["Id"]
    assert await get_json(http, f"{fake.url}/Playlists/{pid}/Users", tok) == shares
    one = await get_json(http, f"{fake.url}/Playlists/{pid}/Users/{guest}", tok)
    assert one == shares[0]


# -- playback: UserDataManager.UpdatePlayState ------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "fraction", "completed"),
    [
        (180, 0.30, True),  # a skip at 30 % of a short song counts as played to completion
        (180, 0.03, False),  # below MinResumePct
        (400, 0.30, False),  # long enough to resume: not completed
        (400, 0.95, True),  # past MaxResumePct
    ],
)
async def test_completion_rule(
    fake: FakeJellyfin, http: aiohttp.ClientSession, seconds: int, fraction: float, completed: bool
) -> None:
    t = next(
        x for x in fake.library.tracks if abs(x.runtime_ticks / 10**7 - seconds) < 60 and x.year
    )
    tok = (await login(http, fake.url))["AccessToken"]
    h = api_headers(tok)
    for path, pos in (("", 0), ("/Stopped", int(t.runtime_ticks * fraction))):
        body = {"ItemId": t.id, "PositionTicks": pos}
        async with http.post(f"{fake.url}/Sessions/Playing{path}", headers=h, json=body) as r:
            assert r.status == 204
    ud = fake.state.data_for(fake.user_id("demo"), t.id)
    # Audio is marked played at start; position never kept (no resume for audio).
    assert ud is not None and ud.play_count == 1 and ud.position_ticks == 0 and ud.played
    assert update_play_state(t, UserData(), int(t.runtime_ticks * fraction)) is completed


async def _until_keepalive(ws: aiohttp.ClientWebSocketResponse) -> list[str]:
    """Send a KeepAlive and collect message types up to its reply (a processed-input signal)."""
    await ws.send_str(json.dumps({"MessageType": "KeepAlive"}))
    kinds: list[str] = []
    async with asyncio.timeout(30):
        while not kinds or kinds[-1] != "KeepAlive":
            kinds.append(json.loads((await ws.receive()).data)["MessageType"])
    return kinds


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
async def test_api_key_socket_sessions_per_version(
    make_fake: FakeFactory, http: aiohttp.ClientSession, version: str
) -> None:
    """10.11+: an API-key socket may subscribe to SessionsStart; <=10.10 it silently fails."""
    fake = await make_fake(version=version)
    t = fake.library.tracks[0]
    async with http.ws_connect(f"{fake.url}/socket", params={"ApiKey": FAKE_API_KEY}) as ws:
        await ws.send_str(json.dumps({"MessageType": "SessionsStart", "Data": "0,1500"}))
        await _until_keepalive(ws)
        body = {"item_id": t.id, "event": "start", "device": "Phone"}
        async with http.post(f"{fake.url}/__fake__/users/demo/playback", json=body) as r:
            assert r.status == 200
        kinds = await _until_keepalive(ws)
        assert ("Sessions" in kinds) == (version not in EARLY)


async def test_every_progress_report_pushes_sessions(
    fake: FakeJellyfin, http: aiohttp.ClientSession
) -> None:
    """SendData(!e.IsAutomated): a client's progress report is pushed at once, no throttle."""
    tok = (await login(http, fake.url))["AccessToken"]
    t = fake.library.tracks[0]
    async with http.ws_connect(f"{fake.url}/socket", params={"ApiKey": tok}) as ws:
        await ws.send_str(json.dumps({"MessageType": "SessionsStart", "Data": "0,60000"}))
        await _until_keepalive(ws)
        for events in (["start"], ["progress", "progress"]):
            for event in events:
                body = {"item_id": t.id, "event": event, "position_ticks": 10**7}
                async with http.post(f"{fake.url}/__fake__/users/demo/playback", json=body) as r:
                    assert r.status == 200
            kinds = await _until_keepalive(ws)
        # Both progress reports arrived well within the 60 s interval, and both were pushed.
        assert kinds.count("Sessions") == 2


async def test_one_token_two_devices_make_two_sessions(
    fake: FakeJellyfin, http: aiohttp.ClientSession
) -> None:
    """Header values win over the token's device record (AuthorizationContext), so a user
    token reporting from two browsers with their own DeviceIds is two sessions; the request
    log keeps the caller's Client/Device/DeviceId and body, never the token."""
    tok = (await login(http, fake.url))["AccessToken"]
    t = fake.library.tracks[0]
    for device_id in ("browser-a", "browser-b"):
        h = {"Authorization": mb_header(tok, device_id=device_id, client="Companion")}
        async with http.post(
            f"{fake.url}/Sessions/Playing", headers=h, json={"ItemId": t.id, "PositionTicks": 0}
        ) as r:
            assert r.status == 204
    mine = [s for s in fake.state.sessions.values() if s.client == "Companion"]
    assert sorted(s.device_id for s in mine) == ["browser-a", "browser-b"]
    assert all(s.now_playing_id == t.id for s in mine)
    playing = [e for e in fake.state.requests if e["path"] == "/Sessions/Playing"]
    assert [e["client"]["DeviceId"] for e in playing] == ["browser-a", "browser-b"]
    assert all("Token" not in e["client"] and tok not in str(e) for e in playing)
    assert playing[0]["body"] == {"ItemId": t.id, "PositionTicks": 0}
