"""What the library index and the reconcile read from Jellyfin: light track pages and counts,
each user's favorite ids and recent plays."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

from companion.media import IndexTrack, PlayedItem, UserCredential
from integrations.jellyfin.client import ItemFilters, JellyfinClient
from integrations.jellyfin.const import TICKS_PER_SECOND
from integrations.jellyfin.media_base import MediaBase
from integrations.jellyfin.models import Item

# Before 10.11 `minDateLastSaved` answers 500 (its SQL names the parameter of
# `minDateLastSavedForUser`), while `minDateLastSavedForUser` works and filters on the same
# column: the item's metadata save date (SqliteItemRepository 3256-3265 at v10.10.7).
CHANGED_SINCE_FIXED = (10, 11)
ALBUM_PAGE = 20_000
# The light pages of the library index: no images, no user data, only the fields it keeps.
# (DateLastSaved is not asked for: BaseItemDto has no such property, it is never returned.)
# Path (stored on the item, no extra query) lets imports match M3U rows by file.
_INDEX_FIELDS = ("ProviderIds", "DateCreated", "Path")
_INDEX_FILTERS: ItemFilters = {
    "include_item_types": ["Audio"],
    "fields": _INDEX_FIELDS,
    "enable_images": False,
    "enable_user_data": False,
}


class MediaSync(MediaBase):
    """The index's and the reconcile's reads (the service credential, or the user's own)."""

    def __init__(self, client: JellyfinClient) -> None:
        super().__init__(client)
        # The administrator an API key names where Jellyfin answers only a user ("" for none).
        self._admin_id: str | None = None

    # -- library index (service credential) --------------------------------------------------

    async def index_page(
        self, start: int, limit: int, since: datetime | None
    ) -> tuple[list[IndexTrack], int]:
        """One light page of every Audio item in SortName order, and TotalRecordCount."""
        filters: ItemFilters = {
            **_INDEX_FILTERS,
            "start_index": start,
            "limit": limit,
            # A stable order, so that offset paging neither repeats nor skips (reference §10).
            "sort_by": ("SortName",),
            "sort_order": "Ascending",
        }
        if since is not None:
            version = self._client.server_version or CHANGED_SINCE_FIXED
            if version >= CHANGED_SINCE_FIXED:
                filters["min_date_last_saved"] = since
            else:
                filters["min_date_last_saved_for_user"] = since
        page = await self._call(self._client.items(**filters))
        return [to_index_track(i) for i in page.items if i.type == "Audio"], page.total

    async def index_items(self, ids: Sequence[str]) -> list[IndexTrack]:
        """The Audio items among ids, in one light /Items?ids= call."""
        if not ids:
            return []
        filters: ItemFilters = {**_INDEX_FILTERS, "ids": ids}
        page = await self._call(self._client.items(**filters))
        return [to_index_track(i) for i in page.items if i.type == "Audio"]

    async def index_count(self) -> int:
        """TotalRecordCount of every Audio item, with an empty page."""
        _, total = await self._call(
            self._client.item_refs(include_item_types=["Audio"], limit=0, enable_images=False)
        )
        return total

    async def index_ids(self, start: int, limit: int) -> list[str]:
        """One page of Audio ids in SortName order; the lightest listing Jellyfin offers."""
        refs, _ = await self._call(
            self._client.item_refs(
                include_item_types=["Audio"],
                start_index=start,
                limit=limit,
                sort_by=("SortName",),
                sort_order="Ascending",
                enable_images=False,
                enable_user_data=False,
                enable_total_record_count=False,
            )
        )
        return [item_id for item_id, _ in refs]

    async def album_track_counts(self) -> dict[str, int] | None:
        """ChildCount of every MusicAlbum, listed as an administrator.

        Jellyfin fills ChildCount only for a user (DtoService.AttachUserSpecificInfo), so with
        an API key the listing names the first administrator; None without one.
        """
        user_id = await self._an_administrator()
        if user_id is None:
            return None
        counts: dict[str, int] = {}
        start = 0
        while True:
            page = await self._call(
                self._client.items(
                    user_id,
                    include_item_types=["MusicAlbum"],
                    fields=["ChildCount"],
                    start_index=start,
                    limit=ALBUM_PAGE,
                    sort_by=("SortName",),
                    enable_images=False,
                    enable_user_data=False,
                )
            )
            for item in page.items:
                if item.type == "MusicAlbum" and item.child_count is not None:
                    counts[item.id] = item.child_count
            start += len(page.items)
            if len(page.items) < ALBUM_PAGE or start >= page.total:
                return counts

    async def index_ids_in_albums(self, album_ids: Sequence[str]) -> list[str]:
        """Audio ids of these albums, in one /Items?albumIds= call."""
        if not album_ids:
            return []
        refs, _ = await self._call(
            self._client.item_refs(
                include_item_types=["Audio"],
                album_ids=album_ids,
                enable_images=False,
                enable_user_data=False,
                enable_total_record_count=False,
            )
        )
        return [item_id for item_id, _ in refs]

    async def _an_administrator(self) -> str | None:
        if self._client.user_id is not None:
            return self._client.user_id
        if self._admin_id is None:
            users = await self._call(self._client.users())
            admin = next((u for u in users if u.is_admin and not u.is_disabled), None)
            self._admin_id = admin.id if admin is not None else ""
        return self._admin_id or None

    # -- state a reconcile compares ----------------------------------------------------------

    async def favorite_ids(self, cred: UserCredential) -> dict[str, str]:
        """Favorite tracks and albums in one /Items call, artists in one /Artists call."""
        light: ItemFilters = {
            "is_favorite": True,
            "enable_images": False,
            "enable_user_data": False,
            "enable_total_record_count": False,
        }
        tracks_albums: ItemFilters = {**light, "include_item_types": ["Audio", "MusicAlbum"]}
        client = self._as(cred)
        (items, _), (artists, _) = await self._call(
            asyncio.gather(
                client.item_refs(**tracks_albums),
                client.item_refs("/Artists", **light),
            )
        )
        found = {item_id: kind for item_id, kind in items if kind in ("Audio", "MusicAlbum")}
        found.update((item_id, "MusicArtist") for item_id, _ in artists)
        return found

    async def recently_played(
        self, cred: UserCredential, start: int, limit: int
    ) -> list[PlayedItem]:
        """Tracks by UserData.LastPlayedDate, newest first (set when a listen starts)."""
        page = await self._call(
            self._as(cred).items(
                include_item_types=["Audio"],
                is_played=True,
                sort_by=("DatePlayed",),
                sort_order="Descending",
                start_index=start,
                limit=limit,
                enable_images=False,
                enable_user_data=True,
                enable_total_record_count=False,
            )
        )
        played: list[PlayedItem] = []
        for item in page.items:
            data = item.user_data
            if item.type == "Audio" and data is not None and data.last_played_date is not None:
                played.append(PlayedItem(item.id, data.last_played_date, item.run_time_ticks or 0))
        return played


def to_index_track(item: Item) -> IndexTrack:
    """Map an Audio item to the library index's row shape."""
    ids = item.provider_ids
    ticks = item.run_time_ticks
    return IndexTrack(
        item_id=item.id,
        title=item.name,
        artists=tuple(a.name for a in item.artists),
        artist_ids=tuple(a.id for a in item.artists if a.id),
        album=item.album,
        album_id=item.album_id,
        album_artist=item.album_artist,
        duration_s=round(ticks / TICKS_PER_SECOND, 3) if ticks else 0.0,
        track_number=item.index_number,
        disc_number=item.parent_index_number,
        year=item.production_year,
        isrc=ids.get("ISRC") or ids.get("Isrc"),
        mbid_recording=ids.get("MusicBrainzRecording"),
        mbid_track=ids.get("MusicBrainzTrack"),
        date_created=item.date_created,
        path=item.path,
    )
