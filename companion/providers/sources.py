"""Playlist sources other services provide for imports (Deezer, YouTube Music, Spotify)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class SourceTrack:
    """One track of a source playlist, as the source names it."""

    title: str
    artists: tuple[str, ...] = ()
    album: str | None = None
    duration_s: float | None = None
    isrc: str | None = None
    mbid: str | None = None
    path: str | None = None
    source_id: str | None = None


@dataclass(frozen=True, slots=True)
class SourcePlaylist:
    """A playlist read from a file or a service, before matching."""

    name: str
    source: str
    tracks: tuple[SourceTrack, ...]
    url: str | None = None
    # What the source could not give, shown in the preview (e.g. no album from an embed page).
    notice: str | None = None


class SourcePlaylistMissing(LookupError):
    """The playlist does not exist (removed, or a wrong id); the message is for users."""


class SourcePlaylistPrivate(PermissionError):
    """The playlist exists but is private to its owner; the message is for users."""


Progress = Callable[[int, int], None]


class PlaylistSource(Protocol):
    """A service whose playlists can be imported by URL.

    `fetch` raises SourcePlaylistMissing, SourcePlaylistPrivate, or
    `companion.providers.ProviderUnavailable` when the service is down or refuses (quota).
    """

    name: str
    label: str

    def playlist_id(self, url: str) -> str | None:
        """The playlist id when url is one of this service's playlist URLs, else None."""
        ...

    async def fetch(self, playlist_id: str, progress: Progress | None = None) -> SourcePlaylist:
        """Every track of the playlist (paging as the service needs), in order."""
        ...


@dataclass(frozen=True, slots=True)
class AccountTokens:
    """A user's OAuth tokens at a playlist service (kept encrypted by the companion)."""

    access_token: str
    refresh_token: str | None
    expires_at: float


@dataclass(frozen=True, slots=True)
class AccountPlaylist:
    """One of the user's own playlists at the service."""

    id: str
    name: str
    item_count: int


class AccountRejected(PermissionError):
    """The service refused the user's authorisation (revoked, expired); sign in again."""


class AccountPlaylistSource(Protocol):
    """A service whose users sign in (OAuth with PKCE) to import their own playlists.

    Methods raise AccountRejected, SourcePlaylistMissing, SourcePlaylistPrivate (not theirs),
    or `companion.providers.ProviderUnavailable`.
    """

    name: str
    label: str

    def authorize_url(self, *, state: str, code_challenge: str, redirect_uri: str) -> str:
        """Where to send the user's browser to grant access."""
        ...

    async def exchange_code(
        self, code: str, code_verifier: str, redirect_uri: str
    ) -> AccountTokens:
        """Trade the authorisation code (and the PKCE verifier) for tokens."""
        ...

    async def refresh(self, tokens: AccountTokens) -> AccountTokens:
        """New tokens from the refresh token."""
        ...

    async def playlists(self, tokens: AccountTokens) -> list[AccountPlaylist]:
        """The playlists the user owns or collaborates on."""
        ...

    async def fetch(
        self, tokens: AccountTokens, playlist_id: str, progress: Progress | None = None
    ) -> SourcePlaylist:
        """Every track of one of the user's playlists (with albums and ISRCs when given)."""
        ...
