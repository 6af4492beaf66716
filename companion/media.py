"""The media-server capability: API DTOs, queries and the protocol an integration implements."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, ClassVar, Literal, Protocol

# A ref names a media-server item: `<server>:<32 hex>`. Jellyfin ids are 32 hex already;
# Navidrome's 22-character base62 ids are 16 bytes too and travel as their hex form.
REF_SCHEMES = ("jellyfin", "navidrome")
_LOWER_ID = re.compile(r"[0-9a-f]{32}")


class _RefFormat:
    """The scheme of the one media server this install talks to (set when it is configured)."""

    def __init__(self, scheme: str) -> None:
        self.use(scheme)

    def use(self, scheme: str) -> None:
        if scheme not in REF_SCHEMES:
            raise ValueError(f"unknown media server {scheme!r}")
        self.scheme = scheme
        self.prefix = f"{scheme}:"
        self.length = len(self.prefix) + 32
        self.pattern = re.compile(re.escape(self.prefix) + r"([0-9a-fA-F]{32})")


_FORMAT = _RefFormat("jellyfin")

ItemKind = Literal["track", "album", "artist"]
SortKey = Literal["name", "date_added", "year", "play_count", "random"]
SORT_KEYS: tuple[SortKey, ...] = ("name", "date_added", "year", "play_count", "random")
ITEM_KINDS: tuple[ItemKind, ...] = ("track", "album", "artist")


def use_ref_scheme(scheme: str) -> None:
    """Make refs name items of this media server ("jellyfin" or "navidrome")."""
    _FORMAT.use(scheme)


def ref_scheme() -> str:
    """The scheme refs carry now: the configured media server's."""
    return _FORMAT.scheme


class MediaNotFound(LookupError):
    """The media server has no such item (or the user cannot see it)."""


def make_ref(item_id: str) -> str:
    """Return the companion ref of a media-server item id."""
    return f"{_FORMAT.prefix}{item_id}"


def parse_ref(ref: object) -> str | None:
    """Return the 32-hex item id of a well-formed ref of the current server, else None."""
    if not isinstance(ref, str):
        return None
    fmt = _FORMAT
    # Fast path for the usual lower-case form: a 1,000-ref request parses every one of them.
    if (
        len(ref) == fmt.length
        and ref.startswith(fmt.prefix)
        and _LOWER_ID.fullmatch(ref, len(fmt.prefix))
    ):
        return ref[len(fmt.prefix) :]
    match = fmt.pattern.fullmatch(ref)
    return match.group(1).lower() if match else None


def image_path(ref: str, tag: str | None) -> str:
    """The companion URL of an item's cover art; the tag makes the URL change with the art."""
    base = f"/api/items/{ref}/image"
    return f"{base}?tag={tag}" if tag else base


@dataclass(frozen=True, slots=True)
class NamedRef:
    """A reference to another item with its display name (ref None when the server has no id)."""

    ref: str | None
    name: str

    def as_dict(self) -> dict[str, Any]:
        """Return the API shape."""
        return {"ref": self.ref, "name": self.name}


@dataclass(frozen=True, slots=True)
class ImageSource:
    """Which media-server item holds the art shown for an item, and its version tag."""

    item_id: str
    tag: str


@dataclass(frozen=True, slots=True)
class UserFields:
    """The per-user part of an item: the signed-in user's favorite flag and play count."""

    favorite: bool = False
    play_count: int = 0


def _user_dict(fields: UserFields) -> dict[str, Any]:
    return {"favorite": fields.favorite, "play_count": fields.play_count}


@dataclass(frozen=True, slots=True)
class Track:
    """A track as the API shows it."""

    kind: ClassVar[ItemKind] = "track"
    ref: str
    name: str
    artists: tuple[NamedRef, ...] = ()
    album: NamedRef | None = None
    album_artists: tuple[NamedRef, ...] = ()
    duration: float | None = None
    track_number: int | None = None
    disc_number: int | None = None
    year: int | None = None
    genres: tuple[str, ...] = ()
    image: ImageSource | None = field(default=None, compare=False)
    user: UserFields = UserFields()

    @property
    def image_url(self) -> str:
        """The companion URL of the cover art (the album's for most tracks)."""
        return image_path(self.ref, self.image.tag if self.image else None)

    def as_dict(self) -> dict[str, Any]:
        """Return the API shape."""
        return {
            "type": "track",
            "ref": self.ref,
            "name": self.name,
            "artists": [a.as_dict() for a in self.artists],
            "album": self.album.as_dict() if self.album else None,
            "album_artists": [a.as_dict() for a in self.album_artists],
            "duration": self.duration,
            "track_number": self.track_number,
            "disc_number": self.disc_number,
            "year": self.year,
            "genres": list(self.genres),
            "image_url": self.image_url,
            **_user_dict(self.user),
        }


