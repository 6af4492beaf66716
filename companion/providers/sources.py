"""Playlist sources other services provide for imports (Deezer, YouTube Music, Spotify)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SourceTrack:
    """One track of a source playlist, as the source names it."""

    title: str
    artists: tuple[str, ...] = ()
    album: str | None = None
    duration_s: float | None = None
    isrc: str | None = None
    mbid: str | None = None
    path: str | None = None
    source_id: str | None = None


@dataclass(frozen=True, slots=True)
class SourcePlaylist:
    """A playlist read from a file or a service, before matching."""

    name: str
    source: str
    tracks: tuple[SourceTrack, ...]
    url: str | None = None
    # What the source could not give, shown in the preview (e.g. no album from an embed page).
    notice: str | None = None


class SourcePlaylistMissing(LookupError):
    """The playlist does not exist (removed, or a wrong id); the message is for users."""


class SourcePlaylistPrivate(PermissionError):
    """The playlist exists but is private to its owner; the message is for users."""


Progress = Callable[[int, int], None]


class PlaylistSource(Protocol):
    """A service whose playlists can be imported by URL.

    `fetch` raises SourcePlaylistMissing, SourcePlaylistPrivate, or
    `companion.providers.ProviderUnavailable` when the service is down or refuses (quota).
    """

    name: str
    label: str

    def playlist_id(self, url: str) -> str | None:
        """The playlist id when url is one of this service's playlist URLs, else None."""
        ...

    async def fetch(self, playlist_id: str, progress: Progress | None = None) -> SourcePlaylist:
        """Every track of the playlist (paging as the service needs), in order."""
        ...
