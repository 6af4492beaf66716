"""Scrobble services (ListenBrainz, Last.fm) as the core sees them: link a user's account,
report what plays now, submit listens, read a listening history back (no integration code).

Every method raises `companion.providers.ProviderUnavailable` when the service is down or
answers with a server error, `companion.providers.CredentialsRejected` when the user's token or
session is refused (the account must be linked again), and `ScrobbleRateLimited` when the
service asks to slow down.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol


class ScrobbleRateLimited(Exception):
    """The service asked to slow down; retry after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: float) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ScrobbleRequestInvalid(Exception):
    """The service refused the request itself (bad input); retrying it will not help."""


@dataclass(frozen=True, slots=True)
class ScrobbleTrack:
    """What a listen is of, in the words scrobble services use."""

    artist: str
    title: str
    album: str | None = None
    album_artist: str | None = None
    duration_s: int | None = None
    track_number: int | None = None
    mbid_recording: str | None = None
    isrc: str | None = None


@dataclass(frozen=True, slots=True)
class Listen:
    """A listen to submit: the track and when it started playing."""

    listened_at: datetime
    track: ScrobbleTrack


@dataclass(frozen=True, slots=True)
class RemoteListen:
    """A listen read back from a service's history."""

    listened_at: datetime
    artist: str
    title: str
    album: str | None = None
    mbid_recording: str | None = None
    duration_s: float | None = None


@dataclass(frozen=True, slots=True)
class HistoryPage:
    """One page of a listening history, newest first, and where the next page starts."""

    listens: tuple[RemoteListen, ...]
    next_cursor: str | None
    total: int | None = None


@dataclass(frozen=True, slots=True)
class SubmitResult:
    """The outcome of a submission: listens the service ignored, by index, with its reason."""

    ignored: Mapping[int, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LinkedAccount:
    """A user's account on a service: its name there, and the secret the companion keeps."""

    name: str
    secret: str = field(repr=False)


class ScrobbleService(Protocol):
    """One scrobble service (a loaded integration entry)."""

    domain: str
    name: str
    # Most listens one submission may carry.
    max_batch: int
    # Listens older than this are refused by the service (None: any age is accepted).
    max_age: timedelta | None
    # The fields a user enters to link their account (e.g. ("token",)).
    link_fields: tuple[str, ...]

    async def link(self, credentials: Mapping[str, str]) -> LinkedAccount:
        """Check what the user entered and return their account (the secret to keep)."""
        ...

    async def check(self, secret: str) -> str:
        """The account name behind a stored secret; CredentialsRejected once it stops working."""
        ...

    async def now_playing(self, secret: str, track: ScrobbleTrack) -> None:
        """Show the track as playing now (best effort: never retried)."""
        ...

    async def submit(self, secret: str, listens: Sequence[Listen]) -> SubmitResult:
        """Submit listens (at most max_batch); ScrobbleRequestInvalid when refused as bad."""
        ...

    async def history(
        self, account: str, secret: str, cursor: str | None, limit: int
    ) -> HistoryPage:
        """One page of the account's listening history, newest first (cursor None: latest)."""
        ...
