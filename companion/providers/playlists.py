"""The playlist capability a media server provides, as the core sees it (no integration code)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from companion.media import UserCredential


class RemotePlaylistGone(LookupError):
    """The media server has no such playlist (deleted there, or never visible to the user)."""


@dataclass(frozen=True, slots=True)
class RemoteEntry:
    """One entry of a remote playlist: the id that addresses the entry, and the item it holds."""

    entry_id: str
    item_id: str


@dataclass(frozen=True, slots=True)
class RemotePlaylist:
    """A playlist as listed by the media server."""

    id: str
    name: str
    item_count: int


@dataclass(frozen=True, slots=True)
class PlaylistRules:
    """How the server's version edits playlists (Jellyfin reference section 4)."""

    # Whether adding an item already present adds a second entry (12.0) or is skipped.
    allows_duplicates: bool
    # Whether adds honour a position (12.0); older servers always append.
    insert_at_position: bool
    # Whether an entry id is the item's own id (10.10.2+): removing it removes every occurrence
    # and moving it moves the first one.
    entry_is_item: bool
    # 10.10.x: a forward move lands one slot past the index asked for and index 0 cannot be
    # reached (PlaylistManager.MoveItemAsync, fixed in 10.11.0); the list must be re-read.
    moves_misplace: bool = False


class RemotePlaylists(Protocol):
    """Playlists on the media server, edited as the owning user.

    Every method raises `companion.providers.ProviderUnavailable` when the server is down or
    fails, `companion.providers.CredentialsRejected` when the user's token no longer works, and
    `RemotePlaylistGone` for an unknown playlist.
    """

    async def rules(self, cred: UserCredential) -> PlaylistRules:
        """The editing rules of the server's version."""
        ...

    async def playlists(self, cred: UserCredential) -> list[RemotePlaylist]:
        """The playlists the user sees."""
        ...

    async def create(self, cred: UserCredential, name: str, item_ids: Sequence[str]) -> str:
        """Create an audio playlist owned by the user; returns its id."""
        ...

    async def entries(self, cred: UserCredential, playlist_id: str) -> list[RemoteEntry]:
        """The playlist's entries in order."""
        ...

    async def update(
        self,
        cred: UserCredential,
        playlist_id: str,
        *,
        name: str | None = None,
        item_ids: Sequence[str] | None = None,
    ) -> None:
        """Rename and/or replace the whole list in one call."""
        ...

    async def add(
        self,
        cred: UserCredential,
        playlist_id: str,
        item_ids: Sequence[str],
        position: int | None = None,
    ) -> None:
        """Append items, or insert them at position where the rules allow it."""
        ...

    async def remove(
        self, cred: UserCredential, playlist_id: str, entry_ids: Sequence[str]
    ) -> None:
        """Remove entries by entry id."""
        ...

    async def move(
        self, cred: UserCredential, playlist_id: str, entry_id: str, new_index: int
    ) -> None:
        """Move one entry to a 0-based index (taken out first, then inserted)."""
        ...

    async def delete(self, cred: UserCredential, playlist_id: str) -> None:
        """Delete the playlist."""
        ...