@dataclass(frozen=True, slots=True)
class Album:
    """An album as the API shows it."""

    kind: ClassVar[ItemKind] = "album"
    ref: str
    name: str
    artists: tuple[NamedRef, ...] = ()
    year: int | None = None
    genres: tuple[str, ...] = ()
    track_count: int | None = None
    duration: float | None = None
    image: ImageSource | None = field(default=None, compare=False)
    user: UserFields = UserFields()

    @property
    def image_url(self) -> str:
        """The companion URL of the cover art."""
        return image_path(self.ref, self.image.tag if self.image else None)

    def as_dict(self) -> dict[str, Any]:
        """Return the API shape."""
        return {
            "type": "album",
            "ref": self.ref,
            "name": self.name,
            "artists": [a.as_dict() for a in self.artists],
            "year": self.year,
            "genres": list(self.genres),
            "track_count": self.track_count,
            "duration": self.duration,
            "image_url": self.image_url,
            **_user_dict(self.user),
        }


@dataclass(frozen=True, slots=True)
class Artist:
    """An artist as the API shows it."""

    kind: ClassVar[ItemKind] = "artist"
    ref: str
    name: str
    genres: tuple[str, ...] = ()
    image: ImageSource | None = field(default=None, compare=False)
    user: UserFields = UserFields()

    @property
    def image_url(self) -> str:
        """The companion URL of the artist picture."""
        return image_path(self.ref, self.image.tag if self.image else None)

    def as_dict(self) -> dict[str, Any]:
        """Return the API shape."""
        return {
            "type": "artist",
            "ref": self.ref,
            "name": self.name,
            "genres": list(self.genres),
            "image_url": self.image_url,
            **_user_dict(self.user),
        }


MediaItem = Track | Album | Artist


def with_user(item: MediaItem, fields: UserFields) -> MediaItem:
    """Return the item carrying another user's favorite and play count."""
    return item if item.user == fields else replace(item, user=fields)


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a listing, with the total the media server reported."""

    items: tuple[MediaItem, ...]
    total: int
    offset: int
    limit: int

    def as_dict(self) -> dict[str, Any]:
        """Return the API shape."""
        return {
            "items": [i.as_dict() for i in self.items],
            "total": self.total,
            "offset": self.offset,
            "limit": self.limit,
        }


@dataclass(frozen=True, slots=True)
class UserCredential:
    """Who a media-server call runs as: the user's own id, token and device id."""

    user_id: str
    token: str = field(repr=False)
    device_id: str

    def __repr__(self) -> str:
        # The token must never reach a log line or a traceback.
        return f"UserCredential(user_id={self.user_id!r}, device_id={self.device_id!r})"


@dataclass(frozen=True, slots=True)
class BrowseQuery:
    """A validated listing request."""

    kind: ItemKind
    offset: int = 0
    limit: int = 50
    sort: SortKey = "name"
    descending: bool = False
    artist_id: str | None = None
    album_id: str | None = None
    genre: str | None = None
    year: int | None = None
    favorites: bool = False
    q: str | None = None


@dataclass(frozen=True, slots=True)
class StreamQuality:
    """Original file, or a transcode capped at a bitrate (kbps) in a codec."""

    max_bitrate: int | None = None
    codec: str | None = None

    @property
    def original(self) -> bool:
        """Tell whether the original file is wanted."""
        return self.max_bitrate is None and self.codec is None


@dataclass(frozen=True, slots=True)
class ImageData:
    """Image bytes fetched from the media server."""

    body: bytes
    content_type: str


@dataclass(frozen=True, slots=True)
class PlayedItem:
    """A track the user played, as the media server records it (the start of the last listen)."""

    item_id: str
    last_played: datetime
    runtime_ticks: int = 0


