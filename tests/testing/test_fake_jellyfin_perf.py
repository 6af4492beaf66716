"""A 100k-track library: generated, paged, filtered and searched correctly.

How fast belongs to `python -m bench.jellyfin_client --tracks 100000`, not to a test.
"""

from __future__ import annotations

import aiohttp

from companion.testing.jellyfin import FakeJellyfin

from .conftest import FakeFactory, get_json


async def test_100k_library(make_fake: FakeFactory, http: aiohttp.ClientSession) -> None:
    fake: FakeJellyfin = await make_fake(tracks=100_000)
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
    seen: set[str] = set()
    for start in range(0, 5000, 500):
        page = await get_json(http, url, **params, startIndex=str(start))
        assert len(page["Items"]) == 100 and page["TotalRecordCount"] == 100_000
        seen.update(i["Id"] for i in page["Items"])
    assert len(seen) == 1000  # pages do not overlap
    album = fake.library.albums[123]
    res = await get_json(http, url, recursive="true", includeItemTypes="Audio", albumIds=album.id)
    assert res["TotalRecordCount"] == len(album.track_ids)
    found = await get_json(
        http, url, recursive="true", includeItemTypes="Audio", searchTerm="harbor", limit="100"
    )
    assert found["Items"], "the generated library has tracks named after harbors"
    assert all("harbor" in i["Name"].lower() for i in found["Items"]), found["Items"][:3]
