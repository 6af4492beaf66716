"""JellyfinClient against the loopback fake Jellyfin."""

from __future__ import annotations

from collections.abc import AsyncIterator

import aiohttp
import pytest

from companion.testing.jellyfin import FAKE_API_KEY, FAKE_SERVER_ID, FakeJellyfin
from integrations.jellyfin.client import JellyfinClient
from integrations.jellyfin.const import SCAN_TASK_ID
from integrations.jellyfin.exceptions import (
    JellyfinAuthenticationError,
    JellyfinNotFoundError,
    JellyfinResponseError,
    JellyfinUnsupportedVersionError,
)


@pytest.fixture
async def versioned(request: pytest.FixtureRequest) -> AsyncIterator[FakeJellyfin]:
    server = FakeJellyfin(tracks=60, version=request.param)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


def make(url: str, session: aiohttp.ClientSession, **kwargs: object) -> JellyfinClient:
    return JellyfinClient(url, session=session, device_id="companion-test-device", **kwargs)  # type: ignore[arg-type]


async def requests_seen(
    session: aiohttp.ClientSession, fake: FakeJellyfin
) -> list[dict[str, object]]:
    async with session.get(f"{fake.url}/__fake__/requests") as resp:
        data: list[dict[str, object]] = await resp.json()
        return data


async def test_public_info(fake: FakeJellyfin, session: aiohttp.ClientSession) -> None:
    client = make(fake.url, session)
    assert client.server_version is None
    info = await client.public_info()
    assert info.id == FAKE_SERVER_ID
    assert info.name == "fake-jellyfin"
    assert info.product_name == "Jellyfin Server"
    assert info.version == (10, 10, 7)
    assert info.version_string == "10.10.7"
    assert client.server_version == (10, 10, 7)


@pytest.mark.parametrize("versioned", ["10.8.13"], indirect=True)
async def test_old_version_unsupported(
    versioned: FakeJellyfin, session: aiohttp.ClientSession
) -> None:
    with pytest.raises(JellyfinUnsupportedVersionError) as info:
        await make(versioned.url, session).ensure_supported()
    assert str(info.value) == (
        "Jellyfin 10.8.13 is not supported; the companion needs Jellyfin 10.9 or newer."
    )


@pytest.mark.parametrize("versioned", ["10.10.7", "10.11.6", "12.0.0"], indirect=True)
async def test_supported_versions_with_api_key(
    versioned: FakeJellyfin, session: aiohttp.ClientSession
) -> None:
    # 12.0 turns legacy auth off: only the MediaBrowser header with Token= works there.
    client = make(versioned.url, session, token=FAKE_API_KEY)
    public = await client.ensure_supported()
    info = await client.system_info()
    assert info.version_string == public.version_string
    page = await client.items(
        include_item_types=["Audio"], limit=5, user_id=versioned.user_id("demo")
    )
    assert len(page.items) == 5
    for seen in await requests_seen(session, versioned):
        query = seen["query"]
        assert isinstance(query, dict)
        assert "api_key" not in query and "ApiKey" not in query


async def test_bad_api_key(fake: FakeJellyfin, session: aiohttp.ClientSession) -> None:
    with pytest.raises(JellyfinAuthenticationError):
        await make(fake.url, session, token="0" * 32).system_info()


async def test_authenticate_and_browse(fake: FakeJellyfin, session: aiohttp.ClientSession) -> None:
    anonymous = make(fake.url, session)
    with pytest.raises(JellyfinAuthenticationError, match="Invalid username or password"):
        await anonymous.authenticate("demo", "nope")
    auth = await anonymous.authenticate("demo", "demo")
    assert auth.user.name == "demo" and auth.user.is_admin
    assert auth.user.id == fake.user_id("demo")
    assert auth.server_id == FAKE_SERVER_ID
    assert auth.access_token not in repr(auth)

    demo = anonymous.with_token(auth.access_token, auth.user.id)
    assert (await demo.me()).id == auth.user.id
    users = {u.name: u for u in await demo.users()}
    assert users["guest"].is_admin is False

    page = await demo.items(
        include_item_types=["Audio"],
        sort_by=["SortName"],
        limit=10,
        fields=["ProviderIds", "DateCreated", "Genres"],
    )
    assert page.total >= len(page.items) == 10
    track = page.items[0]
    assert track.type == "Audio" and len(track.id) == 32
    assert track.user_data is not None
    assert track.artists and track.album_id

    again = await demo.item(track.id.upper())
    assert again.id == track.id

    albums = await demo.items(include_item_types=["MusicAlbum"], limit=3)
    assert all(a.type == "MusicAlbum" for a in albums.items)
    album_tracks = await demo.items(album_ids=[albums.items[0].id], include_item_types=["Audio"])
    assert album_tracks.items and all(t.album_id == albums.items[0].id for t in album_tracks.items)

    artists = await demo.album_artists(limit=5)
    assert artists.items and all(a.type == "MusicArtist" for a in artists.items)
    assert (await demo.artists(limit=2)).items

    mix = await demo.instant_mix(track.id, limit=5)
    assert len(mix.items) <= 5

    libraries = await demo.virtual_folders()
    assert "music" in {lib.collection_type for lib in libraries}


async def test_favorites_round_trip(fake: FakeJellyfin, session: aiohttp.ClientSession) -> None:
    client = make(fake.url, session, token=FAKE_API_KEY, user_id=fake.user_id("demo"))
    track = (await client.items(include_item_types=["Audio"], limit=1)).items[0]
    data = await client.set_favorite(track.id, favorite=True)
    assert data.is_favorite and data.item_id == track.id
    assert (await client.user_data(track.id)).is_favorite
    favorites = await client.items(include_item_types=["Audio"], is_favorite=True)
    assert track.id in {t.id for t in favorites.items}
    data = await client.set_favorite(track.id, favorite=False)
    assert not data.is_favorite
    # The other user's data is untouched, and named explicitly.
    guest = fake.user_id("guest")
    assert not (await client.user_data(track.id, guest)).is_favorite


