"""100k-track generation and page timing (printed, not asserted)."""

from __future__ import annotations

import time

import aiohttp

from companion.testing.jellyfin import FakeJellyfin

from .conftest import FakeFactory, get_json


async def test_100k_library(make_fake: FakeFactory, http: aiohttp.ClientSession) -> None:
    t0 = time.perf_counter()
    fake: FakeJellyfin = await make_fake(tracks=100_000)
    gen = time.perf_counter() - t0
    assert len(fake.library.tracks) == 100_000
    url = f"{fake.url}/Items"
    params = {
        "recursive": "true",
        "includeItemTypes": "Audio",
        "sortBy": "SortName",
        "limit": "100",
        "fields": "ProviderIds,DateCreated,Genres",
        "userId": fake.user_id("demo"),
    }
    await get_json(http, url, **params)  # warm the connection
    timings = []
    for start in range(0, 5000, 500):
        t = time.perf_counter()
        page = await get_json(http, url, **params, startIndex=str(start))
        timings.append((time.perf_counter() - t) * 1000)
        assert len(page["Items"]) == 100 and page["TotalRecordCount"] == 100_000
    t = time.perf_counter()
    album = fake.library.albums[123]
    res = await get_json(http, url, recursive="true", includeItemTypes="Audio", albumIds=album.id)
    album_ms = (time.perf_counter() - t) * 1000
    assert res["TotalRecordCount"] == len(album.track_ids)
    t = time.perf_counter()
    await get_json(
        http, url, recursive="true", includeItemTypes="Audio", searchTerm="harbor", limit="100"
    )
    search_ms = (time.perf_counter() - t) * 1000
    print(
        f"\n100k generation+start {gen:.2f}s; 100-item page median {sorted(timings)[len(timings) // 2]:.1f} ms "
        f"(max {max(timings):.1f} ms); album filter {album_ms:.1f} ms; search {search_ms:.1f} ms"
    )
