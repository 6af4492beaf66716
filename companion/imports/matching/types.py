"""What the matcher takes and gives: a wanted track, library candidates, the outcome."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

from companion.library.track_keys import (
    TitleKey,
    album_key,
    album_versions,
    artist_key,
    split_artists,
    title_key,
    without_artist_prefix,
)
from companion.media import make_ref

State = Literal["matched", "ambiguous", "unmatched"]
Method = Literal["path", "mbid", "isrc", "text", "pick"]


@dataclass(frozen=True, slots=True)
class TrackQuery:
    """A track someone wants: what a playlist row, a download or a flow knows about it."""

    title: str
    artists: tuple[str, ...] = ()
    album: str | None = None
    duration_s: float | None = None
    isrc: str | None = None
    mbid: str | None = None
    path: str | None = None


@dataclass(frozen=True, slots=True)
class Candidate:
    """A library track that might be the wanted one (a LibraryTrack row, reduced)."""

    item_id: str
    title: str
    artists: tuple[str, ...]
    album: str | None = None
    duration_s: float = 0.0
    isrc: str | None = None
    mbid_recording: str | None = None
    mbid_track: str | None = None
    path: str | None = None
    album_artist: str | None = None


@dataclass(frozen=True, slots=True)
class Scored:
    """One candidate with its score (0..1) or the reason it was ruled out."""

    candidate: Candidate
    score: float
    method: Method = "text"
    rejected: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The JSON shape shown to a person choosing between candidates."""
        c = self.candidate
        return {
            "ref": make_ref(c.item_id),
            "score": round(self.score, 3),
            "title": c.title,
            "artists": list(c.artists),
            "album": c.album,
            "duration_s": c.duration_s or None,
        }


@dataclass(frozen=True, slots=True)
class MatchResult:
    """The outcome for one query: matched (with confidence), ambiguous or unmatched (reason)."""

    state: State
    item_id: str | None = None
    confidence: float = 0.0
    method: Method | None = None
    reason: str | None = None
    candidates: tuple[Scored, ...] = field(default=())

    @property
    def ref(self) -> str | None:
        """The matched track as a `jellyfin:` ref."""
        return make_ref(self.item_id) if self.item_id else None


class Keys:
    """Normalised views of a query or a candidate, computed once and cached."""

    __slots__ = ("__dict__", "album", "artists", "title")

    def __init__(self, title: str, artists: tuple[str, ...], album: str | None) -> None:
        # A video named "Artist - Title": the title is what follows, the artist is credited.
        bare, prefix = without_artist_prefix(title, artists)
        self.title = bare
        self.artists = (*artists, prefix) if prefix else artists
        self.album = album

    @cached_property
    def title_key(self) -> TitleKey:
        """The title taken apart."""
        return title_key(self.title)

    @cached_property
    def versions(self) -> frozenset[str]:
        """Version kinds from the title, and "live" from a live album."""
        return self.title_key.versions | album_versions(self.album)

    @cached_property
    def artist_keys(self) -> tuple[str, ...]:
        """Every credited artist as a key: whole credits, their parts, featured artists."""
        keys: dict[str, None] = {}
        for credit in self.artists:
            for name in split_artists(credit):
                key = artist_key(name)
                if key:
                    keys.setdefault(key, None)
        for key in self.title_key.featured:
            keys.setdefault(key, None)
        return tuple(keys)

    @cached_property
    def primary_artist(self) -> str:
        """The first credited artist's key."""
        return artist_key(self.artists[0]) if self.artists else ""

    @cached_property
    def album_key(self) -> str:
        """The album's core words."""
        return album_key(self.album)


def query_keys(query: TrackQuery) -> Keys:
    """Keys of a query."""
    return Keys(query.title, query.artists, query.album)


def candidate_keys(candidate: Candidate) -> Keys:
    """Keys of a candidate."""
    return Keys(candidate.title, candidate.artists, candidate.album)