async def test_playlists_round_trip(fake: FakeJellyfin, session: aiohttp.ClientSession) -> None:
    anonymous = make(fake.url, session)
    auth = await anonymous.authenticate("demo", "demo")
    demo = anonymous.with_token(auth.access_token, auth.user.id)
    tracks = [t.id for t in (await demo.items(include_item_types=["Audio"], limit=5)).items]

    playlist_id = await demo.create_playlist("Mix", tracks[:2])
    assert len(playlist_id) == 32
    ids, shares = await demo.get_playlist(playlist_id)
    assert ids == tuple(tracks[:2]) and shares == ()

    await demo.add_to_playlist(playlist_id, tracks[2:4])
    page = await demo.playlist_items(playlist_id)
    assert [i.id for i in page.items] == tracks[:4]
    assert all(i.playlist_item_id for i in page.items)

    # 10.10 cannot move an entry to index 0 (it lands at 1).
    await demo.move_playlist_item(playlist_id, page.items[3].playlist_item_id or "", 0)
    page = await demo.playlist_items(playlist_id)
    assert [i.id for i in page.items] == [tracks[0], tracks[3], tracks[1], tracks[2]]

    await demo.remove_from_playlist(playlist_id, [page.items[1].playlist_item_id or ""])
    assert [i.id for i in (await demo.playlist_items(playlist_id)).items] == tracks[:3]

    await demo.update_playlist(playlist_id, name="Renamed", item_ids=[tracks[4]])
    assert (await demo.get_playlist(playlist_id)).item_ids == (tracks[4],)
    found = await demo.items(include_item_types=["Playlist"])
    assert "Renamed" in {p.name for p in found.items}

    await demo.delete_item(playlist_id)
    with pytest.raises(JellyfinNotFoundError):
        await demo.get_playlist(playlist_id)


async def test_sessions_and_playback(fake: FakeJellyfin, session: aiohttp.ClientSession) -> None:
    anonymous = make(fake.url, session)
    auth = await anonymous.authenticate("demo", "demo")
    demo = anonymous.with_token(auth.access_token, auth.user.id)
    track = (await demo.items(include_item_types=["Audio"], limit=1)).items[0]
    await demo.report_playback_start(track.id)
    await demo.report_playback_progress(track.id, position_ticks=50_000_000, is_paused=True)
    mine = [s for s in await demo.sessions() if s.device_id == "companion-test-device"]
    assert mine and mine[0].now_playing is not None and mine[0].now_playing.id == track.id
    assert mine[0].is_paused and mine[0].position_ticks == 50_000_000
    await demo.report_playback_stopped(track.id, position_ticks=60_000_000)
    assert (await demo.user_data(track.id)).play_count >= 1

    async with session.post(
        f"{fake.url}/__fake__/users/guest/playback", json={"item_id": track.id}
    ) as resp:
        remote_id = (await resp.json())["session_id"]
    await demo.send_play_command(remote_id, [track.id], "PlayNext")
    await demo.send_playstate(remote_id, "Pause")
    async with session.get(f"{fake.url}/__fake__/remote_commands") as resp:
        commands = await resp.json()
    assert [c["MessageType"] for c in commands[-2:]] == ["Play", "Playstate"]


async def test_scan(fake: FakeJellyfin, session: aiohttp.ClientSession) -> None:
    client = make(fake.url, session, token=FAKE_API_KEY)
    task = await client.scheduled_task(SCAN_TASK_ID)
    assert task.key == "RefreshLibrary" and task.name == "Scan Media Library"
    assert SCAN_TASK_ID in {t.id for t in await client.scheduled_tasks()}
    await client.refresh_library()


async def test_injected_503_is_retried(fake: FakeJellyfin, session: aiohttp.ClientSession) -> None:
    client = make(fake.url, session, token=FAKE_API_KEY)
    async with session.put(
        f"{fake.url}/__fake__/faults", json={"error_rate": 1.0, "status": 503}
    ) as resp:
        assert resp.status == 204
    async with session.delete(f"{fake.url}/__fake__/requests"):
        pass
    with pytest.raises(JellyfinResponseError) as info:
        await client.system_info()
    assert info.value.status == 503
    seen = [r for r in await requests_seen(session, fake) if r["path"] == "/System/Info"]
    assert len(seen) == 3


@pytest.mark.parametrize("versioned", ["10.8.13"], indirect=True)
async def test_legacy_routes_follow_the_version(
    versioned: FakeJellyfin, session: aiohttp.ClientSession
) -> None:
    demo = versioned.user_id("demo")
    client = make(versioned.url, session, token=FAKE_API_KEY, user_id=demo)
    await client.public_info()
    track = (await client.items(include_item_types=["Audio"], limit=1)).items[0]
    assert (await client.item(track.id)).id == track.id
    assert (await client.set_favorite(track.id, favorite=True)).is_favorite
    assert (await client.user_data(track.id)).is_favorite
    paths = [str(r["path"]) for r in await requests_seen(session, versioned)]
    assert f"/Users/{demo}/Items" in paths
    assert f"/Users/{demo}/Items/{track.id}" in paths
    assert f"/Users/{demo}/FavoriteItems/{track.id}" in paths
    assert f"/Users/{demo}/Items/{track.id}/UserData" in paths
    assert not any(p.startswith("/UserFavoriteItems") for p in paths)
