"""Jellyfin as the companion's media server: the music library, queried as the signed-in user."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, TypeVar

import aiohttp

from companion.media import (
    Album,
    BrowseQuery,
    ImageData,
    ImageSource,
    IndexTrack,
    ItemKind,
    MediaItem,
    MediaNotFound,
    Page,
    StreamQuality,
    Track,
    UserCredential,
    UserDataChange,
)
from companion.providers import CredentialsRejected, ProviderUnavailable
from integrations.jellyfin.client import ItemFilters, JellyfinClient
from integrations.jellyfin.const import MAX_CONNECT_TIMEOUT, TICKS_PER_SECOND
from integrations.jellyfin.exceptions import (
    JellyfinAuthenticationError,
    JellyfinConnectionError,
    JellyfinError,
    JellyfinNotFoundError,
    JellyfinResponseError,
)
from integrations.jellyfin.mapping import ITEM_FIELDS, disc_order, to_album, to_media, to_track
from integrations.jellyfin.models import Item, ItemPage

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

UNREACHABLE = "Jellyfin is slow or unreachable. Check your Jellyfin instance."
TOKEN_REJECTED = "Jellyfin no longer accepts your sign-in. Sign in again."
# Cover art is small; anything bigger is not an image we want to hold in memory.
MAX_IMAGE_BYTES = 10 * 1024 * 1024
USER_DATA_PAGE = 500

_KIND_TYPES = {"track": "Audio", "album": "MusicAlbum", "artist": "MusicArtist"}
_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("SortName",),
    "date_added": ("DateCreated", "SortName"),
    "year": ("ProductionYear", "SortName"),
    "play_count": ("PlayCount", "SortName"),
    "random": ("Random",),
}
# Jellyfin's transcoding containers for the codecs a user may pick.
_CONTAINERS = {"mp3": "mp3", "aac": "aac", "opus": "ogg"}
# The light pages of the library index: no images, no user data, only the fields it keeps.
_INDEX_FIELDS = ("ProviderIds", "DateCreated", "DateLastSaved", "Path")
_INDEX_FILTERS: ItemFilters = {
    "include_item_types": ["Audio"],
    "fields": _INDEX_FIELDS,
    "enable_images": False,
    "enable_user_data": False,
}
# Proxied headers: what a player needs to seek and to know the size and type.
_PASSED_HEADERS = (
    "Content-Type",
    "Content-Length",
    "Content-Range",
    "Accept-Ranges",
    "ETag",
    "Last-Modified",
)


class _Upstream:
    """An open Jellyfin audio response."""

    def __init__(self, resp: aiohttp.ClientResponse) -> None:
        self.status = resp.status
        self.headers = {h: resp.headers[h] for h in _PASSED_HEADERS if h in resp.headers}
        self._resp = resp

    async def chunks(self, size: int) -> AsyncIterator[bytes]:
        """Yield the body as it arrives, never more than size bytes at a time."""
        async for chunk in self._resp.content.iter_chunked(size):
            yield chunk


class JellyfinMedia:
    """The MediaServer provider; every library call carries the user's own token."""

    name = "Jellyfin"

    def __init__(self, client: JellyfinClient, public_url: str) -> None:
        self._client = client
        self.public_url = public_url.rstrip("/")
        # The ceiling of one library call, retries included (tests shorten it).
        self.timeout = client.request_timeout

    def _as(self, cred: UserCredential) -> JellyfinClient:
        return self._client.with_token(cred.token, cred.user_id, device_id=cred.device_id)

    async def _call(self, call: Awaitable[_T]) -> _T:
        try:
            async with asyncio.timeout(self.timeout):
                return await call
        except TimeoutError as err:
            _LOGGER.debug("Jellyfin at %s timed out after %g s", self._client.host, self.timeout)
            raise ProviderUnavailable(UNREACHABLE) from err
        except JellyfinAuthenticationError as err:
            raise CredentialsRejected(TOKEN_REJECTED) from err
        except (JellyfinConnectionError, JellyfinResponseError) as err:
            _LOGGER.debug("Jellyfin library call failed: %s", err)
            raise ProviderUnavailable(UNREACHABLE) from err

    # -- listings ----------------------------------------------------------------------------

    async def browse(self, cred: UserCredential, query: BrowseQuery) -> Page:
        """One page of artists, albums or tracks with the query's filters and sort."""
        filters: ItemFilters = {
            "start_index": query.offset,
            "limit": query.limit,
            "sort_by": _SORTS[query.sort],
            "sort_order": "Descending" if query.descending else "Ascending",
            "fields": ITEM_FIELDS,
        }
        if query.q:
            filters["search_term"] = query.q
        if query.genre:
            filters["genres"] = [query.genre]
        if query.favorites:
            filters["is_favorite"] = True
        if query.year is not None:
            filters["years"] = [query.year]
        if query.artist_id:
            filters["artist_ids"] = [query.artist_id]
        if query.album_id:
            filters["album_ids"] = [query.album_id]
        client = self._as(cred)
        if query.kind == "artist":
            page = await self._call(client.album_artists(**filters))
        else:
            filters["include_item_types"] = [_KIND_TYPES[query.kind]]
            page = await self._call(client.items(**filters))
        return _page(page, query.offset, query.limit)

    async def search(
        self, cred: UserCredential, q: str, limit: int
    ) -> tuple[Sequence[MediaItem], Sequence[MediaItem], Sequence[MediaItem]]:
        """Artists, albums and tracks matching q, fetched concurrently."""
        client = self._as(cred)
        common: ItemFilters = {
            "search_term": q,
            "limit": limit,
            "fields": ITEM_FIELDS,
            "sort_by": ("SortName",),
        }
        albums_only: ItemFilters = {**common, "include_item_types": ["MusicAlbum"]}
        tracks_only: ItemFilters = {**common, "include_item_types": ["Audio"]}
        artists, albums, tracks = await self._call(
            asyncio.gather(
                client.album_artists(**common),
                client.items(**albums_only),
                client.items(**tracks_only),
            )
        )
        return (
            _page(artists, 0, limit).items,
            _page(albums, 0, limit).items,
            _page(tracks, 0, limit).items,
        )

    async def get_many(self, cred: UserCredential, ids: Sequence[str]) -> list[MediaItem]:
        """The items among ids this user can see, in one /Items?ids= call."""
        if not ids:
            return []
        page = await self._call(self._as(cred).items(ids=ids, fields=ITEM_FIELDS))
        return list(_page(page, 0, len(ids)).items)

    async def album_tracks(self, cred: UserCredential, album_id: str) -> list[Track]:
        """An album's tracks in disc/track order."""
        page = await self._call(
            self._as(cred).items(
                album_ids=[album_id],
                include_item_types=["Audio"],
                sort_by=("ParentIndexNumber", "IndexNumber", "SortName"),
                fields=ITEM_FIELDS,
            )
        )
        return sorted((to_track(i) for i in page.items if i.type == "Audio"), key=disc_order)

    async def artist_albums(self, cred: UserCredential, artist_id: str) -> list[Album]:
        """An artist's albums, newest first."""
        page = await self._call(
            self._as(cred).items(
                album_artist_ids=[artist_id],
                include_item_types=["MusicAlbum"],
                sort_by=("ProductionYear", "SortName"),
                sort_order=("Descending", "Ascending"),
                fields=ITEM_FIELDS,
            )
        )
        return [to_album(i) for i in page.items if i.type == "MusicAlbum"]

    # -- favorites ---------------------------------------------------------------------------

    async def set_favorite(self, cred: UserCredential, item_id: str, favorite: bool) -> bool | None:
        """Mark or unmark a favorite as the user; None when Jellyfin has no such item."""
        try:
            data = await self._call(self._as(cred).set_favorite(item_id, favorite=favorite))
        except JellyfinNotFoundError:
            return None
        return data.is_favorite

    async def favorites(
        self, cred: UserCredential, kind: ItemKind, offset: int, limit: int
    ) -> Page:
        """The user's favorites of one kind, straight from Jellyfin."""
        filters: ItemFilters = {
            "is_favorite": True,
            "start_index": offset,
            "limit": limit,
            "sort_by": ("SortName",),
            "fields": ITEM_FIELDS,
        }
        client = self._as(cred)
        if kind == "artist":
            page = await self._call(client.artists(**filters))
        else:
            filters["include_item_types"] = [_KIND_TYPES[kind]]
            page = await self._call(client.items(**filters))
        return _page(page, offset, limit)

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
            filters["min_date_last_saved"] = since
        page = await self._call(self._client.items(**filters))
        return [to_index_track(i) for i in page.items if i.type == "Audio"], page.total

    async def index_items(self, ids: Sequence[str]) -> list[IndexTrack]:
        """The Audio items among ids, in one light /Items?ids= call."""
        if not ids:
            return []
        filters: ItemFilters = {**_INDEX_FILTERS, "ids": ids}
        page = await self._call(self._client.items(**filters))
        return [to_index_track(i) for i in page.items if i.type == "Audio"]

    async def user_data_since(self, cred: UserCredential, since: datetime) -> list[UserDataChange]:
        """Music items whose user data this user saved since `since` (minDateLastSavedForUser)."""
        changes: list[UserDataChange] = []
        start = 0
        while True:
            page = await self._call(
                self._as(cred).items(
                    include_item_types=["Audio", "MusicAlbum", "MusicArtist"],
                    min_date_last_saved_for_user=since,
                    enable_images=False,
                    start_index=start,
                    limit=USER_DATA_PAGE,
                )
            )
            for item in page.items:
                data = item.user_data
                if data is not None:
                    changes.append(
                        UserDataChange(item.id, item.type, data.is_favorite, data.play_count)
                    )
            start += len(page.items)
            if not page.items or start >= page.total:
                return changes

    # -- media -------------------------------------------------------------------------------

    async def fetch_image(self, source: ImageSource, size: int | None) -> ImageData | None:
        """The Primary image of source.item_id, scaled by Jellyfin; None on 404."""
        params: dict[str, Any] = {"tag": source.tag, "maxWidth": size, "maxHeight": size}
        path = f"/Items/{source.item_id}/Images/Primary"

        async def fetch() -> ImageData | None:
            try:
                async with self._client._open("GET", path, params=params) as resp:
                    if resp.status != 200:
                        return None
                    body = await resp.content.read(MAX_IMAGE_BYTES + 1)
                    if len(body) > MAX_IMAGE_BYTES:
                        return None
                    content_type = resp.headers.get("Content-Type", "application/octet-stream")
                    return ImageData(body, content_type)
            except JellyfinNotFoundError:
                return None

        return await self._call(fetch())

    def stream_url(self, cred: UserCredential, item_id: str, quality: StreamQuality) -> str:
        """A URL on the public Jellyfin address; /Audio/{id}/stream is anonymous, so no token."""
        if quality.original:
            return self._client.stream_url(item_id, public_base=self.public_url, static=True)
        codec = quality.codec or "mp3"
        return self._client.stream_url(
            item_id,
            public_base=self.public_url,
            static=False,
            audio_codec=codec,
            container=_CONTAINERS.get(codec, codec),
            max_bitrate=quality.max_bitrate * 1000 if quality.max_bitrate else None,
        )

    @asynccontextmanager
    async def open_stream(
        self,
        cred: UserCredential,
        item_id: str,
        *,
        method: str,
        headers: dict[str, str],
    ) -> AsyncIterator[_Upstream]:
        """Open the original file for proxying; a stall of `timeout` seconds ends it."""
        # No total limit: a long file may take minutes; a silent Jellyfin may not.
        timeout = aiohttp.ClientTimeout(
            total=None, connect=min(self.timeout, MAX_CONNECT_TIMEOUT), sock_read=self.timeout
        )
        client = self._as(cred)
        try:
            async with client._open(
                method,
                f"/Audio/{item_id}/stream",
                params={"static": True},
                headers=headers,
                timeout=timeout,
            ) as resp:
                yield _Upstream(resp)
        except JellyfinNotFoundError as err:
            raise MediaNotFound(item_id) from err
        except JellyfinAuthenticationError as err:
            raise CredentialsRejected(TOKEN_REJECTED) from err
        except JellyfinError as err:
            raise ProviderUnavailable(UNREACHABLE) from err


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
        date_last_saved=item.date_last_saved,
        path=item.path,
    )


def _page(page: ItemPage, offset: int, limit: int) -> Page:
    items = tuple(m for m in (to_media(i) for i in page.items) if m is not None)
    return Page(items=items, total=page.total, offset=offset, limit=limit)
