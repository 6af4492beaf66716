"""Typed models of Last.fm's JSON answers (wire names stay here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


def _text(value: Any) -> str:
    # Values arrive as {"#text": "...", ...} objects or bare strings.
    if isinstance(value, dict):
        return str(value.get("#text") or value.get("name") or "")
    return str(value or "")


def as_list(value: Any) -> list[Any]:
    """Last.fm's JSON comes from XML: one element is an object, several a list."""
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@dataclass(frozen=True, slots=True)
class ScrobbleOutcome:
    """One scrobble's answer: accepted, or ignored with a code and message."""

    accepted: bool
    code: int
    message: str

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> ScrobbleOutcome:
        """Parse one `scrobble` element."""
        ignored = raw.get("ignoredMessage") or {}
        code = int(ignored.get("code") or 0) if isinstance(ignored, dict) else 0
        message = _text(ignored) if isinstance(ignored, dict) else ""
        return cls(code == 0, code, message)


@dataclass(frozen=True, slots=True)
class RecentTrack:
    """One scrobble of user.getRecentTracks (the track playing now has no `uts`)."""

    uts: int | None
    artist: str
    name: str
    album: str | None
    mbid: str | None

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> RecentTrack:
        """Parse a `track` element."""
        date = raw.get("date")
        uts = int(date["uts"]) if isinstance(date, dict) and date.get("uts") else None
        album = _text(raw.get("album"))
        return cls(
            uts=uts,
            artist=_text(raw.get("artist")),
            name=str(raw.get("name") or ""),
            album=album or None,
            mbid=str(raw["mbid"]) if raw.get("mbid") else None,
        )


@dataclass(frozen=True, slots=True)
class RecentPage:
    """One page of recent tracks and the paging Last.fm reports."""

    tracks: tuple[RecentTrack, ...]
    page: int
    total_pages: int
    total: int
