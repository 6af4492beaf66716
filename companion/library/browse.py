"""Browsing, searching and album/artist detail through the media provider, as the user."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from companion.errors import InvalidInput
from companion.events import Event, EventBus, Unsubscribe
from companion.library.resolver import DEFAULT_TTL, Resolver
from companion.library.search import index_hits, merge
from companion.library.upstream import media_of, upstream_errors
from companion.media import (
    ITEM_KINDS,
    SORT_KEYS,
    Album,
    Artist,
    BrowseQuery,
    ItemKind,
    MediaItem,
    Page,
    SortKey,
    Track,
    UserCredential,
    parse_ref,
    ref_scheme,
)
from companion.providers import Providers

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
SEARCH_LIMIT = 20
MAX_QUERY_LENGTH = 200
# Album pages are a few hundred bytes each; past this many, start over rather than track LRU.
MAX_ALBUM_PAGES = 20_000


@dataclass(frozen=True)
class AlbumDetail:
    """An album with its tracks in disc/track order."""

    album: Album
    tracks: tuple[Track, ...]


@dataclass(frozen=True)
class ArtistDetail:
    """An artist with their albums."""

    artist: Artist
    albums: tuple[Album, ...]


def _int(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise InvalidInput(f"'{name}' must be an integer.", details={"field": name}) from None
    if not low <= value <= high:
        raise InvalidInput(
            f"'{name}' must be between {low} and {high}.", details={"field": name}
        ) from None
    return value


def ref_param(params: Mapping[str, str], name: str) -> str | None:
    """Read an optional ref query parameter as an item id; 400 naming it when malformed."""
    raw = params.get(name)
    if not raw:
        return None
    iid = parse_ref(raw)
    if iid is None:
        raise InvalidInput(
            f"'{name}' is not a valid ref: {raw[:80]!r} (expected {ref_scheme()}:<32 hex>).",
            details={"field": name, "ref": raw[:80]},
        )
    return iid


def paging(params: Mapping[str, str]) -> tuple[int, int]:
    """Read offset and limit (default 50, at most 500)."""
    offset = _int(params, "offset", 0, 0, 10_000_000)
    return offset, _int(params, "limit", DEFAULT_LIMIT, 1, MAX_LIMIT)


def sort_key(value: str) -> SortKey:
    """Check a sort name."""
    for key in SORT_KEYS:
        if value == key:
            return key
    raise InvalidInput(f"'sort' must be one of {', '.join(SORT_KEYS)}.", details={"field": "sort"})


def browse_query(kind: ItemKind, params: Mapping[str, str]) -> BrowseQuery:
    """Validate the query string of a listing into a BrowseQuery."""
    offset, limit = paging(params)
    sort = sort_key(params.get("sort") or "name")
    order = params.get("order") or "asc"
    if order not in ("asc", "desc"):
        raise InvalidInput("'order' must be asc or desc.", details={"field": "order"})
    favorites = (params.get("favorites") or "").lower()
    if favorites not in ("", "true", "false", "1", "0"):
        raise InvalidInput("'favorites' must be true or false.", details={"field": "favorites"})
    q = (params.get("q") or "").strip() or None
    if q is not None and len(q) > MAX_QUERY_LENGTH:
        raise InvalidInput("'q' is too long.", details={"field": "q"})
    year = _int(params, "year", 0, 1, 9999) or None
    query = BrowseQuery(
        kind=kind,
        offset=offset,
        limit=limit,
        sort=sort,
        descending=order == "desc",
        artist_id=ref_param(params, "artist"),
        album_id=ref_param(params, "album"),
        genre=(params.get("genre") or "").strip() or None,
        year=year,
        favorites=favorites in ("true", "1"),
        q=q,
    )
    if kind == "artist" and (query.artist_id or query.album_id or query.year):
        raise InvalidInput("Artists can be filtered by genre, favorites and q only.")
    return query


def kind_param(params: Mapping[str, str], default: ItemKind = "track") -> ItemKind:
    """Read `type` (track, album or artist)."""
    raw = params.get("type") or default
    for kind in ITEM_KINDS:
        if raw == kind:
            return kind
    raise InvalidInput("'type' must be track, album or artist.", details={"field": "type"})


class LibraryService:
    """The music library as one user sees it; album pages are cached within the TTL."""

    def __init__(
        self,
        providers: Providers,
        resolver: Resolver,
        *,
        ttl: float = DEFAULT_TTL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._providers = providers
        self._resolver = resolver
        self.ttl = ttl
        self._clock = clock
        # album id -> (expiry, track ids in order); per-user data comes from the resolver.
        self._album_tracks: dict[str, tuple[float, tuple[str, ...]]] = {}

    async def browse(self, cred: UserCredential, query: BrowseQuery) -> Page:
        """One page of a listing, live from the media server."""
        with upstream_errors():
            page = await media_of(self._providers).browse(cred, query)
        self._resolver.prime(cred, page.items)
        return page

    async def search(
        self, cred: UserCredential, q: str, limit: int = SEARCH_LIMIT
    ) -> dict[str, tuple[MediaItem, ...]]:
        """Artists, albums and tracks matching q, in one answer; accents and case ignored, and
        tracks found by their artists' names too (the index widens the server's search)."""
        # NUL matches nothing and PostgreSQL refuses it in a query: the search page passes q on.
        q = q.replace("\x00", "")
        with upstream_errors():
            artists, albums, tracks = await media_of(self._providers).search(cred, q, limit)
        for group in (artists, albums, tracks):
            self._resolver.prime(cred, group)
        hits = await index_hits(q, limit)
        wanted = [*hits.artists, *hits.albums, *hits.tracks]
        resolved: list[MediaItem | None] = []
        if wanted:
            with upstream_errors():
                resolved = await self._resolver.resolve(cred, wanted)
        a, b = len(hits.artists), len(hits.artists) + len(hits.albums)
        return {
            "artists": merge(artists, resolved[:a], limit),
            "albums": merge(albums, resolved[a:b], limit),
            "tracks": merge(tracks, resolved[b:], limit),
        }

    async def album(self, cred: UserCredential, album_id: str) -> AlbumDetail | None:
        """An album and its tracks; a repeat within the TTL costs no upstream call."""
        cached = self._album_tracks.get(album_id)
        if cached is not None and cached[0] > self._clock():
            items = await self._resolver.resolve(cred, [album_id, *cached[1]])
            album, tracks = items[0], [t for t in items[1:] if isinstance(t, Track)]
        else:
            album, tracks = await self._album_cold(cred, album_id)
        if not isinstance(album, Album):
            return None
        return AlbumDetail(album, tuple(tracks))

    async def _album_cold(
        self, cred: UserCredential, album_id: str
    ) -> tuple[MediaItem | None, list[Track]]:
        with upstream_errors():
            album, tracks = await asyncio.gather(
                self._resolver.resolve_one(cred, album_id),
                media_of(self._providers).album_tracks(cred, album_id),
            )
        self._resolver.prime(cred, tracks)
        ids = tuple(iid for iid in (parse_ref(t.ref) for t in tracks) if iid is not None)
        if len(self._album_tracks) >= MAX_ALBUM_PAGES:
            self._album_tracks.clear()
        self._album_tracks[album_id] = (self._clock() + self.ttl, ids)
        return album, tracks

    async def artist(self, cred: UserCredential, artist_id: str) -> ArtistDetail | None:
        """An artist and their albums."""
        with upstream_errors():
            artist, albums = await asyncio.gather(
                self._resolver.resolve_one(cred, artist_id),
                media_of(self._providers).artist_albums(cred, artist_id),
            )
        if not isinstance(artist, Artist):
            return None
        self._resolver.prime(cred, albums)
        return ArtistDetail(artist, tuple(albums))

    def on_event(self, event: Event) -> None:
        """Bus handler: any library change may move tracks between albums, so forget pages."""
        if event.type == "library.changed":
            self._album_tracks.clear()

    def subscribe(self, bus: EventBus) -> Unsubscribe:
        """Listen for library changes."""
        # Every replica's changes: each keeps a cache of its own.
        return bus.subscribe(
            self.on_event, ("library.changed",), name="library-album-pages", cluster=True
        )
