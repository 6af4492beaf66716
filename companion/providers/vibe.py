"""What vibe queues need from outside: a similarity engine (AudioMuse) and Jellyfin's mixes.

Integrations implement these protocols and register them on `Providers`; the vibe service
only ever sees plain item ids and the companion's own DTOs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from companion.media import Track, UserCredential


class EngineUnavailable(Exception):
    """The similarity engine is down, rejects us or has no index; the message is for users."""


class SeedNotAnalysed(LookupError):
    """The engine does not know a seed track yet (its index lags the library)."""


class SimilarityEngine(Protocol):
    """Turns seeds into ordered lists of media-server item ids (the ids may be stale)."""

    name: str

    async def similar(self, item_id: str, n: int) -> list[str]:
        """Tracks similar to one track, nearest-walk order; SeedNotAnalysed when unknown."""
        ...

    async def text(self, query: str, n: int) -> list[str]:
        """Tracks matching a description such as "calm piano songs"."""
        ...

    async def alchemy(
        self,
        add: Sequence[str],
        subtract: Sequence[str],
        n: int,
        temperature: float | None,
        subtract_distance: float | None,
    ) -> list[str]:
        """Tracks near the added songs and away from the subtracted ones."""
        ...

    async def path(self, start: str, end: str, n: int) -> list[str]:
        """A path of tracks from start to end, both included; SeedNotAnalysed when unknown."""
        ...


@dataclass(frozen=True, slots=True)
class PlayerSession:
    """A media-server session as the API shows it."""

    id: str
    user_name: str | None
    device_name: str | None
    client: str | None
    supports_remote_control: bool
    now_playing: Track | None
    position_ticks: int | None
    is_paused: bool

    def as_dict(self) -> dict[str, object]:
        """Return the API shape."""
        return {
            "id": self.id,
            "user_name": self.user_name,
            "device_name": self.device_name,
            "client": self.client,
            "supports_remote_control": self.supports_remote_control,
            "now_playing": self.now_playing.as_dict() if self.now_playing else None,
            "position_ticks": self.position_ticks,
            "is_paused": self.is_paused,
        }


class MixSource(Protocol):
    """The media server's own mixes and its remote control, as the signed-in user.

    Methods raise `ProviderUnavailable` / `CredentialsRejected` like `MediaServer`, and
    `MediaNotFound` for an unknown seed or session.
    """

    async def instant_mix(self, cred: UserCredential, item_id: str, limit: int) -> list[Track]:
        """Tracks similar to an item (track, album or artist), by the media server."""
        ...

    async def sessions(self, cred: UserCredential) -> list[PlayerSession]:
        """The user's sessions (devices) the companion can see."""
        ...

    async def play(
        self, cred: UserCredential, session_id: str, item_ids: Sequence[str], command: str
    ) -> None:
        """Send PlayNow (or PlayLast) with item ids to a session."""
        ...
