"""The fake's state: users, the generated library under Navidrome ids, stars, plays, playlists."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from companion.testing.jellyfin.library import Album, Artist, Library, Track

from .ids import hash_id, random_id

# 0.55.0 (the scanner rewrite) moved ids from 32-hex md5 to 22-char base62.
SUPPORTED_VERSIONS = ("0.54.5", "0.58.0", "0.63.2")
DEFAULT_VERSION = "0.58.0"
DEFAULT_USERS: dict[str, tuple[str, bool]] = {"demo": ("demo", True), "guest": ("guest", False)}
TICKS = 10_000_000


def now() -> datetime:
    """The fake's clock (UTC)."""
    return datetime.now(UTC)


@dataclass
class User:
    """A Navidrome user; Subsonic never shows the id, only the user name."""

    id: str
    name: str
    password: str
    admin: bool


@dataclass
class Playlist:
    """A playlist: its owner and its songs by position."""

    id: str
    name: str
    owner: str
    public: bool = False
    comment: str = ""
    songs: list[str] = field(default_factory=list)
    created: datetime = field(default_factory=now)
    changed: datetime = field(default_factory=now)


@dataclass
class Annotation:
    """One user's star, play count and last play of one item."""

    starred: datetime | None = None
    play_count: int = 0
    played: datetime | None = None


@dataclass
class NowPlaying:
    """A player's current song (set by scrobble submission=false)."""

    user: str
    song_id: str
    player_id: int
    player_name: str
    started: datetime
    position_ms: int = 0


@dataclass
class Scan:
    """The scanner's status as getScanStatus reports it."""

    scanning: bool = False
    last_scan: datetime | None = None
    full: bool = False
    started: datetime | None = None


class State:
    """Everything the fake knows; ids are Navidrome's, items are the Jellyfin fake's library."""

    def __init__(self, tracks: int, seed: int, version: str, users: dict[str, Any]) -> None:
        if version not in SUPPORTED_VERSIONS:
            raise ValueError(f"unsupported Navidrome version {version}")
        self.version = version
        self.server_version = (
            f"{version} ({hashlib.md5(version.encode(), usedforsecurity=False).hexdigest()[:8]})"
        )
        self.library = Library(tracks=tracks, seed=seed)
        self.users: dict[str, User] = {
            name: User(hash_id("user", name), name, pw, admin)
            for name, (pw, admin) in users.items()
        }
        self.nd: dict[str, str] = {}  # jellyfin fake id -> navidrome id
        self.jf: dict[str, str] = {}  # navidrome id -> jellyfin fake id
        for item in [*self.library.artists, *self.library.albums, *self.library.tracks]:
            self.map_id(item.id)
        self.annotations: dict[tuple[str, str], Annotation] = {}
        self.playlists: dict[str, Playlist] = {}
        self.now_playing: dict[tuple[str, int], NowPlaying] = {}
        self.scan = Scan(last_scan=now())
        self.requests: list[dict[str, Any]] = []
        self.fail_next: list[int] = []  # HTTP statuses to answer the next requests with
        self.latency_ms = 0

    def map_id(self, jf_id: str) -> str:
        """Give a library item its Navidrome id (a hash, as the scanner derives them)."""
        if self.version < "0.55":
            nd = hashlib.md5(jf_id.encode(), usedforsecurity=False).hexdigest()
        else:
            nd = hash_id("item", jf_id)
        self.nd[jf_id] = nd
        self.jf[nd] = jf_id
        return nd

    # -- lookups ----------------------------------------------------------------------------

    def item(self, nd_id: str) -> Artist | Album | Track | None:
        """The library item with this Navidrome id."""
        jf = self.jf.get(nd_id)
        found = self.library.by_id.get(jf) if jf else None
        return found if isinstance(found, Artist | Album | Track) else None

    def track(self, nd_id: str) -> Track | None:
        """The song with this id."""
        found = self.item(nd_id)
        return found if isinstance(found, Track) else None

    def album(self, nd_id: str) -> Album | None:
        """The album with this id."""
        found = self.item(nd_id)
        return found if isinstance(found, Album) else None

    def artist(self, nd_id: str) -> Artist | None:
        """The artist with this id."""
        found = self.item(nd_id)
        return found if isinstance(found, Artist) else None

    def annotation(self, user: User, nd_id: str) -> Annotation:
        """The user's annotation of an item (created empty)."""
        return self.annotations.setdefault((user.name, nd_id), Annotation())

    def peek(self, user: User, nd_id: str) -> Annotation | None:
        """The user's annotation if any, without creating one."""
        return self.annotations.get((user.name, nd_id))

    def new_playlist(self, name: str, owner: str) -> Playlist:
        """Create an empty playlist owned by owner."""
        pls = Playlist(random_id(), name, owner)
        self.playlists[pls.id] = pls
        return pls

    def add_album(self, name: str, artist: str, songs: int) -> Album:
        """Add an album as if the scanner found it now (it heads the `newest` list)."""
        lib = self.library
        first: Track | None = None
        for n in range(songs):
            track, new = lib.add_track(
                {"title": f"{name} {n + 1}", "album": name, "artist": artist, "track_number": n + 1}
            )
            first = first or track
            for item_id in new:
                self.map_id(item_id)
        album = lib.album_of(first) if first else None
        if album is None:
            raise ValueError("an album needs at least one song")
        return album
