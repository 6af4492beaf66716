"""Typed shapes of the Deezer answers the companion reads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class DeezerTrack:
    """A playlist's track: `title` already carries `title_version` ("Song (Live)")."""

    id: int
    title: str
    title_version: str
    artist: str
    album: str | None
    duration_s: float | None
    isrc: str | None
    readable: bool

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeezerTrack:
        """Parse one item of `tracks.data` or `/playlist/{id}/tracks`."""
        artist = data.get("artist") or {}
        album = data.get("album") or {}
        duration = data.get("duration")
        return cls(
            id=int(data.get("id") or 0),
            title=str(data.get("title") or data.get("title_short") or ""),
            title_version=str(data.get("title_version") or ""),
            artist=str(artist.get("name") or "") if isinstance(artist, dict) else "",
            album=str(album.get("title"))
            if isinstance(album, dict) and album.get("title")
            else None,
            duration_s=float(duration)
            if isinstance(duration, int | float) and duration > 0
            else None,
            isrc=str(data["isrc"]) if data.get("isrc") else None,
            readable=bool(data.get("readable", True)),
        )


@dataclass(frozen=True, slots=True)
class DeezerPlaylist:
    """A playlist's header: title, owner, size."""

    id: int
    title: str
    nb_tracks: int
    creator: str | None
    public: bool

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeezerPlaylist:
        """Parse `GET /playlist/{id}`."""
        creator = data.get("creator") or {}
        return cls(
            id=int(data.get("id") or 0),
            title=str(data.get("title") or ""),
            nb_tracks=int(data.get("nb_tracks") or 0),
            creator=str(creator.get("name"))
            if isinstance(creator, dict) and creator.get("name")
            else None,
            public=bool(data.get("public", True)),
        )
