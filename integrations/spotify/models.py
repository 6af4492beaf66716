"""Typed shapes of Spotify's embed page data."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class EmbedTrack:
    """A track of the embed page: title, artists (`subtitle`), length; no album, no ISRC."""

    uri: str | None
    title: str
    artists: tuple[str, ...]
    duration_s: float | None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EmbedTrack:
        """Parse one `trackList` entry (`subtitle` joins artists with ", " and NBSPs)."""
        subtitle = str(data.get("subtitle") or "").replace("\u00a0", " ")
        millis = data.get("duration")
        return cls(
            uri=data.get("uri") if isinstance(data.get("uri"), str) else None,
            title=str(data.get("title") or ""),
            artists=tuple(a.strip() for a in subtitle.split(",") if a.strip()),
            duration_s=millis / 1000 if isinstance(millis, int | float) and millis > 0 else None,
        )


@dataclass(frozen=True, slots=True)
class EmbedPlaylist:
    """A playlist as the embed page shows it (at most about 100 tracks)."""

    name: str
    tracks: tuple[EmbedTrack, ...]

    @classmethod
    def from_entity(cls, entity: dict[str, Any]) -> EmbedPlaylist:
        """Parse `props.pageProps.state.data.entity`."""
        return cls(
            name=str(entity.get("name") or entity.get("title") or ""),
            tracks=tuple(
                EmbedTrack.from_dict(t)
                for t in entity.get("trackList") or ()
                if isinstance(t, dict)
            ),
        )
