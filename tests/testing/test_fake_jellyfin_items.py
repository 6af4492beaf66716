"""/Items paging, sorting, filters, fields and the user-data routes."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import aiohttp

from companion.testing.jellyfin import FakeJellyfin

from .conftest import api_headers, get_json, login, mb_header


def audio(**extra: Any) -> dict[str, Any]:
    return {"recursive": "true", "includeItemTypes": "Audio", **extra}


async def test_no_default_limit_and_paging(fake: FakeJellyfin, http: aiohttp.ClientSession) -> None:
    url = f"{fake.url}/Items"
    everything = await get_json(http, url, **audio())
    assert everything["TotalRecordCount"] == len(fake.library.tracks) == len(everything["Items"])
    assert everything["StartIndex"] == 0
    page = await get_json(http, url, **audio(startIndex="10", limit="5", sortBy="SortName"))
    assert page["StartIndex"] == 10 and len(page["Items"]) == 5
    full = await get_json(http, url, **audio(sortBy="SortName"))
    assert [i["Id"] for i in page["Items"]] == [i["Id"] for i in full["Items"][10:15]]
    # repeated list parameters work like comma-separated ones; junk values are dropped
    both = await get_json(
        http, url, recursive="true", includeItemTypes=["MusicAlbum", "Audio", "Bogus"], limit="0"
    )
    assert both["TotalRecordCount"] == len(fake.library.tracks) + len(fake.library.albums)


async def test_root_lists_views(fake: FakeJellyfin, http: aiohttp.ClientSession) -> None:
    views = await get_json(http, f"{fake.url}/Items")
    kinds = {(v["Name"], v["CollectionType"], v["Type"]) for v in views["Items"]}
    assert ("Music", "music", "CollectionFolder") in kinds and (
        "Movies",
        "movies",
        "CollectionFolder",
    ) in kinds


async def test_sorting(fake: FakeJellyfin, http: aiohttp.ClientSession) -> None:
    url = f"{fake.url}/Items"
    res = await get_json(
        http, url, **audio(sortBy="DateCreated", sortOrder="Descending", fields="DateCreated")
    )
    dates = [i["DateCreated"] for i in res["Items"]]
    assert dates == sorted(dates, reverse=True)
    assert all(d.endswith("Z") and len(d.split(".")[1]) == 8 for d in dates)
    res = await get_json(http, url, **audio(sortBy="Runtime,SortName", sortOrder="Ascending"))
    ticks = [i["RunTimeTicks"] for i in res["Items"]]
    assert ticks == sorted(ticks)
    res = await get_json(
        http, url, recursive="true", includeItemTypes="MusicAlbum", sortBy="ProductionYear,SortName"
    )
    years = [i.get("ProductionYear", 0) for i in res["Items"]]
    assert years == sorted(years)
    res = await get_json(http, url, **audio(sortBy="Album,ParentIndexNumber,IndexNumber"))
    assert len(res["Items"]) == len(fake.library.tracks)
    # sortOrder reuses the first value for later keys; Random is a valid key
    res = await get_json(http, url, **audio(sortBy="Random", limit="3"))
    assert len(res["Items"]) == 3


async def test_fields_only_when_requested(fake: FakeJellyfin, http: aiohttp.ClientSession) -> None:
    url = f"{fake.url}/Items"
    plain = (await get_json(http, url, **audio(limit="1")))["Items"][0]
    for f in ("ProviderIds", "DateCreated", "Genres", "Path", "MediaSources", "SortName", "Etag"):
        assert f not in plain
    assert plain["Type"] == "Audio" and plain["MediaType"] == "Audio" and "ArtistItems" in plain
    full = await get_json(
        http,
        url,
        **audio(
            fields="ProviderIds,DateCreated,Genres,DateLastSaved,SortName,ParentId,MediaSources,Path"
        ),
    )
    with_mb = [i for i in full["Items"] if i["ProviderIds"]]
    assert with_mb and "MusicBrainzTrack" in with_mb[0]["ProviderIds"]
    assert "MusicBrainzRecording" not in with_mb[0]["ProviderIds"]  # 10.10.7
    item = full["Items"][0]
    assert item["ParentId"] == item["AlbumId"] and item["MediaSources"][0]["Id"] == item["Id"]
    assert "DateLastSaved" not in item  # accepted in fields, never written (no such property)
    no_img = (await get_json(http, url, **audio(limit="1", enableImages="false")))["Items"][0]
    assert "ImageTags" not in no_img and "AlbumPrimaryImageTag" not in no_img


async def test_recording_id_from_10_11(make_fake, http: aiohttp.ClientSession) -> None:  # type: ignore[no-untyped-def]
    fake = await make_fake(version="10.11.11")
    res = await get_json(http, f"{fake.url}/Items", **audio(fields="ProviderIds"))
    assert any("MusicBrainzRecording" in i["ProviderIds"] for i in res["Items"])


async def test_filters(fake: FakeJellyfin, http: aiohttp.ClientSession) -> None:
    lib = fake.library
    url = f"{fake.url}/Items"
    album = lib.albums[3]
    res = await get_json(http, url, **audio(albumIds=album.id))
    assert {i["Id"] for i in res["Items"]} == set(album.track_ids)
    hyph = str(uuid.UUID(album.id))
    res2 = await get_json(http, url, **audio(albumIds=hyph + ",not-a-guid"))
    assert res2["TotalRecordCount"] == len(album.track_ids)
    res3 = await get_json(http, url, parentId=hyph)
    assert res3["TotalRecordCount"] == len(album.track_ids)
    artist = lib.by_id[album.album_artist_ids[0]]
    res = await get_json(
        http, url, recursive="true", includeItemTypes="MusicAlbum", albumArtistIds=artist.id
    )
    assert album.id in {i["Id"] for i in res["Items"]}
    t = lib.tracks[5]
    res = await get_json(http, url, **audio(searchTerm=t.name.lower()[:6]))
    assert t.id in {i["Id"] for i in res["Items"]}
    res = await get_json(http, url, **audio(genres=f"{t.genres[0]}|Nonexistent"))
    assert all(t.genres[0] in i.get("Genres", [t.genres[0]]) for i in res["Items"]) and res["Items"]
    res = await get_json(http, url, **audio(years=str(t.year), fields="Genres"))
    assert all(i["ProductionYear"] == t.year for i in res["Items"]) and res["Items"]
    res = await get_json(http, url, **audio(ids=f"{t.id},{uuid.UUID(lib.tracks[6].id)!s}"))
    assert res["TotalRecordCount"] == 2
    res = await get_json(http, url, **audio(ids=f"{t.id},{lib.tracks[6].id}", excludeItemIds=t.id))
    assert [i["Id"] for i in res["Items"]] == [lib.tracks[6].id]
    res = await get_json(http, url, **audio(artists=lib.by_id[t.artist_ids[0]].name))
    assert t.id in {i["Id"] for i in res["Items"]}
    res = await get_json(http, url, **audio(nameStartsWith="0001 - 0001"))
    assert res["Items"] and all(i["IndexNumber"] == 1 for i in res["Items"])
    feats = [x for x in lib.tracks if len(x.artist_ids) > 1]
    if feats:
        item = await get_json(http, f"{fake.url}/Items/{feats[0].id}", userId=fake.user_id("demo"))
        assert len(item["ArtistItems"]) == 2 and "feat." in item["Name"]


async def test_favorites_played_and_user_filters(
    fake: FakeJellyfin, http: aiohttp.ClientSession
) -> None:
    tok = (await login(http, fake.url))["AccessToken"]
    h = {"Authorization": mb_header(tok)}
    uid = fake.user_id("demo")
    t1, t2 = fake.library.tracks[0], fake.library.tracks[1]
    async with http.post(f"{fake.url}/UserFavoriteItems/{t1.id}", headers=h) as r:
        body = await r.json()
        assert r.status == 200 and body["IsFavorite"] is True and body["ItemId"] == t1.id
    async with http.post(
        f"{fake.url}/Users/{uuid.UUID(uid)!s}/FavoriteItems/{t2.id}", headers=h
    ) as r:
        assert (await r.json())["IsFavorite"] is True
    async with http.post(f"{fake.url}/UserPlayedItems/{t2.id}", headers=h) as r:
        assert (await r.json())["Played"] is True
    res = await get_json(http, f"{fake.url}/Items", tok, **audio(isFavorite="true"))
    assert {i["Id"] for i in res["Items"]} == {t1.id, t2.id}
    assert all(i["UserData"]["IsFavorite"] for i in res["Items"])
    res = await get_json(http, f"{fake.url}/Items", tok, **audio(filters="IsFavorite,IsPlayed"))
    assert [i["Id"] for i in res["Items"]] == [t2.id]
    res = await get_json(http, f"{fake.url}/Items", tok, **audio(filters="IsUnplayed", limit="0"))
    assert res["TotalRecordCount"] == len(fake.library.tracks) - 1
    async with http.delete(f"{fake.url}/Users/{uid}/FavoriteItems/{t1.id}", headers=h) as r:
        assert (await r.json())["IsFavorite"] is False
    async with http.get(f"{fake.url}/UserItems/{t2.id}/UserData", headers=h) as r:
        ud = await r.json()
        assert ud["Played"] and ud["PlayCount"] == 1 and ud["Key"]
    async with http.post(
        f"{fake.url}/UserItems/{t2.id}/UserData", headers=h, json={"PlayCount": 7}
    ) as r:
        assert (await r.json())["PlayCount"] == 7
    res = await get_json(
        http,
        f"{fake.url}/Items",
        tok,
        **audio(sortBy="PlayCount", sortOrder="Descending", limit="1"),
    )
    assert res["Items"][0]["Id"] == t2.id
    # minDateLastSavedForUser filters on the items' metadata save date, not on user data:
    # the favorites just set do not make those items "saved since" now.
    after_library = (
        max(t.date_last_saved for t in fake.library.tracks) + timedelta(seconds=1)
    ).isoformat()
    res = await get_json(
        http, f"{fake.url}/Items", tok, **audio(minDateLastSavedForUser=after_library)
    )
    assert res["Items"] == []
    # a non-admin may not name another user
    guest = (await login(http, fake.url, "guest", "guest", "g"))["AccessToken"]
    async with http.get(
        f"{fake.url}/Items", headers={"Authorization": mb_header(guest)}, params={"userId": uid}
    ) as r:
        assert r.status == 403
    async with http.get(f"{fake.url}/Items/{'f' * 32}", headers=h) as r:
        assert r.status == 404


async def test_item_artists_latest_mix(fake: FakeJellyfin, http: aiohttp.ClientSession) -> None:
    uid = fake.user_id("demo")
    t = fake.library.tracks[0]
    item = await get_json(http, f"{fake.url}/Users/{uid}/Items/{t.id}")
    assert item["Id"] == t.id and "ProviderIds" in item and "Path" in item and "UserData" in item
    arts = await get_json(http, f"{fake.url}/Artists", limit="5")
    assert arts["TotalRecordCount"] >= 5 and all(a["Type"] == "MusicArtist" for a in arts["Items"])
    aa = await get_json(http, f"{fake.url}/Artists/AlbumArtists")
    assert any(a["Name"] == "Various Artists" for a in aa["Items"]) or aa["Items"]
    one = await get_json(http, f"{fake.url}/Artists/Björk", userId=uid)
    assert one["Name"] == "Björk"
    latest = await get_json(http, f"{fake.url}/Items/Latest", userId=uid)
    assert isinstance(latest, list) and len(latest) == 20
    mix = await get_json(http, f"{fake.url}/Items/{t.id}/InstantMix", userId=uid, limit="10")
    assert mix["Items"][0]["Id"] == t.id and len(mix["Items"]) == 10
    again = await get_json(http, f"{fake.url}/Albums/{t.album_id}/InstantMix", limit="10")
    again2 = await get_json(http, f"{fake.url}/Albums/{t.album_id}/InstantMix", limit="10")
    assert again == again2
    amix = await get_json(http, f"{fake.url}/Artists/InstantMix", id=t.artist_ids[0], limit="5")
    assert len(amix["Items"]) == 5


async def test_ids_with_hyphens_everywhere(fake: FakeJellyfin, http: aiohttp.ClientSession) -> None:
    t = fake.library.tracks[2]
    hy = str(uuid.UUID(t.id)).upper()
    uid = str(uuid.UUID(fake.user_id("demo")))
    item = await get_json(http, f"{fake.url}/Items/{hy}", userId=uid)
    assert item["Id"] == t.id
    async with http.post(
        f"{fake.url}/UserFavoriteItems/{hy}", headers=api_headers(), params={"userId": uid}
    ) as r:
        assert r.status == 200
