"""Parsing of /Items query parameters into an ItemQuery."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .items import STATIC_SORTS
from .state import User
from .wire import Query, parse_date

MUSIC_KINDS = ("MusicArtist", "MusicAlbum", "Audio")
# BaseItemKind values: known non-music kinds are accepted (and match nothing), anything else
# is silently dropped like the model binder does.
KNOWN_KINDS = (
    *MUSIC_KINDS,
    "Playlist",
    "AggregateFolder",
    "AudioBook",
    "BasePluginFolder",
    "Book",
    "BoxSet",
    "Channel",
    "CollectionFolder",
    "Episode",
    "Folder",
    "Genre",
    "ManualPlaylistsFolder",
    "Movie",
    "MusicGenre",
    "MusicVideo",
    "Person",
    "Photo",
    "PhotoAlbum",
    "PlaylistsFolder",
    "Season",
    "Series",
    "Studio",
    "Trailer",
    "TvChannel",
    "UserRootFolder",
    "UserView",
    "Video",
    "Year",
)
SORT_KEYS = (
    *sorted(STATIC_SORTS),
    "PlayCount",
    "DatePlayed",
    "Random",
    "IsPlayed",
    "IsUnplayed",
    "IsFavoriteOrLiked",
    "DateLastContentAdded",
    "CommunityRating",
    "CriticRating",
    "OfficialRating",
)
FILTERS = (
    "IsFolder",
    "IsNotFolder",
    "IsUnplayed",
    "IsPlayed",
    "IsFavorite",
    "IsResumable",
    "Likes",
    "Dislikes",
    "IsFavoriteOrLikes",
)


@dataclass(slots=True)
class ItemQuery:
    """Parsed /Items parameters."""

    user: User | None = None
    parent_id: str | None = None
    recursive: bool = False
    start: int = 0
    limit: int | None = None
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    media_types: list[str] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    search: str | None = None
    artist_ids: list[str] = field(default_factory=list)
    album_artist_ids: list[str] = field(default_factory=list)
    contributing_artist_ids: list[str] = field(default_factory=list)
    exclude_artist_ids: list[str] = field(default_factory=list)
    album_ids: list[str] = field(default_factory=list)
    artists: list[str] = field(default_factory=list)
    albums: list[str] = field(default_factory=list)
    genres: list[str] = field(default_factory=list)
    years: list[int] = field(default_factory=list)
    is_favorite: bool | None = None
    is_played: bool | None = None
    filters: list[str] = field(default_factory=list)
    sort: list[tuple[str, bool]] = field(default_factory=list)
    name_starts_with: str | None = None
    name_less_than: str | None = None
    min_date_last_saved: datetime | None = None
    min_date_last_saved_for_user: datetime | None = None
    exclude_item_ids: list[str] = field(default_factory=list)
    restrict: set[str] | None = None  # extra candidate restriction (e.g. AlbumArtists route)
    force_kinds: tuple[str, ...] | None = None


def parse(q: Query, user: User | None) -> ItemQuery:
    """Parse query parameters into an ItemQuery (invalid list values dropped)."""
    sort_by = q.enums("sortBy", SORT_KEYS)
    orders = [o.lower() == "descending" for o in q.enums("sortOrder", ("Ascending", "Descending"))]
    sort = [
        (k, orders[n] if n < len(orders) else (orders[0] if orders else False))
        for n, k in enumerate(sort_by)
    ]
    years = [int(y) for y in q.raw_list("years") if y.isdigit()]
    start = q.integer("startIndex") or 0
    limit = q.integer("limit")
    return ItemQuery(
        user=user,
        parent_id=q.ident("parentId"),
        recursive=bool(q.boolean("recursive")),
        start=max(0, start),
        limit=limit if limit is not None and limit >= 0 else None,
        include=q.enums("includeItemTypes", KNOWN_KINDS),
        exclude=q.enums("excludeItemTypes", KNOWN_KINDS),
        media_types=q.enums("mediaTypes", ("Audio", "Video", "Photo", "Book", "Unknown")),
        ids=q.ids("ids"),
        search=(q.get("searchTerm") or "").strip().lower() or None,
        artist_ids=q.ids("artistIds"),
        album_artist_ids=q.ids("albumArtistIds"),
        contributing_artist_ids=q.ids("contributingArtistIds"),
        exclude_artist_ids=q.ids("excludeArtistIds"),
        album_ids=q.ids("albumIds"),
        artists=q.raw_list("artists", "|"),
        albums=q.raw_list("albums", "|"),
        genres=q.raw_list("genres", "|"),
        years=years,
        is_favorite=q.boolean("isFavorite"),
        is_played=q.boolean("isPlayed"),
        filters=q.enums("filters", FILTERS),
        sort=sort,
        name_starts_with=(q.get("nameStartsWith") or "").lower() or None,
        name_less_than=(q.get("nameLessThan") or "").lower() or None,
        min_date_last_saved=parse_date(q.get("minDateLastSaved")),
        min_date_last_saved_for_user=parse_date(q.get("minDateLastSavedForUser")),
        exclude_item_ids=q.ids("excludeItemIds"),
    )
