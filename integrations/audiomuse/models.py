"""Typed models of AudioMuse-AI's answers (wire names stay here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from integrations.audiomuse.const import DONE_STATES, RUNNING_STATES

# Old (≤ v3.1) state names mapped to the v3.2 ones.
_STATE_ALIASES = {
    "PENDING": "NEW",
    "QUEUED": "NEW",
    "STARTED": "RUNNING",
    "PROGRESS": "RUNNING",
    "FAILURE": "FAIL",
}


@dataclass(frozen=True, slots=True)
class AudioMuseTrack:
    """One track row: similar, search, text, alchemy and path rows all parse to this."""

    item_id: str
    title: str
    artist: str
    album: str | None
    distance: float | None = None

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> AudioMuseTrack:
        """Parse a row; most endpoints say `author`, chat and the map say `artist`."""
        artist = raw.get("author")
        if artist is None:
            artist = raw.get("artist")
        album = raw.get("album")
        distance = raw.get("distance", raw.get("similarity"))
        return cls(
            item_id=str(raw["item_id"]),
            title=str(raw.get("title") or ""),
            artist=str(artist or ""),
            # 'unknown' / 'Unknown' stand for a missing album.
            album=None if album in (None, "", "unknown", "Unknown") else str(album),
            distance=float(distance) if isinstance(distance, int | float) else None,
        )


@dataclass(frozen=True, slots=True)
class AudioMuseTask:
    """A long task (analysis, clustering) and where it is."""

    task_id: str | None
    task_type: str | None
    state: str
    progress: int

    @property
    def running(self) -> bool:
        """Still queued or running."""
        return self.state in RUNNING_STATES

    @property
    def done(self) -> bool:
        """Finished one way or another."""
        return self.state in DONE_STATES

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> AudioMuseTask:
        """Parse /api/status, /api/active_tasks or /api/last_task (both state vocabularies)."""
        state = str(raw.get("state") or raw.get("status") or "UNKNOWN").upper()
        progress = raw.get("progress")
        return cls(
            task_id=raw.get("task_id"),
            task_type=raw.get("task_type") or raw.get("task_type_from_db"),
            state=_STATE_ALIASES.get(state, state),
            progress=int(progress) if isinstance(progress, int | float) else 0,
        )
