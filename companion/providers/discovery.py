"""What weekly discovery flows need from outside: recommendation services (ListenBrainz),
a similarity engine that names what it knows (AudioMuse-AI) and a language model (Ollama).

Integrations implement these protocols and register them on `Providers`; the flows capability
only sees the plain dataclasses below. Every method raises
`companion.providers.ProviderUnavailable` when the service is down, too slow or failing, and
`companion.providers.CredentialsRejected` when a user's token is refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SuggestedTrack:
    """A track some source recommends, with whatever identifiers it knows."""

    title: str
    artists: tuple[str, ...]
    album: str | None = None
    duration_s: float | None = None
    mbid: str | None = None
    # The media-server item id, when the source names a track of the library.
    item_id: str | None = None
    # Where it came from inside the source ("weekly-exploration", "cf", "similar", "llm").
    origin: str = ""
    # Why, in the source's words (an LLM's reason, a playlist's name).
    why: str | None = None


@dataclass(frozen=True, slots=True)
class CreatedPlaylist:
    """A playlist a recommendation service made for a user, with its tracks."""

    id: str
    title: str
    kind: str
    created_at: str
    tracks: tuple[SuggestedTrack, ...] = field(default=())


class RecommendationSource(Protocol):
    """ListenBrainz: the playlists it creates for a user and its recording recommendations."""

    name: str

    async def created_for(
        self, user_name: str, kinds: Sequence[str], token: str | None = None
    ) -> list[CreatedPlaylist]:
        """The newest created-for-you playlist of each kind (e.g. "weekly-exploration")."""
        ...

    async def recommended_recordings(
        self, user_name: str, count: int, token: str | None = None
    ) -> list[SuggestedTrack]:
        """Collaborative-filtering recommendations, best first, with names looked up."""
        ...


class KnownSimilarTracks(Protocol):
    """AudioMuse-AI: tracks similar to a library track, named (title, artist, album)."""

    name: str

    async def similar_known(self, item_id: str, n: int) -> list[SuggestedTrack]:
        """Similar tracks with their names; [] when the seed is not analysed."""
        ...


@dataclass(frozen=True, slots=True)
class SuggestionRequest:
    """What a language model is told about a listener."""

    top_artists: tuple[str, ...]
    top_tracks: tuple[str, ...]
    favorites: tuple[str, ...]
    seeds: tuple[str, ...]
    avoid_artists: tuple[str, ...]
    count: int
    # Artists the listener already owns: the model is asked for music beyond them.
    library_artists: tuple[str, ...] = ()


class TrackSuggester(Protocol):
    """Ollama: asks a model for track suggestions in strict JSON (never trusted as playable)."""

    name: str

    async def suggest(self, request: SuggestionRequest) -> list[SuggestedTrack]:
        """Suggestions parsed from the model's JSON; malformed entries are dropped."""
        ...
