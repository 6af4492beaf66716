"""The provider registry: what integrations fill in at setup, and the identity protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from companion.media import MediaServer
    from companion.providers.discovery import (
        KnownSimilarTracks,
        RecommendationSource,
        TrackSuggester,
    )
    from companion.providers.downloads import AlbumDownloader, FileSource, LibraryFolders
    from companion.providers.history import PlayHistorySource
    from companion.providers.live import LiveSource
    from companion.providers.playback import PlaybackReporter
    from companion.providers.playlists import RemotePlaylists
    from companion.providers.scrobble import ScrobbleService
    from companion.providers.sources import AccountPlaylistSource, PlaylistSource
    from companion.providers.vibe import MixSource, SimilarityEngine


class ProviderUnavailable(Exception):
    """The service behind a provider is down or too slow; the message is for users."""


class CredentialsRejected(Exception):
    """The service rejected the credentials; the message is for users."""


@dataclass(frozen=True)
class ExternalIdentity:
    """A user as the identity service knows them, with a token bound to our device id."""

    user_id: str
    name: str
    is_admin: bool
    token: str
    server_id: str


class IdentityProvider(Protocol):
    """Signs users in against the media server (Jellyfin) and checks their tokens."""

    name: str

    async def authenticate(self, username: str, password: str, device_id: str) -> ExternalIdentity:
        """Exchange a username and password for an identity; raise CredentialsRejected."""
        ...

    async def token_valid(self, token: str, user_id: str, device_id: str) -> bool:
        """Tell whether a stored user token still works (False once disabled or deleted)."""
        ...

    async def sign_out(self, token: str, user_id: str, device_id: str) -> None:
        """Revoke a user token the companion no longer uses (best effort, never raises)."""
        ...


class Providers:
    """The registry integrations fill in at setup and empty at unload."""

    def __init__(self) -> None:
        self.identity: IdentityProvider | None = None
        self.media: MediaServer | None = None
        self.live: LiveSource | None = None
        self.playlists: RemotePlaylists | None = None
        # Vibe queues: AudioMuse-AI's similarity engine, and the media server's mixes/remote.
        self.similarity: SimilarityEngine | None = None
        self.mixes: MixSource | None = None
        # Listening history: the media server's play data, and scrobble services by domain.
        self.play_history: PlayHistorySource | None = None
        self.scrobblers: dict[str, ScrobbleService] = {}
        # Playlist imports by URL, by source name ("deezer", "ytmusic", "spotify").
        self.playlist_sources: dict[str, PlaylistSource] = {}
        # Imports of a user's own playlists after they sign in to the service (Spotify).
        self.account_sources: dict[str, AccountPlaylistSource] = {}
        # Add to library: the media server's folders and scans, Lidarr, slskd.
        self.library_folders: LibraryFolders | None = None
        self.albums: AlbumDownloader | None = None
        self.files: FileSource | None = None
        # Weekly discovery flows: ListenBrainz, AudioMuse's named neighbours, a language model.
        self.recommendations: RecommendationSource | None = None
        self.known_similar: KnownSimilarTracks | None = None
        self.suggester: TrackSuggester | None = None
        # The dashboard player's playback, reported to the media server as a session.
        self.playback: PlaybackReporter | None = None
