"""Routes real clients call, case-insensitive matching, and the control plane kept apart."""

from __future__ import annotations

import aiohttp
import pytest

from companion.testing.jellyfin import SUPPORTED_VERSIONS, FakeJellyfin

from .conftest import FakeFactory, api_headers, get_json, login


async def test_routes_match_ignoring_case(fake: FakeJellyfin, http: aiohttp.ClientSession) -> None:
    for path in ("/users", "/USERS", "/sessions", "/system/info", "/system/configuration"):
        async with http.get(f"{fake.url}{path}", headers=api_headers()) as r:
            assert r.status == 200, path
    folders = await get_json(http, f"{fake.url}/library/mediafolders")
    assert {f["CollectionType"] for f in folders["Items"]} == {"music", "movies"}
    t = fake.library.tracks[0]
    uid = fake.user_id("demo")
    item = await get_json(http, f"{fake.url}/users/{uid}/items/{t.id}")
    assert item["Id"] == t.id
    latest = await get_json(http, f"{fake.url}/items/latest", userId=uid)
    assert isinstance(latest, list)  # /items/latest is Latest, not an item id
    # Path parameters keep their own spelling.
    artist = await get_json(http, f"{fake.url}/artists/Björk", userId=uid)
    assert artist["Name"] == "Björk"
    async with http.get(f"{fake.url}/nothing/here", headers=api_headers()) as r:
        assert r.status == 404


async def test_control_plane_does_not_shadow_real_routes(
    fake: FakeJellyfin, http: aiohttp.ClientSession
) -> None:
    async with http.post(f"{fake.url}/__fake__/users", json={"name": "zed", "password": "z"}) as r:
        assert r.status == 200
    users = await get_json(http, f"{fake.url}/users")
    assert "zed" in {u["Name"] for u in users}
    async with http.get(f"{fake.url}/__fake__/state") as r:
        assert (await r.json())["users"]["zed"] == fake.user_id("zed")


async def test_configuration_plugins_and_media_folders(
    make_fake: FakeFactory, http: aiohttp.ClientSession
) -> None:
    fake = await make_fake(version="10.11.11")
    conf = await get_json(http, f"{fake.url}/System/Configuration")
    assert conf["MinResumeDurationSeconds"] == 300 and conf["EnableLegacyAuthorization"] is True
    plugins = await get_json(http, f"{fake.url}/Plugins")
    assert [p["Name"] for p in plugins] == ["Webhook"]
    fake.state.playback_reporting = True
    plugins = await get_json(http, f"{fake.url}/plugins")
    assert [p["Name"] for p in plugins] == ["Webhook", "Playback Reporting"]
    guest = (await login(http, fake.url, "guest", "guest", "g"))["AccessToken"]
    async with http.get(f"{fake.url}/Plugins", headers=api_headers(guest)) as r:
        assert r.status == 403


async def test_user_views_suggestions_similar_playback_info(
    fake: FakeJellyfin, http: aiohttp.ClientSession
) -> None:
    uid = fake.user_id("demo")
    async with http.get(f"{fake.url}/UserViews", headers=api_headers()) as r:
        assert r.status == 400  # an API key must name the user
    views = await get_json(http, f"{fake.url}/UserViews", userId=uid)
    assert [v["CollectionType"] for v in views["Items"]] == ["music", "movies"]
    legacy = await get_json(http, f"{fake.url}/Users/{uid}/Views")
    assert legacy == views
    sugg = await get_json(
        http, f"{fake.url}/Items/Suggestions", userId=uid, type="Audio", limit="5"
    )
    assert len(sugg["Items"]) == 5 and all(i["Type"] == "Audio" for i in sugg["Items"])
    t = fake.library.tracks[0]
    sim = await get_json(http, f"{fake.url}/Items/{t.id}/Similar", userId=uid, limit="4")
    assert len(sim["Items"]) == 4 and t.id not in {i["Id"] for i in sim["Items"]}
    info = await get_json(http, f"{fake.url}/Items/{t.id}/PlaybackInfo", userId=uid)
    assert info["MediaSources"][0]["Id"] == t.id and len(info["PlaySessionId"]) == 32


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
async def test_media_source_size_matches_bitrate_and_stream(
    make_fake: FakeFactory, http: aiohttp.ClientSession, version: str
) -> None:
    fake = await make_fake(version=version, tracks=20)
    t = fake.library.tracks[0]
    res = await get_json(http, f"{fake.url}/Items", ids=t.id, fields="MediaSources")
    src = res["Items"][0]["MediaSources"][0]
    seconds = src["RunTimeTicks"] / 10**7
    expected = src["Bitrate"] * seconds / 8
    assert abs(src["Size"] - expected) / expected < 0.01
    async with http.head(f"{fake.url}/Audio/{t.id}/stream", params={"static": "true"}) as r:
        assert int(r.headers["Content-Length"]) == src["Size"]
