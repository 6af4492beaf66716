"""Facts: what a source (socket, webhook, reconcile) observed, before deduplication."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

# "poll": read by polling a server that pushes nothing (Navidrome).
Source = Literal["socket", "webhook", "reconcile", "companion", "poll"]
PlaybackEvent = Literal["start", "progress", "stop"]


@dataclass(frozen=True)
class FavoriteFact:
    """A user's favorite flag for one item is now `favorite`."""

    user_id: str
    item_id: str
    favorite: bool
    at: datetime
    source: Source
    item_type: str | None = None


@dataclass(frozen=True)
class PlaybackFact:
    """A session started, progressed or stopped playing an item."""

    user_id: str
    session_id: str
    item_id: str
    event: PlaybackEvent
    position_ticks: int
    at: datetime
    source: Source
    runtime_ticks: int = 0
    is_paused: bool = False
    device_name: str = ""
    device_id: str = ""
    client: str = ""
    played_to_completion: bool | None = None


@dataclass(frozen=True)
class SessionsSnapshot:
    """Every session playing right now, as one source sees them (a full picture, not a delta).

    Sessions missing from `playing` have stopped; `users` lists whose sessions it covers
    (a non-admin socket only sees its own user).
    """

    playing: tuple[PlaybackFact, ...]
    at: datetime
    source: Source
    users: frozenset[str] | None = None


@dataclass(frozen=True)
class LibraryFact:
    """Items were added, updated or removed in the library."""

    added: tuple[str, ...] = ()
    updated: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    at: datetime | None = None
    source: Source = "socket"


@dataclass(frozen=True)
class ScanFinishedFact:
    """A library scan finished (status as Jellyfin reports it)."""

    status: str
    at: datetime
    source: Source


@dataclass(frozen=True)
class UserDataFact:
    """A user's data for items changed (favorite flag, play count), e.g. UserDataChanged."""

    user_id: str
    item_id: str
    is_favorite: bool
    play_count: int
    at: datetime
    source: Source
    last_played: datetime | None = None


Fact = (
    FavoriteFact | PlaybackFact | SessionsSnapshot | LibraryFact | ScanFinishedFact | UserDataFact
)
FactSink = Callable[[Fact], Awaitable[None]]


@dataclass(frozen=True)
class SocketCredential:
    """Who a live socket connects as."""

    user_id: str | None
    token: str
    device_id: str
    is_admin: bool = False


@dataclass
class SocketStatus:
    """What a live socket reports about itself (for the dashboard and diagnostics)."""

    connected: bool = False
    last_error: str | None = None
    credential_invalid: bool = False
    reconnects: int = 0
    extra: dict[str, str] = field(default_factory=dict)


class LiveHandle(Protocol):
    """A running live socket."""

    status: SocketStatus

    async def close(self) -> None:
        """Stop the socket and its reconnect loop."""
        ...


class LiveSource(Protocol):
    """Opens live sockets to the media server; every message arrives as facts at `sink`.

    `on_connect` runs after each successful (re)connection, so the core can reconcile what it
    may have missed while disconnected.
    """

    def service_credential(self) -> SocketCredential | None:
        """The install's own user login for the service socket; None with only an API key."""
        ...

    def api_key_credential(self) -> SocketCredential | None:
        """The API key as a sessions-only socket, where the server version allows it."""
        ...

    async def sessions(self) -> SessionsSnapshot:
        """Every session playing now, read over REST (the reconcile's snapshot)."""
        ...

    async def open(
        self,
        credential: SocketCredential,
        sink: FactSink,
        *,
        sessions: bool,
        on_connect: Callable[[], Awaitable[None]] | None = None,
    ) -> LiveHandle:
        """Start a socket (with SessionsStart when `sessions`) and return its handle."""
        ...
