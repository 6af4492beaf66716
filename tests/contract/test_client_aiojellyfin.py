"""aiojellyfin (Music Assistant's Jellyfin library) runs its normal calls against each version."""

from __future__ import annotations

import aiohttp
import pytest
from aiojellyfin import ImageType, ItemFields, ItemType, authenticate_by_name
from aiojellyfin.const import ItemFilter
from aiojellyfin.session import SessionConfiguration

from companion.testing.jellyfin import SUPPORTED_VERSIONS

from .conftest import VersionedFake
from .spec import response_problems


@pytest.mark.parametrize("version", SUPPORTED_VERSIONS)
async def test_aiojellyfin(versioned_fake: VersionedFake, version: str) -> None:
    fake = await versioned_fake(version)
    lib = fake.library
    bjork = lib.artist_by_name["björk"]
    fav = lib.tracks[5]
    async with aiohttp.ClientSession() as http:
        # Favorites and a playlist made by another app (aiojellyfin only reads them).
        async with http.post(f"{fake.url}/__fake__/users/demo/favorites/{fav.id}") as r:
            assert r.status == 200
        config = SessionConfiguration(
            session=http,
            url=fake.url,
            app_name="Music Assistant",
            app_version="2.5.0",
            device_name="contract",
            device_id="ma-contract",
            verify_ssl=False,
        )
        conn = await authenticate_by_name(config, "demo", "demo")
        folders = await conn.get_media_folders()
        assert {f["CollectionType"] for f in folders["Items"]} >= {"music"}
        artists = await conn.artists.search_term("bjork").fields(ItemFields.ProviderIds).request()
        assert [a["Id"] for a in artists["Items"]] == [bjork.id]
        albums = await conn.albums.parent(lib.music_view_id).limit(5).request()
        assert len(albums["Items"]) == 5
        tracks = [t async for t in conn.tracks.fields(ItemFields.MediaSources).stream(40)]
        assert len(tracks) == len(lib.tracks)
        favs = await conn.tracks.filters(ItemFilter.IsFavorite).enable_userdata().request()
        assert [t["Id"] for t in favs["Items"]] == [fav.id]
        artist = await conn.get_artist(bjork.id)
        album = await conn.get_album(lib.albums[0].id)
        track = await conn.get_track(lib.tracks[0].id)
        assert artist["Name"] == "Björk" and album["Type"] == "MusicAlbum"
        assert track["MediaSources"][0]["Size"] > 0
        uid = fake.user_id("demo")
        async with http.post(
            f"{fake.url}/Playlists",
            params={"ApiKey": conn._access_token},
            json={"Name": "Mix", "Ids": [t.id for t in lib.tracks[:3]], "UserId": uid},
        ) as r:
            pid = (await r.json())["Id"]
        playlist = await conn.get_playlist(pid)
        entries = await conn.tracks.in_playlist(pid).request()
        assert playlist["Name"] == "Mix" and len(entries["Items"]) == 3
        mine = await conn.playlists.request()
        assert [p["Id"] for p in mine["Items"]] == [pid]
        suggested = await conn.get_suggested_tracks()
        assert suggested["Items"] and all(t["Type"] == ItemType.Audio for t in suggested["Items"])
        similar = await conn.get_similar_tracks(lib.tracks[0].id, limit=5)
        assert len(similar["Items"]) == 5
        art = next(a for a in lib.albums if a.image_tag)
        async with http.get(conn.artwork(art.id, ImageType.Primary, max_width=300)) as r:
            assert r.status == 200 and r.content_type == "image/png"
        # aiojellyfin puts the token in api_key, which 12.0 no longer reads by default.
        async with http.head(conn.audio_url(lib.tracks[0].id)) as r:
            assert r.status == (401 if version == "12.0.0" else 200)
    assert response_problems(version, fake.state.responses) == []
