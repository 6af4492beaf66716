"""Play history a media server keeps, as the core sees it: per-item user data, the Playback
Reporting plugin's activity rows, and marking an item played (no integration code here).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from companion.media import UserCredential


class PluginMissing(LookupError):
    """The Playback Reporting plugin is not installed on the media server."""


class PluginQueryFailed(RuntimeError):
    """The plugin answered its query route with an error message instead of rows."""


@dataclass(frozen=True, slots=True)
class PlayedItem:
    """One item a user has played: how often, and when last (both as the server keeps them)."""

    item_id: str
    play_count: int
    last_played: datetime | None


@dataclass(frozen=True, slots=True)
class ActivityRow:
    """One row of the plugin's PlaybackActivity table (cells arrive as strings)."""

    row_id: int
    # As stored: server local time on released plugins, UTC once the plugin migrates its table.
    date_created: str
    item_id: str
    item_name: str
    client: str
    device: str
    play_duration_s: int


class PlayHistorySource(Protocol):
    """What a media server knows of a user's plays.

    Every method raises `companion.providers.ProviderUnavailable` when the server is down or
    slow and `companion.providers.CredentialsRejected` when the credential is refused.
    """

    async def played_page(
        self, cred: UserCredential, start: int, limit: int
    ) -> tuple[list[PlayedItem], int]:
        """One page of the user's played tracks, most recently played first, and the total."""
        ...

    async def activity_count(self, user_id: str) -> int:
        """How many Audio rows the plugin holds for the user; PluginMissing without it."""
        ...

    async def activity_rows(self, user_id: str, after_row: int, limit: int) -> list[ActivityRow]:
        """The user's Audio rows after a row id, in row order (service credential, admin)."""
        ...

    async def activity_latest(self, user_id: str, item_ids: list[str]) -> dict[str, str]:
        """The newest DateCreated (as stored) of each item's rows, for the user."""
        ...

    async def played_item(self, cred: UserCredential, item_id: str) -> PlayedItem | None:
        """The user's data for one item; None when the server has no such item."""
        ...

    async def mark_played(self, cred: UserCredential, item_id: str, date_played: datetime) -> bool:
        """Mark an item played at a date (adds one play); False for an unknown item."""
        ...
