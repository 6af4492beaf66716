"""Typed models of ListenBrainz's answers (wire names stay here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class RateLimit:
    """The X-RateLimit-* headers of the last answer."""

    limit: int | None
    remaining: int | None
    reset_in: float | None

    @classmethod
    def from_headers(cls, headers: Any) -> RateLimit:
        """Read the headers (missing or unreadable ones are None)."""

        def number(name: str) -> int | None:
            try:
                return int(headers.get(name))
            except (TypeError, ValueError):
                return None

        reset_in = number("X-RateLimit-Reset-In")
        return cls(
            number("X-RateLimit-Limit"),
            number("X-RateLimit-Remaining"),
            float(reset_in) if reset_in is not None else None,
        )


@dataclass(frozen=True, slots=True)
class LBListen:
    """One listen of a user's history."""

    listened_at: int
    artist_name: str
    track_name: str
    release_name: str | None
    recording_mbid: str | None
    duration_s: float | None

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> LBListen:
        """Parse a listen; the MBID comes from the submitter or ListenBrainz's own mapping."""
        meta = raw.get("track_metadata") or {}
        info = meta.get("additional_info") or {}
        mapping = meta.get("mbid_mapping") or {}
        duration: float | None = None
        if isinstance(info.get("duration_ms"), int | float):
            duration = float(info["duration_ms"]) / 1000
        elif isinstance(info.get("duration"), int | float):
            duration = float(info["duration"])
        mbid = info.get("recording_mbid") or mapping.get("recording_mbid")
        return cls(
            listened_at=int(raw["listened_at"]),
            artist_name=str(meta.get("artist_name") or ""),
            track_name=str(meta.get("track_name") or ""),
            release_name=str(meta["release_name"]) if meta.get("release_name") else None,
            recording_mbid=str(mbid) if mbid else None,
            duration_s=duration,
        )


@dataclass(frozen=True, slots=True)
class ListensPage:
    """One page of /1/user/<name>/listens."""

    listens: tuple[LBListen, ...]
    latest_listen_ts: int
    oldest_listen_ts: int