@dataclass(frozen=True, slots=True)
class IndexTrack:
    """A track as the light library index keeps it (for matching, never served as truth)."""

    item_id: str
    title: str
    artists: tuple[str, ...] = ()
    artist_ids: tuple[str, ...] = ()
    album: str | None = None
    album_id: str | None = None
    album_artist: str | None = None
    duration_s: float = 0.0
    track_number: int | None = None
    disc_number: int | None = None
    year: int | None = None
    isrc: str | None = None
    mbid_recording: str | None = None
    mbid_track: str | None = None
    date_created: datetime | None = None
    date_last_saved: datetime | None = None
    path: str | None = None


class UpstreamStream(Protocol):
    """An open audio response from the media server, read chunk by chunk."""

    status: int
    headers: dict[str, str]

    def chunks(self, size: int) -> AsyncIterator[bytes]:
        """Yield the body in chunks of at most size bytes."""
        ...


class MediaServer(Protocol):
    """The music library of a media server, queried as the signed-in user.

    Every method raises `companion.providers.ProviderUnavailable` when the server is down or
    slower than its timeout, and `companion.providers.CredentialsRejected` when the user's token
    no longer works.
    """

    name: str

    async def browse(self, cred: UserCredential, query: BrowseQuery) -> Page:
        """One page of artists, albums or tracks."""
        ...

    async def search(
        self, cred: UserCredential, q: str, limit: int
    ) -> tuple[Sequence[MediaItem], Sequence[MediaItem], Sequence[MediaItem]]:
        """Artists, albums and tracks matching q."""
        ...

    async def get_many(self, cred: UserCredential, ids: Sequence[str]) -> list[MediaItem]:
        """The items among ids this user can see (one upstream call; keep ids ≤ 200)."""
        ...

    async def album_tracks(self, cred: UserCredential, album_id: str) -> list[Track]:
        """An album's tracks in disc/track order."""
        ...

    async def artist_albums(self, cred: UserCredential, artist_id: str) -> list[Album]:
        """An artist's albums, newest first."""
        ...

    async def set_favorite(self, cred: UserCredential, item_id: str, favorite: bool) -> bool | None:
        """Mark or unmark a favorite as the user; the saved state, None for an unknown item."""
        ...

    async def favorites(
        self, cred: UserCredential, kind: ItemKind, offset: int, limit: int
    ) -> Page:
        """The user's favorites of one kind, live."""
        ...

    async def fetch_image(self, source: ImageSource, size: int | None) -> ImageData | None:
        """The art of source scaled to fit size pixels; None when the server has none."""
        ...

    async def index_page(
        self, start: int, limit: int, since: datetime | None
    ) -> tuple[list[IndexTrack], int]:
        """One page of every track (service credential, stable order) and the total.

        With `since`, only tracks whose metadata the server saved at or after it (added or
        changed); `since` is on the companion's clock, so callers keep a safety margin.
        """
        ...

    async def index_items(self, ids: Sequence[str]) -> list[IndexTrack]:
        """The tracks among ids (service credential; keep ids ≤ 200); other ids are skipped."""
        ...

    async def index_count(self) -> int:
        """How many tracks the server has (one cheap call)."""
        ...

    async def index_ids(self, start: int, limit: int) -> list[str]:
        """One page of the ids of every track, in the same stable order as `index_page`."""
        ...

    async def album_track_counts(self) -> dict[str, int] | None:
        """Every album's number of tracks, in as few calls as possible (None: cannot tell)."""
        ...

    async def index_ids_in_albums(self, album_ids: Sequence[str]) -> list[str]:
        """The ids of the tracks of these albums (keep album_ids ≤ 200)."""
        ...

    async def favorite_ids(self, cred: UserCredential) -> dict[str, str]:
        """Every favorite of the user (tracks, albums, artists): item id -> item type.

        Ids only, in as few calls as the server allows (the state to compare after a gap;
        the server keeps no time of a user's changes, so there is no "changed since").
        """
        ...

    async def recently_played(
        self, cred: UserCredential, start: int, limit: int
    ) -> list[PlayedItem]:
        """One page of the user's played tracks, most recently played first."""
        ...

    def stream_url(self, cred: UserCredential, item_id: str, quality: StreamQuality) -> str:
        """A URL a player can fetch the audio from directly (no service credential in it)."""
        ...

    def open_stream(
        self,
        cred: UserCredential,
        item_id: str,
        *,
        method: str,
        headers: dict[str, str],
    ) -> AbstractAsyncContextManager[UpstreamStream]:
        """Open the original audio for proxying (headers carry Range); MediaNotFound if unknown."""
        ...
