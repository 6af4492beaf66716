"""Typed shapes of ytmusicapi's get_playlist answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class YTMusicTrack:
    """One playlist item: music videos (OMV/UGC) have no album."""

    video_id: str | None
    title: str
    artists: tuple[str, ...]
    album: str | None
    duration_s: float | None
    available: bool

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> YTMusicTrack:
        """Parse one of `tracks` (videoId, title, artists[{name,id}], album{name,id}|None...)."""
        album = data.get("album")
        seconds = data.get("duration_seconds")
        return cls(
            video_id=data.get("videoId"),
            title=str(data.get("title") or ""),
            artists=tuple(
                str(a["name"])
                for a in data.get("artists") or ()
                if isinstance(a, dict) and a.get("name")
            ),
            album=str(album["name"]) if isinstance(album, dict) and album.get("name") else None,
            duration_s=float(seconds) if isinstance(seconds, int | float) and seconds > 0 else None,
            available=bool(data.get("isAvailable", True)),
        )


@dataclass(frozen=True, slots=True)
class YTMusicPlaylist:
    """A playlist: title and tracks."""

    id: str
    title: str
    tracks: tuple[YTMusicTrack, ...]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> YTMusicPlaylist:
        """Parse get_playlist's dict."""
        return cls(
            id=str(data.get("id") or ""),
            title=str(data.get("title") or ""),
            tracks=tuple(
                YTMusicTrack.from_dict(t) for t in data.get("tracks") or () if isinstance(t, dict)
            ),
        )
