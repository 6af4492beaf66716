"""Navidrome as the companion's media server: the library through the Subsonic API, per user."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, TypeVar

import aiohttp

from companion.errors import NotSupportedByServer
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
    PlayedItem,
    StreamQuality,
    Track,
    UserCredential,
    make_ref,
)
from companion.providers import CredentialsRejected, ProviderUnavailable
from integrations.navidrome.client import Login, SubsonicClient
from integrations.navidrome.const import DEFAULT_TIMEOUT
from integrations.navidrome.exceptions import (
    NavidromeApiError,
    NavidromeAuthError,
    NavidromeConnectionError,
    NavidromeError,
    NavidromeNotFound,
)
from integrations.navidrome.ids import to_hex, to_navidrome
from integrations.navidrome.mapping import (
    KIND_TYPES,
    parse_time,
    to_album,
    to_artist,
    to_index_track,
    to_track,
)

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

UNREACHABLE = "Navidrome is slow or unreachable. Check your Navidrome server."
LOGIN_REJECTED = "Navidrome no longer accepts your password. Sign in again."
MAX_IMAGE_BYTES = 10 * 1024 * 1024
# Subsonic has no "get these ids" call: one call per item, this many at a time.
PARALLEL_LOOKUPS = 16
# getAlbumList2 pages are capped at 500 by Navidrome.
MAX_LIST_SIZE = 500
_SORT_LISTS = {
    "name": "alphabeticalByName",
    "date_added": "newest",
    "play_count": "frequent",
    "random": "random",
}
_PASSED_HEADERS = (
    "Content-Type",
    "Content-Length",
    "Content-Range",
    "Accept-Ranges",
    "ETag",
    "Last-Modified",
)
_CODEC_FORMATS = {"mp3": "mp3", "aac": "aac", "opus": "opus"}


class _Upstream:
    """An open Navidrome audio response."""

    def __init__(self, resp: aiohttp.ClientResponse) -> None:
        self.status = resp.status
        self.headers = {h: resp.headers[h] for h in _PASSED_HEADERS if h in resp.headers}
        self._resp = resp

    async def chunks(self, size: int) -> AsyncIterator[bytes]:
        """Yield the body as it arrives."""
        async for chunk in self._resp.content.iter_chunked(size):
            yield chunk


def _list(body: dict[str, Any], key: str, inner: str) -> list[dict[str, Any]]:
    # Navidrome omits empty arrays (and sometimes the whole object): absent means none.
    found = (body.get(key) or {}).get(inner) or []
    return [x for x in found if isinstance(x, dict)]


def _items(raws: list[dict[str, Any]], kind: ItemKind) -> list[MediaItem]:
    convert = {"track": to_track, "album": to_album, "artist": to_artist}[kind]
    return [item for raw in raws if (item := convert(raw)) is not None]


class NavidromeMedia:
    """The MediaServer provider; every call is signed with the user's own salted token."""

    name = "Navidrome"

    def __init__(self, client: SubsonicClient, public_url: str) -> None:
        self._client = client
        self.public_url = public_url.rstrip("/")
        self.timeout = DEFAULT_TIMEOUT * 4
        # Navidrome ids do not say what they name; remember what each one turned out to be.
        self._kinds: dict[str, ItemKind] = {}

    def _as(self, cred: UserCredential) -> SubsonicClient:
        try:
            return self._client.as_user(Login.unpack(cred.token))
        except ValueError as err:
            raise CredentialsRejected(LOGIN_REJECTED) from err

    async def _call(self, call: Awaitable[_T]) -> _T:
        try:
            async with asyncio.timeout(self.timeout):
                return await call
        except TimeoutError as err:
            raise ProviderUnavailable(UNREACHABLE) from err
        except NavidromeAuthError as err:
            raise CredentialsRejected(LOGIN_REJECTED) from err
        except NavidromeNotFound:
            raise
        except NavidromeError as err:
            _LOGGER.debug("Navidrome library call failed: %s", err)
            raise ProviderUnavailable(UNREACHABLE) from err

    # -- listings ----------------------------------------------------------------------------

    async def browse(self, cred: UserCredential, query: BrowseQuery) -> Page:
        """One page of artists, albums or tracks (Subsonic's lists; some filters client-side)."""
        client = self._as(cred)
        try:
            if query.kind == "album":
                items, total = await self._call(self._albums(client, query))
            elif query.kind == "artist":
                items, total = await self._call(self._artists(client, query))
            else:
                items, total = await self._call(self._tracks(client, query))
        except NavidromeNotFound:
            # A filter on an artist or album Navidrome does not have: nothing matches.
            return Page((), 0, query.offset, query.limit)
        return Page(tuple(items), total, query.offset, query.limit)

    async def _albums(self, client: SubsonicClient, q: BrowseQuery) -> tuple[list[MediaItem], int]:
        if q.q:
            body = await client.call(
                "search3",
                [
                    ("query", q.q),
                    ("albumCount", q.limit),
                    ("albumOffset", q.offset),
                    ("artistCount", 0),
                    ("songCount", 0),
                ],
            )
            found = _items(_list(body, "searchResult3", "album"), "album")
            return found, q.offset + len(found) + (1 if len(found) == q.limit else 0)
        if q.artist_id:
            body = await client.call("getArtist", [("id", to_navidrome(q.artist_id))])
            every = _items((body.get("artist") or {}).get("album") or [], "album")
            return every[q.offset : q.offset + q.limit], len(every)
        params: list[tuple[str, str | int]] = [
            ("offset", q.offset),
            ("size", min(q.limit, MAX_LIST_SIZE)),
        ]
        if q.favorites:
            params.append(("type", "starred"))
        elif q.genre:
            params += [("type", "byGenre"), ("genre", q.genre)]
        elif q.year is not None:
            params += [("type", "byYear"), ("fromYear", q.year), ("toYear", q.year)]
        elif q.sort == "year":
            lo, hi = (9999, 0) if q.descending else (0, 9999)
            params += [("type", "byYear"), ("fromYear", lo), ("toYear", hi)]
        else:
            params.append(("type", _SORT_LISTS[q.sort]))
        body, headers = await client.call_with_headers("getAlbumList2", params)
        found = _items(_list(body, "albumList2", "album"), "album")
        total = int(headers.get("x-total-count") or q.offset + len(found))
        if q.descending and q.sort == "name":
            found.reverse()
        return found, total

    async def _artists(self, client: SubsonicClient, q: BrowseQuery) -> tuple[list[MediaItem], int]:
        if q.favorites:
            body = await client.call("getStarred2")
            every = _items(_list(body, "starred2", "artist"), "artist")
        elif q.q:
            body = await client.call(
                "search3",
                [
                    ("query", q.q),
                    ("artistCount", q.limit),
                    ("artistOffset", q.offset),
                    ("albumCount", 0),
                    ("songCount", 0),
                ],
            )
            found = _items(_list(body, "searchResult3", "artist"), "artist")
            return found, q.offset + len(found) + (1 if len(found) == q.limit else 0)
        else:
            body = await client.call("getArtists")
            raws = [
                a
                for idx in (body.get("artists") or {}).get("index") or []
                for a in idx.get("artist") or []
            ]
            every = _items(raws, "artist")
        if q.sort == "name" and q.descending:
            every.reverse()
        return every[q.offset : q.offset + q.limit], len(every)

    async def _tracks(self, client: SubsonicClient, q: BrowseQuery) -> tuple[list[MediaItem], int]:
        if q.year is not None:
            raise NotSupportedByServer(
                "Navidrome cannot list songs by year; browse albums by year instead.",
                details={"capability": "tracks_by_year", "server": self.name},
            )
        if q.album_id:
            every: list[MediaItem] = list(await self._album_tracks(client, q.album_id))
        elif q.artist_id:
            every = list(await self._artist_tracks(client, q.artist_id))
        elif q.genre:
            body = await client.call(
                "getSongsByGenre",
                [("genre", q.genre), ("count", min(q.limit, MAX_LIST_SIZE)), ("offset", q.offset)],
            )
            found = _items(_list(body, "songsByGenre", "song"), "track")
            return found, q.offset + len(found) + (1 if len(found) == q.limit else 0)
        elif q.favorites:
            body = await client.call("getStarred2")
            every = _items(_list(body, "starred2", "song"), "track")
        else:
            body = await client.call(
                "search3",
                [
                    ("query", q.q or ""),
                    ("songCount", q.limit),
                    ("songOffset", q.offset),
                    ("artistCount", 0),
                    ("albumCount", 0),
                ],
            )
            found = _items(_list(body, "searchResult3", "song"), "track")
            if q.q:
                return found, q.offset + len(found) + (1 if len(found) == q.limit else 0)
            status = await client.call("getScanStatus")
            return found, int((status.get("scanStatus") or {}).get("count") or len(found))
        return every[q.offset : q.offset + q.limit], len(every)

    async def search(
        self, cred: UserCredential, q: str, limit: int
    ) -> tuple[Sequence[MediaItem], Sequence[MediaItem], Sequence[MediaItem]]:
        """Artists, albums and tracks matching q, in one search3 call."""
        body = await self._call(
            self._as(cred).call(
                "search3",
                [("query", q), ("artistCount", limit), ("albumCount", limit), ("songCount", limit)],
            )
        )
        return (
            _items(_list(body, "searchResult3", "artist"), "artist"),
            _items(_list(body, "searchResult3", "album"), "album"),
            _items(_list(body, "searchResult3", "song"), "track"),
        )

    async def _lookup(self, client: SubsonicClient, hex_id: str) -> MediaItem | None:
        nd_id = to_navidrome(hex_id)
        known = self._kinds.get(hex_id)
        order: tuple[ItemKind, ...] = ("track", "album", "artist")
        if known:
            order = (known, *(k for k in order if k != known))
        for kind in order:
            method, key = {
                "track": ("getSong", "song"),
                "album": ("getAlbum", "album"),
                "artist": ("getArtist", "artist"),
            }[kind]
            try:
                body = await client.call(method, [("id", nd_id)])
            except NavidromeNotFound:
                continue
            found = _items([body.get(key) or {}], kind)
            if found:
                if len(self._kinds) > 100_000:
                    self._kinds.clear()
                self._kinds[hex_id] = kind
                return found[0]
        return None

    async def get_many(self, cred: UserCredential, ids: Sequence[str]) -> list[MediaItem]:
        """The items among ids this user can see: one call per id (Subsonic has no batch get)."""
        client = self._as(cred)
        gate = asyncio.Semaphore(PARALLEL_LOOKUPS)

        async def one(hex_id: str) -> MediaItem | None:
            async with gate:
                return await self._lookup(client, hex_id)

        found = await self._call(asyncio.gather(*(one(i) for i in ids)))
        return [item for item in found if item is not None]

    async def _album_tracks(self, client: SubsonicClient, album_id: str) -> list[Track]:
        try:
            body = await client.call("getAlbum", [("id", to_navidrome(album_id))])
        except NavidromeNotFound:
            return []
        tracks = [t for raw in (body.get("album") or {}).get("song") or [] if (t := to_track(raw))]
        return sorted(
            tracks, key=lambda t: (t.disc_number or 1, t.track_number or 0, t.name.casefold())
        )

    async def _artist_tracks(self, client: SubsonicClient, artist_id: str) -> list[Track]:
        # No songs-by-artist call: the artist's albums, then the songs that name the artist.
        body = await client.call("getArtist", [("id", to_navidrome(artist_id))])
        album_ids = [
            h
            for raw in (body.get("artist") or {}).get("album") or []
            if (h := to_hex(str(raw.get("id", "")))) is not None
        ]
        gate = asyncio.Semaphore(PARALLEL_LOOKUPS)

        async def one(album_id: str) -> list[Track]:
            async with gate:
                return await self._album_tracks(client, album_id)

        ref = make_ref(artist_id)
        return [
            t
            for tracks in await asyncio.gather(*(one(a) for a in album_ids))
            for t in tracks
            if any(a.ref == ref for a in (*t.artists, *t.album_artists))
        ]

    async def album_tracks(self, cred: UserCredential, album_id: str) -> list[Track]:
        """An album's tracks in disc/track order."""
        return await self._call(self._album_tracks(self._as(cred), album_id))

    async def artist_albums(self, cred: UserCredential, artist_id: str) -> list[Album]:
        """An artist's albums, newest first."""
        try:
            body = await self._call(
                self._as(cred).call("getArtist", [("id", to_navidrome(artist_id))])
            )
        except NavidromeNotFound:
            return []
        albums = [
            a for raw in (body.get("artist") or {}).get("album") or [] if (a := to_album(raw))
        ]
        return sorted(albums, key=lambda a: (-(a.year or 0), a.name.casefold()))

    async def set_favorite(self, cred: UserCredential, item_id: str, favorite: bool) -> bool | None:
        """star/unstar with the parameter of the item's kind; None for an unknown item."""
        client = self._as(cred)
        try:
            item = await self._call(self._lookup(client, item_id))
        except NavidromeNotFound:
            return None
        if item is None:
            return None
        param = {"track": "id", "album": "albumId", "artist": "artistId"}[item.kind]
        try:
            await self._call(
                client.call("star" if favorite else "unstar", [(param, to_navidrome(item_id))])
            )
        except NavidromeNotFound:
            return None
        return favorite

    async def favorites(
        self, cred: UserCredential, kind: ItemKind, offset: int, limit: int
    ) -> Page:
        """The user's starred items of one kind (getStarred2 returns them all at once)."""
        body = await self._call(self._as(cred).call("getStarred2"))
        key = {"track": "song", "album": "album", "artist": "artist"}[kind]
        every = _items(_list(body, "starred2", key), kind)
        return Page(tuple(every[offset : offset + limit]), len(every), offset, limit)

    async def fetch_image(self, source: ImageSource, size: int | None) -> ImageData | None:
        """getCoverArt for the artwork id Navidrome gave the item."""
        params: list[tuple[str, str | int]] = [("id", source.item_id)]
        if size:
            params.append(("size", size))
        try:
            async with (
                asyncio.timeout(self.timeout),
                self._client.open("getCoverArt", params) as resp,
            ):
                if resp.status != 200:
                    return None
                body = await resp.content.read(MAX_IMAGE_BYTES + 1)
                if len(body) > MAX_IMAGE_BYTES:
                    return None
                return ImageData(body, resp.content_type or "image/jpeg")
        except NavidromeNotFound:
            return None
        except (TimeoutError, NavidromeConnectionError, NavidromeApiError, NavidromeError) as err:
            raise ProviderUnavailable(UNREACHABLE) from err

    # -- the library index (service credential) ----------------------------------------------

    async def index_page(
        self, start: int, limit: int, since: datetime | None
    ) -> tuple[list[IndexTrack], int]:
        """search3 with an empty query lists every song in a stable order; `since` by `created`."""
        body = await self._call(
            self._client.call(
                "search3",
                [
                    ("query", ""),
                    ("songCount", limit),
                    ("songOffset", start),
                    ("artistCount", 0),
                    ("albumCount", 0),
                ],
            )
        )
        tracks = [t for raw in _list(body, "searchResult3", "song") if (t := to_index_track(raw))]
        if since is not None:
            tracks = [t for t in tracks if t.date_created is None or t.date_created >= since]
        return tracks, await self.index_count()

    async def index_items(self, ids: Sequence[str]) -> list[IndexTrack]:
        """getSong per id (the service login); unknown ids are skipped."""
        gate = asyncio.Semaphore(PARALLEL_LOOKUPS)

        async def one(hex_id: str) -> IndexTrack | None:
            async with gate:
                try:
                    body = await self._client.call("getSong", [("id", to_navidrome(hex_id))])
                except NavidromeNotFound:
                    return None
                return to_index_track(body.get("song") or {})

        found = await self._call(asyncio.gather(*(one(i) for i in ids)))
        return [t for t in found if t is not None]

    async def index_count(self) -> int:
        """getScanStatus's count: the number of songs."""
        body = await self._call(self._client.call("getScanStatus"))
        return int((body.get("scanStatus") or {}).get("count") or 0)

    async def index_ids(self, start: int, limit: int) -> list[str]:
        """The ids of one page of index_page's order."""
        tracks, _ = await self.index_page(start, limit, None)
        return [t.item_id for t in tracks]

    async def album_track_counts(self) -> dict[str, int] | None:
        """Every album's songCount, 500 albums per call."""
        counts: dict[str, int] = {}
        offset = 0
        while True:
            body = await self._call(
                self._client.call(
                    "getAlbumList2",
                    [("type", "alphabeticalByName"), ("size", MAX_LIST_SIZE), ("offset", offset)],
                )
            )
            page = _list(body, "albumList2", "album")
            for raw in page:
                if (hex_id := to_hex(str(raw.get("id", "")))) is not None:
                    counts[hex_id] = int(raw.get("songCount") or 0)
            if len(page) < MAX_LIST_SIZE:
                return counts
            offset += MAX_LIST_SIZE

    async def index_ids_in_albums(self, album_ids: Sequence[str]) -> list[str]:
        """The song ids of these albums (one getAlbum each)."""
        gate = asyncio.Semaphore(PARALLEL_LOOKUPS)

        async def one(album_id: str) -> list[Track]:
            async with gate:
                return await self._album_tracks(self._client, album_id)

        albums = await self._call(asyncio.gather(*(one(a) for a in album_ids)))
        return [t.ref.partition(":")[2] for tracks in albums for t in tracks]

    async def favorite_ids(self, cred: UserCredential) -> dict[str, str]:
        """Every starred song, album and artist in one getStarred2 call."""
        body = await self._call(self._as(cred).call("getStarred2"))
        found: dict[str, str] = {}
        for key, kind in (("song", "track"), ("album", "album"), ("artist", "artist")):
            for raw in _list(body, "starred2", key):
                if (hex_id := to_hex(str(raw.get("id", "")))) is not None:
                    found[hex_id] = KIND_TYPES[kind]
        return found

    async def recently_played(
        self, cred: UserCredential, start: int, limit: int
    ) -> list[PlayedItem]:
        """Songs by their last play (`played`), from the recently played albums.

        Navidrome keeps no per-play history, only each song's last play and count; the
        `recent` album list says where to look.
        """
        client = self._as(cred)
        want = start + limit
        body = await self._call(
            client.call(
                "getAlbumList2", [("type", "recent"), ("size", min(max(want, 10), MAX_LIST_SIZE))]
            )
        )
        album_ids = [
            h for raw in _list(body, "albumList2", "album") if (h := to_hex(str(raw.get("id", ""))))
        ]
        played: list[PlayedItem] = []
        for album_id in album_ids:
            try:
                album = await self._call(client.call("getAlbum", [("id", to_navidrome(album_id))]))
            except NavidromeNotFound:
                continue  # removed since the list was read
            for raw in (album.get("album") or {}).get("song") or []:
                when = parse_time(raw.get("played"))
                hex_id = to_hex(str(raw.get("id", "")))
                if when is not None and hex_id is not None:
                    played.append(
                        PlayedItem(hex_id, when, int(raw.get("duration") or 0) * 10_000_000)
                    )
            if len(played) >= want:
                break
        played.sort(key=lambda p: p.last_played, reverse=True)
        return played[start : start + limit]

    # -- audio ---------------------------------------------------------------------------------

    def stream_url(self, cred: UserCredential, item_id: str, quality: StreamQuality) -> str:
        """A signed stream URL for the user's player (a salted token, never the password)."""
        params: list[tuple[str, str | int]] = [("id", to_navidrome(item_id))]
        if quality.original:
            params.append(("format", "raw"))
        else:
            if quality.max_bitrate:
                params.append(("maxBitRate", quality.max_bitrate))
            if quality.codec:
                params.append(("format", _CODEC_FORMATS.get(quality.codec, quality.codec)))
        client = self._as(cred)
        signed = client.url("stream", params)
        return signed.replace(self._client.base_url, self.public_url, 1)

    @asynccontextmanager
    async def open_stream(
        self, cred: UserCredential, item_id: str, *, method: str, headers: dict[str, str]
    ) -> AsyncIterator[_Upstream]:
        """The original file (format=raw), Range passed through; MediaNotFound if unknown."""
        client = self._as(cred)
        try:
            async with client.open(
                "stream", [("id", to_navidrome(item_id)), ("format", "raw")], headers
            ) as resp:
                yield _Upstream(resp)
        except NavidromeNotFound as err:
            raise MediaNotFound(item_id) from err
        except NavidromeAuthError as err:
            raise CredentialsRejected(LOGIN_REJECTED) from err
        except NavidromeError as err:
            raise ProviderUnavailable(UNREACHABLE) from err
