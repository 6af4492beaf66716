"""Playlists per version: duplicates, PlaylistItemId, position, move, remove, permissions."""

from __future__ import annotations

from typing import Any

import aiohttp
import pytest

from .conftest import FakeFactory, api_headers, get_json, login, mb_header


async def create(http: aiohttp.ClientSession, url: str, h: dict[str, str], **body: Any) -> str:
    async with http.post(f"{url}/Playlists", headers=h, json=body) as r:
        assert r.status == 200, await r.text()
        pid: str = (await r.json())["Id"]
        return pid


async def entries(
    http: aiohttp.ClientSession, url: str, pid: str, tok: str
) -> list[dict[str, Any]]:
    res = await get_json(http, f"{url}/Playlists/{pid}/Items", tok)
    items: list[dict[str, Any]] = res["Items"]
    assert res["TotalRecordCount"] == len(items)
    return items


@pytest.mark.parametrize("version", ["10.10.7", "10.11.11"])
async def test_playlists_10x_skip_duplicates(
    make_fake: FakeFactory, http: aiohttp.ClientSession, version: str
) -> None:
    fake = await make_fake(version=version)
    tok = (await login(http, fake.url))["AccessToken"]
    h = {"Authorization": mb_header(tok)}
    a, b, c = (t.id for t in fake.library.tracks[:3])
    pid = await create(http, fake.url, h, Name="Mix", Ids=[a, b], MediaType="Audio")
    async with http.post(
        f"{fake.url}/Playlists/{pid}/Items", headers=h, params={"ids": f"{a},{c}"}
    ) as r:
        assert r.status == 204
    items = await entries(http, fake.url, pid, tok)
    assert [i["Id"] for i in items] == [a, b, c]
    assert all(i["PlaylistItemId"] == i["Id"] for i in items)
    # A backward move to index 1 lands right on both 10.10 and 10.11.
    async with http.post(f"{fake.url}/Playlists/{pid}/Items/{c}/Move/1", headers=h) as r:
        assert r.status == 204
    assert [i["Id"] for i in await entries(http, fake.url, pid, tok)] == [a, c, b]
    async with http.delete(
        f"{fake.url}/Playlists/{pid}/Items", headers=h, params={"entryIds": a}
    ) as r:
        assert r.status == 204
    assert [i["Id"] for i in await entries(http, fake.url, pid, tok)] == [c, b]
    info = await get_json(http, f"{fake.url}/Playlists/{pid}", tok)
    # CreatePlaylistDto.IsPublic defaults to true.
    assert info["ItemIds"] == [c, b] and info["OpenAccess"] is True
    listed = await get_json(
        http, f"{fake.url}/Items", tok, includeItemTypes="Playlist", recursive="true"
    )
    assert [p["Id"] for p in listed["Items"]] == [pid] and listed["Items"][0]["Type"] == "Playlist"


async def test_playlists_12_allow_duplicates_and_position(
    make_fake: FakeFactory, http: aiohttp.ClientSession
) -> None:
    fake = await make_fake(version="12.0.0")
    tok = (await login(http, fake.url))["AccessToken"]
    h = {"Authorization": mb_header(tok)}
    a, b, c = (t.id for t in fake.library.tracks[:3])
    pid = await create(http, fake.url, h, Name="Mix", Ids=[a, b])
    async with http.post(
        f"{fake.url}/Playlists/{pid}/Items", headers=h, params={"ids": f"{a},{c}", "position": "1"}
    ) as r:
        assert r.status == 204
    items = await entries(http, fake.url, pid, tok)
    assert [i["Id"] for i in items] == [a, a, c, b]
    # 10.10.2 and later (12.0 too): PlaylistItemId is the item's own id, copies included.
    assert all(i["PlaylistItemId"] == i["Id"] for i in items)
    async with http.post(f"{fake.url}/Playlists/{pid}/Items/{b}/Move/0", headers=h) as r:
        assert r.status == 204
    assert [i["Id"] for i in await entries(http, fake.url, pid, tok)] == [b, a, a, c]
    # Moving a duplicated item moves its first copy.
    async with http.post(f"{fake.url}/Playlists/{pid}/Items/{a}/Move/3", headers=h) as r:
        assert r.status == 204
    assert [i["Id"] for i in await entries(http, fake.url, pid, tok)] == [b, a, c, a]
    # Removing by that id removes every copy.
    async with http.delete(
        f"{fake.url}/Playlists/{pid}/Items", headers=h, params={"entryIds": a}
    ) as r:
        assert r.status == 204
    assert [i["Id"] for i in await entries(http, fake.url, pid, tok)] == [b, c]


