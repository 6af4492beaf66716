"""The light library index: full and incremental syncs, live facts, outages."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestClient

from companion import keys
from companion.events import EventBus
from companion.library.index import (
    CURSOR_SOURCE,
    PROGRESS_EVENT,
    LibraryIndexService,
)
from companion.library.index_rows import normalize_text
from companion.library.models import EventCursor, LibraryTrack
from companion.media import IndexTrack, MediaServer
from companion.providers import Providers, ProviderUnavailable
from companion.providers.live import LibraryFact
from companion.testing.jellyfin import FakeJellyfin
from companion.testing.jellyfin.dto import has_mbids, item_path
from companion.testing.jellyfin.wire import TICKS_PER_SECOND, mbid

Client = TestClient[Any, Any]
PAGE = 64


@pytest.fixture
async def fake_jellyfin() -> AsyncIterator[FakeJellyfin]:
    """A fake Jellyfin 10.11, the first version whose tracks carry MusicBrainzRecording."""
    fake = FakeJellyfin(tracks=200, version="10.11.6")
    await fake.start()
    yield fake
    await fake.stop()


@pytest.fixture
async def index(jellyfin_app_client: Client) -> LibraryIndexService:
    """A service with small pages (200 tracks take four), starting from an empty index."""
    app = jellyfin_app_client.app
    # The app indexed the library at startup; these tests start from nothing.
    await LibraryTrack.all().delete()
    await EventCursor.filter(source="library_index").delete()
    return LibraryIndexService(app[keys.PROVIDERS], app[keys.BUS], page_size=PAGE)


async def _add_track(fake: FakeJellyfin, **body: str) -> dict[str, Any]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{fake.url}/__fake__/library/tracks", json=body) as resp,
    ):
        assert resp.status == 200
        result: dict[str, Any] = await resp.json()
        return result


async def _delete_track(fake: FakeJellyfin, item_id: str) -> None:
    async with (
        aiohttp.ClientSession() as http,
        http.delete(f"{fake.url}/__fake__/library/tracks/{item_id}") as resp,
    ):
        assert resp.status == 204


async def test_full_sync_indexes_every_track(
    index: LibraryIndexService, fake_jellyfin: FakeJellyfin
) -> None:
    lib = fake_jellyfin.library
    result = await index.full_sync()
    assert result.indexed == len(lib.tracks) == 200
    assert result.removed == 0
    assert await index.count() == 200
    without_mbids = [t for t in lib.tracks if not has_mbids(t.id)]
    assert without_mbids, "the fake leaves some tracks untagged"
    for track in (lib.tracks[0], lib.tracks[137], without_mbids[0]):
        row = await index.get(track.id)
        album = lib.album_of(track)
        assert album is not None
        tagged = has_mbids(track.id)
        assert row == IndexTrack(
            item_id=track.id,
            title=track.name,
            artists=tuple(lib.names(track.artist_ids)),
            artist_ids=tuple(track.artist_ids),
            album=album.name,
            album_id=album.id,
            album_artist=lib.names(track.album_artist_ids)[0],
            duration_s=round(track.runtime_ticks / TICKS_PER_SECOND, 3),
            track_number=track.index_number,
            disc_number=track.disc_number,
            year=track.year,
            isrc=None,
            mbid_recording=mbid("recording", track.id) if tagged else None,
            mbid_track=mbid("track", track.id) if tagged else None,
            date_created=track.date_created,
            date_last_saved=track.date_last_saved,
            path=item_path(fake_jellyfin.state, track),
        )
    # The cursor is the newest DateLastSaved Jellyfin reported.
    assert result.cursor == max(t.date_last_saved for t in lib.tracks)
    assert await index.cursor() == result.cursor
    assert await EventCursor.exists(source=CURSOR_SOURCE)


async def test_pages_are_light(
    index: LibraryIndexService, fake_jellyfin: FakeJellyfin, jellyfin_app_client: Client
) -> None:
    fake_jellyfin.state.requests.clear()
    await index.full_sync()
    pages = [r["query"] for r in fake_jellyfin.state.requests if r["path"] == "/Items"]
    assert [int(q["startIndex"]) for q in pages] == [0, 64, 128, 192]
    for query in pages:
        assert query["includeItemTypes"] == "Audio"
        assert query["recursive"].lower() == "true"
        assert query["sortBy"] == "SortName"
        assert query["enableImages"].lower() == "false"
        assert query["enableUserData"].lower() == "false"
        # Path (stored on the item, no extra query) lets imports match M3U rows by file.
        assert set(query["fields"].split(",")) == {
            "ProviderIds",
            "DateCreated",
            "DateLastSaved",
            "Path",
        }
        assert int(query["limit"]) == PAGE


async def test_progress_published_every_page(
    index: LibraryIndexService, jellyfin_app_client: Client
) -> None:
    stream = jellyfin_app_client.app[keys.BUS].stream([PROGRESS_EVENT])
    await index.full_sync()
    events = await stream.get_batch()
    stream.close()
    assert len(events) == math.ceil(200 / PAGE)
    assert [e.data for e in events] == [
        {"done": 64, "total": 200},
        {"done": 128, "total": 200},
        {"done": 192, "total": 200},
        {"done": 200, "total": 200},
    ]


async def test_search_key_is_accent_free(
    index: LibraryIndexService, fake_jellyfin: FakeJellyfin
) -> None:
    added = await _add_track(fake_jellyfin, artist="Björk", album="Homogénic", title="Jóga")
    # The new artist and album ids arrive too; only the track is indexed.
    await index.apply(LibraryFact(added=tuple(added["new_ids"])))
    assert await index.count() == 1
    row = await LibraryTrack.get(item_id=added["id"])
    assert row.search_key == "joga bjork homogenic"
    assert row.artists == "Björk"
    found = await index.search("JÓGA  björk")
    assert [t.item_id for t in found] == [added["id"]]
    assert await index.search("bjork 100%") == []
    # NFKD also folds compatibility forms such as full-width letters.
    assert normalize_text("\uff33igur  Rós") == "sigur ros"


async def test_added_track_appears_after_incremental_sync(
    index: LibraryIndexService, fake_jellyfin: FakeJellyfin
) -> None:
    await index.full_sync()
    before = await index.cursor()
    added = await _add_track(fake_jellyfin, artist="New Artist", album="New Album", title="Fresh")
    result = await index.incremental_sync()
    # Only what changed since the cursor is read again, not the whole library.
    assert 1 <= result.indexed < 200
    assert await index.count() == 201
    track = await index.get(added["id"])
    assert track is not None
    assert (track.title, track.artists, track.album) == ("Fresh", ("New Artist",), "New Album")
    assert before is not None and result.cursor is not None and result.cursor > before
    assert await index.cursor() == result.cursor


async def test_incremental_sync_without_cursor_is_a_full_sync(index: LibraryIndexService) -> None:
    result = await index.incremental_sync()
    assert result.indexed == 200
    assert await index.count() == 200


async def test_deleted_track_disappears_after_apply(
    index: LibraryIndexService, fake_jellyfin: FakeJellyfin
) -> None:
    await index.full_sync()
    gone = fake_jellyfin.library.tracks[5].id
    await _delete_track(fake_jellyfin, gone)
    hyphenated = f"{gone[:8]}-{gone[8:12]}-{gone[12:16]}-{gone[16:20]}-{gone[20:]}"
    await index.apply(LibraryFact(removed=(hyphenated.upper(),)))
    assert await index.get(gone) is None
    assert await index.count() == 199


async def test_deleted_track_disappears_after_full_sync(
    index: LibraryIndexService, fake_jellyfin: FakeJellyfin
) -> None:
    await index.full_sync()
    gone = fake_jellyfin.library.tracks[42].id
    await _delete_track(fake_jellyfin, gone)
    fake_jellyfin.state.requests.clear()
    result = await index.full_sync()
    assert (result.indexed, result.removed) == (199, 1)
    # Rows the sync wrote are fresh; only the one it missed is asked about by id.
    by_id = [r["query"]["ids"] for r in fake_jellyfin.state.requests if "ids" in r["query"]]
    assert by_id == [gone]
    assert await index.get(gone) is None
    assert await index.count() == 199


async def test_apply_ignores_unknown_ids(
    index: LibraryIndexService, fake_jellyfin: FakeJellyfin
) -> None:
    track = fake_jellyfin.library.tracks[0]
    await index.apply(
        LibraryFact(
            added=("0" * 32, "not-an-id"),
            updated=(track.album_id, track.id),
            removed=("f" * 32,),
        )
    )
    assert await index.count() == 1
    assert await index.get(track.id) is not None


async def test_jellyfin_down_leaves_rows_untouched(
    index: LibraryIndexService, fake_jellyfin: FakeJellyfin
) -> None:
    await index.full_sync()
    cursor = await index.cursor()
    kept = fake_jellyfin.library.tracks[3].id
    before = await index.get(kept)
    await _delete_track(fake_jellyfin, kept)
    await fake_jellyfin.stop()
    with pytest.raises(ProviderUnavailable):
        await index.full_sync()
    with pytest.raises(ProviderUnavailable):
        await index.incremental_sync()
    with pytest.raises(ProviderUnavailable):
        await index.apply(LibraryFact(added=(kept,)))
    assert await index.count() == 200
    assert await index.get(kept) == before
    assert await index.cursor() == cursor


class _FailsOnPage:
    """A media server whose index pages fail from the nth call on (Jellyfin dying mid-sync)."""

    def __init__(self, inner: MediaServer, fail_at: int) -> None:
        self._inner = inner
        self._fail_at = fail_at
        self.calls = 0

    async def index_page(
        self, start: int, limit: int, since: datetime | None
    ) -> tuple[list[IndexTrack], int]:
        self.calls += 1
        if self.calls >= self._fail_at:
            raise ProviderUnavailable("down")
        return await self._inner.index_page(start, limit, since)

    async def index_items(self, ids: Sequence[str]) -> list[IndexTrack]:
        return await self._inner.index_items(ids)


async def test_failure_mid_sync_removes_nothing(
    index: LibraryIndexService, fake_jellyfin: FakeJellyfin, jellyfin_app_client: Client
) -> None:
    await index.full_sync()
    gone = fake_jellyfin.library.tracks[7].id
    await _delete_track(fake_jellyfin, gone)
    real = jellyfin_app_client.app[keys.PROVIDERS].media
    assert real is not None
    providers = Providers()
    providers.media = _FailsOnPage(real, fail_at=3)  # type: ignore[assignment]
    failing = LibraryIndexService(providers, EventBus(), page_size=PAGE)
    with pytest.raises(ProviderUnavailable):
        await failing.full_sync()
    # The pages read before the failure were written; nothing was swept.
    assert await index.count() == 200
    assert await index.get(gone) is not None


class _SkipsOne(_FailsOnPage):
    """A media server whose paging misses one track (the library shifted mid-sync)."""

    def __init__(self, inner: MediaServer, skipped: str) -> None:
        super().__init__(inner, fail_at=10**6)
        self._skipped = skipped

    async def index_page(
        self, start: int, limit: int, since: datetime | None
    ) -> tuple[list[IndexTrack], int]:
        tracks, total = await super().index_page(start, limit, since)
        return [t for t in tracks if t.item_id != self._skipped], total


async def test_track_missed_by_paging_is_kept(
    index: LibraryIndexService, fake_jellyfin: FakeJellyfin, jellyfin_app_client: Client
) -> None:
    await index.full_sync()
    missed = fake_jellyfin.library.tracks[11].id
    real = jellyfin_app_client.app[keys.PROVIDERS].media
    assert real is not None
    providers = Providers()
    providers.media = _SkipsOne(real, missed)  # type: ignore[assignment]
    result = await LibraryIndexService(providers, EventBus(), page_size=PAGE).full_sync()
    # Asked about by id before removal, the track Jellyfin still has stays indexed.
    assert (result.indexed, result.removed) == (199, 0)
    assert await index.get(missed) is not None
    assert await index.count() == 200


async def test_not_configured_is_unavailable() -> None:
    service = LibraryIndexService(Providers(), EventBus())
    with pytest.raises(ProviderUnavailable):
        await service.full_sync()
