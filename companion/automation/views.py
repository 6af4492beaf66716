"""The values home automation shows: one `{"state", "attributes"}` per sensor, built together.

Every value is complete (attributes that do not apply are null rather than left over from the
previous track), so a transport can publish it as one message and Home Assistant sees one
correct state change per update.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from companion.automation.artwork import signed_path
from companion.automation.radio import DEFAULT_MODE
from companion.crypto import SecretBox
from companion.library.models import LibraryTrack
from companion.media import make_ref

IDLE = "idle"
NONE = "none"
# Home Assistant caps a state at 255 characters.
MAX_STATE = 255

Value = dict[str, Any]

_NOW_PLAYING_KEYS = (
    "playback",
    "title",
    "artist",
    "album",
    "device",
    "client",
    "session_id",
    "position",
    "duration",
    "position_updated_at",
    "ref",
    "image_url",
)


def idle_now_playing() -> Value:
    """Nothing plays: every attribute null, `playback` idle."""
    attributes: dict[str, Any] = dict.fromkeys(_NOW_PLAYING_KEYS)
    attributes["playback"] = IDLE
    return {"state": IDLE, "attributes": attributes}


def no_favorite() -> Value:
    """No favorite track known."""
    keys = ("title", "artist", "album", "ref", "image_url", "favorited_at")
    return {"state": NONE, "attributes": dict.fromkeys(keys)}


def no_command() -> Value:
    """No command has run since the start."""
    return {
        "state": NONE,
        "attributes": dict.fromkeys(("action", "code", "reason", "request_id", "at")),
    }


def simple(state: Any, **attributes: Any) -> Value:
    """A value with the given attributes."""
    return {"state": state, "attributes": attributes}


@dataclass
class SessionView:
    """What one of the user's Jellyfin sessions plays, and when its position was last known."""

    value: Value
    item_id: str
    position: float
    duration: float
    at: datetime
    playing: bool


@dataclass
class UserView:
    """The sensor values of one user."""

    user_id: str
    name: str
    now_playing: Value = field(default_factory=idle_now_playing)
    last_favorite: Value = field(default_factory=no_favorite)
    plays_today: Value = field(default_factory=lambda: simple(0))
    radio_mode: Value = field(default_factory=lambda: simple(DEFAULT_MODE))
    last_command: Value = field(default_factory=no_command)
    cover: Value | None = None
    # session id -> what it plays, most recently changed last.
    sessions: dict[str, SessionView] = field(default_factory=dict)

    def sensors(self) -> dict[str, Value]:
        """Every sensor value by name (the cover only once a track had art)."""
        out = {
            "now_playing": self.now_playing,
            "last_favorite": self.last_favorite,
            "plays_today": self.plays_today,
            "radio_mode": self.radio_mode,
            "last_command": self.last_command,
        }
        if self.cover is not None:
            out["cover"] = self.cover
        return out

    def as_dict(self) -> dict[str, Any]:
        """The snapshot shape of the user."""
        return {"user_id": self.user_id, "name": self.name, "sensors": self.sensors()}


class Describer:
    """Builds sensor values from the light library index (Jellyfin stays the metadata truth)."""

    def __init__(self, box: SecretBox | None, public_url: str | None) -> None:
        self._box = box
        self._base = (public_url or "").rstrip("/")

    def image_url(self, item_id: str, user_id: str | None) -> str | None:
        """An absolute signed URL of the item's art, or None without a public URL."""
        if not self._base or self._box is None or not user_id:
            return None
        return self._base + signed_path(self._box, item_id, user_id)

    @staticmethod
    async def track(item_id: str) -> dict[str, Any]:
        """Title, artist and album of a track as the index knows them."""
        row = await LibraryTrack.get_or_none(item_id=item_id)
        ref = make_ref(item_id)
        if row is None:
            return {"title": ref, "artist": None, "album": None, "ref": ref}
        return {"title": row.title, "artist": row.artists, "album": row.album, "ref": ref}

    async def now_playing(
        self,
        user_id: str,
        item_id: str,
        *,
        playback: str,
        device: str | None,
        client: str | None,
        session_id: str,
        position: float,
        duration: float,
        at: datetime,
    ) -> Value:
        """The "now playing" value of a session playing or paused on a track."""
        track = await self.track(item_id)
        attributes = {
            "playback": playback,
            "title": track["title"],
            "artist": track["artist"],
            "album": track["album"],
            "device": device or None,
            "client": client or None,
            "session_id": session_id,
            "position": round(position, 1),
            "duration": round(duration, 1) if duration else None,
            "position_updated_at": at.isoformat(),
            "ref": track["ref"],
            "image_url": self.image_url(item_id, user_id),
        }
        return {"state": str(track["title"])[:MAX_STATE], "attributes": attributes}

    async def favorite(self, user_id: str, item_id: str, at: datetime) -> Value:
        """The "last favorite" value of a track."""
        track = await self.track(item_id)
        attributes = {
            "title": track["title"],
            "artist": track["artist"],
            "album": track["album"],
            "ref": track["ref"],
            "image_url": self.image_url(item_id, user_id),
            "favorited_at": at.isoformat(),
        }
        return {"state": str(track["title"])[:MAX_STATE], "attributes": attributes}