async def test_playlist_update_permissions_and_delete(fake, http: aiohttp.ClientSession) -> None:  # type: ignore[no-untyped-def]
    tok = (await login(http, fake.url))["AccessToken"]
    h = {"Authorization": mb_header(tok)}
    guest_tok = (await login(http, fake.url, "guest", "guest", "g"))["AccessToken"]
    gh = {"Authorization": mb_header(guest_tok)}
    a, b = fake.library.tracks[0].id, fake.library.tracks[1].id
    # obsolete query parameters win over the body
    async with http.post(
        f"{fake.url}/Playlists", headers=h, params={"name": "FromQuery"}, json={"Name": "FromBody"}
    ) as r:
        pid = (await r.json())["Id"]
    assert fake.state.playlists[pid].name == "FromQuery"
    async with http.post(
        f"{fake.url}/Playlists/{pid}",
        headers=h,
        json={"Ids": [b], "Name": "Renamed", "IsPublic": True},
    ) as r:
        assert r.status == 204
    assert (await get_json(http, f"{fake.url}/Playlists/{pid}", tok))["ItemIds"] == [b]
    async with http.post(f"{fake.url}/Playlists/{pid}/Items", headers=gh, params={"ids": a}) as r:
        assert r.status == 403
    async with http.post(f"{fake.url}/Playlists/{pid}", headers=gh, json={"Name": "x"}) as r:
        assert r.status == 403
    async with http.delete(f"{fake.url}/Items/{pid}", headers=gh) as r:
        assert r.status == 401
    async with http.post(f"{fake.url}/Playlists/{'0' * 32}", headers=h, json={}) as r:
        assert r.status == 404
    # API key must pass UserId
    async with http.post(
        f"{fake.url}/Playlists",
        headers=api_headers(),
        json={"Name": "k", "UserId": fake.user_id("guest")},
    ) as r:
        assert r.status == 200
    async with http.delete(f"{fake.url}/Items/{pid}", headers=h) as r:
        assert r.status == 204
    assert pid not in fake.state.playlists


async def test_playlists_before_10_10_2_have_random_entry_ids(
    make_fake: FakeFactory, http: aiohttp.ClientSession
) -> None:
    fake = await make_fake(version="10.9.11")
    tok = (await login(http, fake.url))["AccessToken"]
    h = {"Authorization": mb_header(tok)}
    a, b = (t.id for t in fake.library.tracks[:2])
    pid = await create(http, fake.url, h, Name="Old", Ids=[a, b])
    items = await entries(http, fake.url, pid, tok)
    pids = [i["PlaylistItemId"] for i in items]
    assert [i["Id"] for i in items] == [a, b] and all(p not in (a, b) for p in pids)
    async with http.post(f"{fake.url}/Playlists/{pid}/Items/{pids[1]}/Move/0", headers=h) as r:
        assert r.status == 204
    assert [i["Id"] for i in await entries(http, fake.url, pid, tok)] == [b, a]
    # GET /Playlists/{id} arrived in 10.10; the update route in 10.9.
    async with http.get(f"{fake.url}/Playlists/{pid}", headers=h) as r:
        assert r.status == 404
    async with http.post(f"{fake.url}/Playlists/{pid}", headers=h, json={"Name": "x"}) as r:
        assert r.status == 204
