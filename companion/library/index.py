"""The light library index (design §5): a paged full sync, incremental syncs and live updates.

An incremental sync asks the server for the tracks whose metadata it saved since the previous
sync started (the companion's own clock, minus a margin: Jellyfin never returns its save
dates), then compares the server's track count with the index; only when they differ (tracks
deleted, or missed) does it look for which: each album's track count first, every id only when
the albums do not explain the difference.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tortoise.expressions import Q
from tortoise.functions import Count
from tortoise.transactions import in_transaction

from companion.events import Event, EventBus
from companion.library.index_rows import (
    UPDATE_FIELDS,
    from_row,
    normalize_item_id,
    normalize_text,
    to_row,
)
from companion.library.models import EventCursor, LibraryTrack
from companion.media import IndexTrack, MediaServer
from companion.providers import Providers, ProviderUnavailable
from companion.providers.live import LibraryFact

_LOGGER = logging.getLogger(__name__)

CURSOR_SOURCE = "library_index"
PROGRESS_EVENT = "library.index_progress"
# Published at the end of every sync, full or incremental (the import re-match listens).
SYNCED_EVENT = "library.index_synced"
PAGE_SIZE = 1000
# The media server takes ids in batches of this size (a URL must stay short).
ID_BATCH = 200
DELETE_BATCH = 500
# Ids per page of the deletion check's listing: few calls, each a few MB.
ID_PAGE = 10_000
# The cursor is the companion's clock at the start of the previous sync; the server compares
# it with its own clock. This margin covers changes saved while that sync ran, a clock skew
# between the two hosts, and re-reading a few minutes of changes costs next to nothing.
CURSOR_OVERLAP = timedelta(minutes=10)
NOT_CONFIGURED = "Jellyfin is not set up yet."


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What one sync did: tracks written, rows removed, the cursor it stored."""

    indexed: int
    removed: int
    cursor: datetime | None


