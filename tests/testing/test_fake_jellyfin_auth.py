"""Auth forms per version, API-key quirks, AuthenticateByName and token revocation."""

from __future__ import annotations

import aiohttp
import pytest

from companion.testing.jellyfin import FAKE_API_KEY, FAKE_SERVER_ID

from .conftest import FakeFactory, api_headers, login, mb_header


async def status(http: aiohttp.ClientSession, url: str, **kw: object) -> int:
    async with http.get(url, **kw) as r:  # type: ignore[arg-type]
        return r.status


@pytest.mark.parametrize("version", ["10.9.11", "10.10.7", "10.11.11", "12.0.0"])
async def test_auth_forms_per_version(
    make_fake: FakeFactory, http: aiohttp.ClientSession, version: str
) -> None:
    fake = await make_fake(version=version)
    info = f"{fake.url}/System/Info"
    legacy_ok = 200 if version != "12.0.0" else 401
    assert await status(http, info) == 401
    assert await status(http, info, headers=api_headers()) == 200
    assert await status(http, info, params={"ApiKey": FAKE_API_KEY}) == 200
    assert await status(http, info, params={"api_key": FAKE_API_KEY}) == legacy_ok
    assert await status(http, info, headers={"X-Emby-Token": FAKE_API_KEY}) == legacy_ok
    assert await status(http, info, headers={"X-MediaBrowser-Token": FAKE_API_KEY}) == legacy_ok
    emby = mb_header(FAKE_API_KEY).replace("MediaBrowser", "Emby")
    assert await status(http, info, headers={"Authorization": emby}) == legacy_ok
    assert (
        await status(http, info, headers={"X-Emby-Authorization": mb_header(FAKE_API_KEY)})
        == legacy_ok
    )
    # scheme is case-insensitive, values may be unquoted and url-encoded
    hdr = f"mediabrowser Client=a%20b, Device=d, DeviceId=x, Version=1, Token={FAKE_API_KEY}"
    assert await status(http, info, headers={"Authorization": hdr}) == 200
    # keys are case-sensitive
    bad = f'MediaBrowser Client="a", token="{FAKE_API_KEY}"'
    assert await status(http, info, headers={"Authorization": bad}) == 401
    assert await status(http, info, headers=api_headers("0" * 32)) == 401
    async with http.get(f"{fake.url}/System/Info/Public") as r:
        body = await r.json()
        assert body["Version"] == version and body["Id"] == FAKE_SERVER_ID


async def test_unsupported_version_reports_itself(
    make_fake: FakeFactory, http: aiohttp.ClientSession
) -> None:
    fake = await make_fake(version="10.8.13")
    async with http.get(f"{fake.url}/System/Info/Public") as r:
        assert (await r.json())["Version"] == "10.8.13"


async def test_api_key_is_admin_without_user(fake, http: aiohttp.ClientSession) -> None:  # type: ignore[no-untyped-def]
    h = api_headers()
    async with http.get(f"{fake.url}/Users/Me", headers=h) as r:
        assert r.status == 400
    track = fake.library.tracks[0]
    async with http.get(f"{fake.url}/Items/{track.id}", headers=h) as r:
        assert r.status == 404
    uid = fake.user_id("demo")
    async with http.get(f"{fake.url}/Items/{track.id}", headers=h, params={"userId": uid}) as r:
        assert r.status == 200
        assert "UserData" in await r.json()
    async with http.post(f"{fake.url}/UserFavoriteItems/{track.id}", headers=h) as r:
        assert r.status == 404
    async with http.get(f"{fake.url}/Users", headers=h) as r:
        assert r.status == 200
        assert {u["Name"] for u in await r.json()} == {"demo", "guest"}
    # no user -> no UserData on /Items
    async with http.get(
        f"{fake.url}/Items",
        headers=h,
        params={"recursive": "true", "limit": "1", "includeItemTypes": "Audio"},
    ) as r:
        assert "UserData" not in (await r.json())["Items"][0]
    extra = fake.add_api_key("other")
    assert len(extra) == 32
    async with http.get(f"{fake.url}/System/Info", params={"ApiKey": extra}) as r:
        assert r.status == 200


async def test_authenticate_and_revocation(fake, http: aiohttp.ClientSession) -> None:  # type: ignore[no-untyped-def]
    res = await login(http, fake.url)
    assert res["User"]["Policy"]["IsAdministrator"] is True
    assert res["ServerId"] == fake.state.server_id
    assert len(res["AccessToken"]) == 32 and res["SessionInfo"]["DeviceId"] == "dev-1"
    tok1 = res["AccessToken"]
    async with http.get(f"{fake.url}/Users/Me", headers={"Authorization": mb_header(tok1)}) as r:
        assert r.status == 200 and (await r.json())["Name"] == "demo"
    other = await login(http, fake.url, device_id="dev-2")
    tok2 = (await login(http, fake.url))["AccessToken"]  # same DeviceId -> tok1 revoked
    assert (
        await status(http, f"{fake.url}/Users/Me", headers={"Authorization": mb_header(tok1)})
        == 401
    )
    assert (
        await status(http, f"{fake.url}/Users/Me", headers={"Authorization": mb_header(tok2)})
        == 200
    )
    tok3 = other["AccessToken"]
    assert (
        await status(http, f"{fake.url}/Users/Me", headers={"Authorization": mb_header(tok3)})
        == 200
    )
    # guest is not admin
    guest = (await login(http, fake.url, "guest", "guest", "dev-3"))["AccessToken"]
    assert (
        await status(http, f"{fake.url}/Users", headers={"Authorization": mb_header(guest)}) == 403
    )
    assert (
        await status(
            http,
            f"{fake.url}/Users/{fake.user_id('demo')}",
            headers={"Authorization": mb_header(guest)},
        )
        == 403
    )


async def test_authenticate_errors(fake, http: aiohttp.ClientSession) -> None:  # type: ignore[no-untyped-def]
    url = f"{fake.url}/Users/AuthenticateByName"
    async with http.post(
        url, json={"Username": "demo", "Pw": "nope"}, headers={"Authorization": mb_header()}
    ) as r:
        assert r.status == 401
        assert await r.text() == "Error processing request."
        assert r.content_type == "text/plain"
    async with http.post(
        url,
        json={"Username": "demo", "Pw": "demo"},
        headers={"Authorization": 'MediaBrowser Client="x"'},
    ) as r:
        assert r.status == 400


async def test_deleted_and_disabled_users(fake, http: aiohttp.ClientSession) -> None:  # type: ignore[no-untyped-def]
    async with http.post(
        f"{fake.url}/__fake__/users", json={"name": "eve", "password": "pw", "admin": False}
    ) as r:
        uid = (await r.json())["id"]
    assert uid == fake.user_id("eve")
    tok = (await login(http, fake.url, "eve", "pw"))["AccessToken"]
    h = {"Authorization": mb_header(tok)}
    assert await status(http, f"{fake.url}/Users/Me", headers=h) == 200
    async with http.post(f"{fake.url}/__fake__/users/eve/disable") as r:
        assert r.status == 204
    assert await status(http, f"{fake.url}/Users/Me", headers=h) == 403
    async with http.delete(f"{fake.url}/__fake__/users/eve") as r:
        assert r.status == 204
    assert await status(http, f"{fake.url}/Users/Me", headers=h) == 401