class LibraryIndexService:
    """Keeps the LibraryTrack table equal to the media server's tracks, light and searchable."""

    def __init__(self, providers: Providers, bus: EventBus, *, page_size: int = PAGE_SIZE) -> None:
        self._providers = providers
        self._bus = bus
        self._page_size = page_size
        # Full and incremental syncs never interleave; live facts may run beside them.
        self._lock = asyncio.Lock()

    def _media(self) -> MediaServer:
        media = self._providers.media
        if media is None:
            raise ProviderUnavailable(NOT_CONFIGURED)
        return media

    # -- syncs -------------------------------------------------------------------------------

    async def full_sync(self) -> SyncResult:
        """Page through every track, upsert each page, drop rows of tracks that are gone.

        Raises ProviderUnavailable when the media server is down; rows already stored stay.
        """
        async with self._lock:
            return await self._full_sync()

    async def incremental_sync(self) -> SyncResult:
        """Upsert what changed since the last sync and drop what is gone (full sync at first)."""
        async with self._lock:
            cursor = await self.cursor()
            if cursor is None:
                return await self._full_sync()
            media = self._media()
            started = datetime.now(UTC)
            indexed = await self._pull(media, cursor - CURSOR_OVERLAP, progress=False)
            removed, found = await self._check_count(media)
            await self._save_cursor(started)
            return self._synced(
                SyncResult(indexed=indexed + found, removed=removed, cursor=started)
            )

    async def _full_sync(self) -> SyncResult:
        media = self._media()
        # Every row this sync writes gets a later indexed_at; older rows are candidates to drop.
        started = datetime.now(UTC)
        indexed = await self._pull(media, None, progress=True)
        removed = await self._sweep(media, started)
        await self._save_cursor(started)
        _LOGGER.info("Library index: %d tracks indexed, %d removed", indexed, removed)
        return self._synced(SyncResult(indexed=indexed, removed=removed, cursor=started))

    def _synced(self, result: SyncResult) -> SyncResult:
        self._bus.publish(
            Event(SYNCED_EVENT, {"indexed": result.indexed, "removed": result.removed})
        )
        return result

    async def _pull(self, media: MediaServer, since: datetime | None, *, progress: bool) -> int:
        """Upsert every page of tracks (saved since `since`); return how many."""
        size = self._page_size
        start = done = 0
        # The next page is fetched while the current one is written; at most two are held.
        pending: asyncio.Task[tuple[list[IndexTrack], int]] | None = asyncio.create_task(
            media.index_page(0, size, since)
        )
        try:
            while pending is not None:
                tracks, total = await pending
                pending = None
                if tracks and start + size < total:
                    pending = asyncio.create_task(media.index_page(start + size, size, since))
                await self._upsert(tracks)
                done += len(tracks)
                if progress:
                    self._bus.publish(Event(PROGRESS_EVENT, {"done": done, "total": total}))
                start += size
        finally:
            await _cancel(pending)
        return done

    async def _check_count(self, media: MediaServer) -> tuple[int, int]:
        """Find deleted (and missed) tracks when the counts disagree: (removed, added).

        Added and changed tracks are already upserted, so equal counts mean nothing is gone.
        Otherwise each album's track count points at the albums that lost tracks; only when
        those do not account for the whole difference is every id listed.
        """
        total = await media.index_count()
        local_total = await LibraryTrack.all().count()
        if total == local_total:
            return 0, 0
        suspects = await self._albums_short(media, local_total - total)
        if suspects is not None:
            local = await self._ids_in(suspects)
            remote: set[str] = set()
            for batch in _batches(sorted(suspects), ID_BATCH):
                remote.update(await media.index_ids_in_albums(batch))
            removed = await self._remove_confirmed(media, local - remote)
            if await LibraryTrack.all().count() == total:
                _LOGGER.info("Library index: %d tracks gone", removed)
                return removed, 0
            more, found = await self._by_listing(media, total)
            return removed + more, found
        return await self._by_listing(media, total)

    async def _albums_short(self, media: MediaServer, missing: int) -> set[str] | None:
        """Albums with fewer tracks on the server than in the index, if they explain it all."""
        if missing <= 0:
            return None
        counts = await media.album_track_counts()
        if counts is None:
            return None
        rows = (
            await LibraryTrack.exclude(album_id=None)
            .annotate(n=Count("item_id"))
            .group_by("album_id")
            .values_list("album_id", "n")
        )
        short = {str(a): int(n) - counts.get(str(a), 0) for a, n in rows}
        suspects = {a for a, lost in short.items() if lost > 0}
        if sum(short[a] for a in suspects) != missing or any(v < 0 for v in short.values()):
            return None
        return suspects

    async def _ids_in(self, album_ids: set[str]) -> set[str]:
        ids: set[str] = set()
        for batch in _batches(sorted(album_ids), DELETE_BATCH):
            rows = await LibraryTrack.filter(album_id__in=batch).values_list("item_id", flat=True)
            ids.update(str(i) for i in rows)
        return ids

    async def _remove_confirmed(self, media: MediaServer, candidates: set[str]) -> int:
        """Delete the candidates the server no longer has, asking about each one by id."""
        removed = 0
        # Offset paging or a listing can miss an item the library moved meanwhile.
        for batch in _batches(sorted(candidates), ID_BATCH):
            still = {t.item_id for t in await media.index_items(batch)}
            gone = [i for i in batch if i not in still]
            if gone:
                removed += await LibraryTrack.filter(item_id__in=gone).delete()
        return removed

    async def _by_listing(self, media: MediaServer, total: int) -> tuple[int, int]:
        """List every id on the server: drop what is gone, fetch what the index misses."""
        remote = await self._remote_ids(media, total)
        local = {str(i) for i in await LibraryTrack.all().values_list("item_id", flat=True)}
        found = 0
        for batch in _batches([i for i in remote if i not in local], ID_BATCH):
            tracks = await media.index_items(batch)
            await self._upsert(tracks)
            found += len(tracks)
        removed = await self._remove_confirmed(media, local - remote)
        _LOGGER.info("Library index: %d tracks gone, %d found by listing", removed, found)
        return removed, found

    async def _remote_ids(self, media: MediaServer, total: int) -> set[str]:
        """Every track id on the server, two pages in flight so parsing overlaps serving."""
        starts = list(range(0, max(total, 1), ID_PAGE))
        ids: set[str] = set()
        pending = [asyncio.create_task(media.index_ids(s, ID_PAGE)) for s in starts[:2]]
        try:
            for position in range(len(starts)):
                page = await pending.pop(0)
                if position + 2 < len(starts):
                    pending.append(
                        asyncio.create_task(media.index_ids(starts[position + 2], ID_PAGE))
                    )
                ids.update(page)
            # The library may have grown since the count: read on until a short page.
            start = starts[-1] + ID_PAGE
            while len(page) == ID_PAGE:
                page = await media.index_ids(start, ID_PAGE)
                ids.update(page)
                start += ID_PAGE
        finally:
            for task in pending:
                await _cancel(task)
        return ids

    async def _sweep(self, media: MediaServer, started: datetime) -> int:
        """Remove rows the sync did not see, after asking the server about them by id.

        Offset paging can skip an item when the library changes mid-sync; asking by id keeps
        such a track instead of dropping it, and an empty answer from a server still scanning
        removes nothing it can still find.
        """
        removed = 0
        while True:
            stale = LibraryTrack.filter(indexed_at__lt=started).limit(ID_BATCH)
            ids = [str(i) for i in await stale.values_list("item_id", flat=True)]
            if not ids:
                return removed
            found = await media.index_items(ids)
            await self._upsert(found)
            seen = {t.item_id for t in found}
            gone = [i for i in ids if i not in seen]
            # A found row now has a fresh indexed_at, a gone one is deleted: the loop ends.
            if gone:
                removed += await LibraryTrack.filter(item_id__in=gone).delete()

    # -- live updates ------------------------------------------------------------------------

    async def apply(self, fact: LibraryFact) -> None:
        """Apply a library change: drop removed tracks, re-read added and updated ones by id.

        Ids that are not tracks (albums, artists, unknown items) are ignored.
        """
        removed = set(_ids(fact.removed))
        changed = [i for i in _ids((*fact.added, *fact.updated)) if i not in removed]
        if removed:
            await self.remove(removed)
        if not changed:
            return
        media = self._media()
        for batch in _batches(changed, ID_BATCH):
            await self._upsert(await media.index_items(batch))

    async def remove(self, item_ids: Iterable[str]) -> int:
        """Delete the rows of item_ids; return how many there were."""
        ids = _ids(item_ids)
        deleted = 0
        for batch in _batches(ids, DELETE_BATCH):
            deleted += await LibraryTrack.filter(item_id__in=batch).delete()
        return deleted

    async def _upsert(self, tracks: Sequence[IndexTrack]) -> None:
        if not tracks:
            return
        # One row per id: the same id twice in one statement is an error on PostgreSQL.
        rows = list({t.item_id: to_row(t) for t in tracks}.values())
        async with in_transaction() as conn:
            await LibraryTrack.bulk_create(
                rows, on_conflict=("item_id",), update_fields=UPDATE_FIELDS, using_db=conn
            )

    # -- cursor ------------------------------------------------------------------------------

    async def cursor(self) -> datetime | None:
        """When the last sync started, on the companion's clock (None before the first)."""
        row = await EventCursor.get_or_none(source=CURSOR_SOURCE)
        if row is None:
            return None
        try:
            value = datetime.fromisoformat(row.position)
        except ValueError:
            _LOGGER.warning("Library index cursor %r is unreadable; a full sync follows", row)
            return None
        return value if value.tzinfo else value.replace(tzinfo=UTC)

    async def _save_cursor(self, value: datetime) -> None:
        await EventCursor.update_or_create(
            defaults={"position": value.isoformat()}, source=CURSOR_SOURCE
        )

    # -- reads -------------------------------------------------------------------------------

    async def count(self) -> int:
        """Number of indexed tracks."""
        return await LibraryTrack.all().count()

    async def get(self, item_id: str) -> IndexTrack | None:
        """One indexed track by item id, or None."""
        key = normalize_item_id(item_id)
        if key is None:
            return None
        row = await LibraryTrack.get_or_none(item_id=key)
        return from_row(row) if row is not None else None

    async def search(self, text: str, limit: int = 20) -> list[IndexTrack]:
        """Tracks whose title, artists and album contain every word of text (accents ignored)."""
        words = normalize_text(text).split()
        if not words or limit <= 0:
            return []
        query = LibraryTrack.filter(*(Q(search_key__contains=w) for w in words))
        rows = await query.order_by("title", "item_id").limit(limit)
        return [from_row(r) for r in rows]


def _ids(values: Iterable[str]) -> list[str]:
    # Ordered and without repeats; anything that is not an item id is dropped.
    return list(dict.fromkeys(i for i in map(normalize_item_id, values) if i is not None))


def _batches(items: Sequence[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield list(items[start : start + size])


async def _cancel(task: asyncio.Task[object] | None) -> None:
    if task is not None and not task.done():
        task.cancel()
        with contextlib.suppress(BaseException):
            await task
