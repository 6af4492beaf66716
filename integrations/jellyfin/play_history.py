"""Jellyfin as a source of play history: played tracks with their user data, the Playback
Reporting plugin's activity table, and marking a track played.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable
from datetime import UTC, datetime
from typing import Any, TypeVar

from companion.media import UserCredential
from companion.providers import CredentialsRejected, ProviderUnavailable
from companion.providers.history import ActivityRow, PlayedItem, PluginMissing, PluginQueryFailed
from integrations.jellyfin.client import JellyfinClient
from integrations.jellyfin.exceptions import (
    JellyfinAuthenticationError,
    JellyfinConnectionError,
    JellyfinError,
    JellyfinForbiddenError,
    JellyfinNotFoundError,
    JellyfinResponseError,
)
from integrations.jellyfin.models import normalize_id

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

UNREACHABLE = "Jellyfin is slow or unreachable. Check your Jellyfin instance."
TOKEN_REJECTED = "Jellyfin no longer accepts your sign-in. Sign in again."
NOT_ADMIN = (
    "Reading the Playback Reporting plugin needs an administrator: give the companion an "
    "administrator's API key or sign-in."
)
QUERY_ROUTE = "/user_usage_stats/submit_custom_query"
# The plugin answers this when a query ran but returned nothing (no rows, no columns).
NO_DATA = "Query executed, no data returned."
_HEX32 = re.compile(r"[0-9a-f]{32}")
_TAGS = re.compile(r"<[^>]+>")
_COLUMNS = "rowid, DateCreated, ItemId, ItemName, ClientName, DeviceName, PlayDuration"


def _user_filter(user_id: str) -> str:
    # The plugin only takes raw SQL: the id is checked to be 32 hex before it goes in.
    uid = normalize_id(user_id)
    if not _HEX32.fullmatch(uid):
        raise ValueError("user id must be 32 hex digits")
    return f"UserId = '{uid}' AND ItemType = 'Audio'"


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


def _date_param(value: datetime) -> str:
    # A "Z" suffix rather than "+00:00": a plus sign in a query string reads as a space.
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class JellyfinPlayHistory:
    """The PlayHistorySource provider; user data as the user, the plugin as the service."""

    def __init__(self, client: JellyfinClient) -> None:
        self._client = client
        self.timeout = client.request_timeout

    def _as(self, cred: UserCredential) -> JellyfinClient:
        return self._client.with_token(cred.token, cred.user_id, device_id=cred.device_id)

    async def _call(self, call: Awaitable[_T], *, rejected: str = TOKEN_REJECTED) -> _T:
        try:
            async with asyncio.timeout(self.timeout):
                return await call
        except TimeoutError as err:
            raise ProviderUnavailable(UNREACHABLE) from err
        except JellyfinForbiddenError as err:
            raise CredentialsRejected(rejected) from err
        except JellyfinAuthenticationError as err:
            raise CredentialsRejected(rejected) from err
        except JellyfinNotFoundError:
            raise
        except (JellyfinConnectionError, JellyfinResponseError, JellyfinError) as err:
            _LOGGER.debug("Jellyfin play history call failed: %s", err)
            raise ProviderUnavailable(UNREACHABLE) from err

    # -- user data ---------------------------------------------------------------------------

    async def played_page(
        self, cred: UserCredential, start: int, limit: int
    ) -> tuple[list[PlayedItem], int]:
        """One page of played tracks, most recently played first (Filters=IsPlayed)."""
        params: dict[str, Any] = {
            "userId": cred.user_id,
            "includeItemTypes": "Audio",
            "recursive": "true",
            "filters": "IsPlayed",
            "sortBy": "DatePlayed,SortName",
            "sortOrder": "Descending,Ascending",
            "enableUserData": "true",
            "enableImages": "false",
            "startIndex": start,
            "limit": limit,
        }
        page = await self._call(self._as(cred)._page("/Items", params))
        items = [
            PlayedItem(
                item_id=item.id,
                play_count=item.user_data.play_count,
                last_played=_utc(item.user_data.last_played_date),
            )
            for item in page.items
            if item.user_data is not None and item.type == "Audio"
        ]
        return items, page.total

    async def played_item(self, cred: UserCredential, item_id: str) -> PlayedItem | None:
        """GET /UserItems/{id}/UserData for the user; None for an unknown item."""
        try:
            data = await self._call(self._as(cred).user_data(item_id, cred.user_id))
        except JellyfinNotFoundError:
            return None
        return PlayedItem(
            item_id=normalize_id(item_id),
            play_count=data.play_count,
            last_played=_utc(data.last_played_date),
        )

    async def mark_played(self, cred: UserCredential, item_id: str, date_played: datetime) -> bool:
        """POST /UserPlayedItems/{id}?datePlayed= (Jellyfin adds one play and sets the date)."""
        client = self._as(cred)
        path = f"/UserPlayedItems/{normalize_id(item_id)}"
        params = {"userId": cred.user_id, "datePlayed": _date_param(date_played)}
        try:
            await self._call(client._request("POST", path, params=params))
        except JellyfinNotFoundError:
            return False
        return True

    # -- Playback Reporting plugin -----------------------------------------------------------

    async def _query(self, sql: str) -> tuple[list[str], list[list[Any]]]:
        body = {"CustomQueryString": sql, "ReplaceUserId": False}
        try:
            data = await self._call(
                self._client._request("POST", QUERY_ROUTE, json=body), rejected=NOT_ADMIN
            )
        except JellyfinNotFoundError as err:
            raise PluginMissing("The Playback Reporting plugin is not installed.") from err
        if not isinstance(data, dict):
            raise PluginQueryFailed("The Playback Reporting plugin answered an unexpected body.")
        # The plugin's own key is spelt "colums"; every cell is a string.
        columns = data.get("colums") or []
        rows = data.get("results") or []
        message = str(data.get("message") or "")
        if not columns and message and not message.startswith(NO_DATA):
            # A failed query still answers 200, with an HTML message.
            text = _TAGS.sub(" ", message).split("   ")[0].strip()
            raise PluginQueryFailed(f"The Playback Reporting plugin refused the query: {text}")
        return [str(c) for c in columns], [r for r in rows if isinstance(r, list)]

    async def activity_count(self, user_id: str) -> int:
        """COUNT(*) of the user's Audio rows."""
        _, rows = await self._query(
            f"SELECT COUNT(*) FROM PlaybackActivity WHERE {_user_filter(user_id)}"  # noqa: S608
        )
        try:
            return int(rows[0][0]) if rows else 0
        except (ValueError, IndexError) as err:
            raise PluginQueryFailed("The Playback Reporting plugin answered a bad count.") from err

    async def activity_latest(self, user_id: str, item_ids: list[str]) -> dict[str, str]:
        """MAX(DateCreated) per item (the stored text sorts like the dates it holds)."""
        ids = [normalize_id(i) for i in item_ids]
        ids = [i for i in ids if _HEX32.fullmatch(i)]
        if not ids:
            return {}
        listed = ", ".join(f"'{i}'" for i in ids)
        # Only 32-hex ids reach the SQL (checked above and in _user_filter).
        where = f"{_user_filter(user_id)} AND ItemId IN ({listed})"
        sql = f"SELECT ItemId, MAX(DateCreated) FROM PlaybackActivity WHERE {where} GROUP BY ItemId"  # noqa: S608
        _, rows = await self._query(sql)
        return {normalize_id(str(r[0])): str(r[1]) for r in rows if len(r) >= 2 and r[1]}

    async def activity_rows(self, user_id: str, after_row: int, limit: int) -> list[ActivityRow]:
        """The user's Audio rows after `after_row`, by rowid (SQLite's implicit key)."""
        where = f"{_user_filter(user_id)} AND rowid > {int(after_row)}"
        sql = f"SELECT {_COLUMNS} FROM PlaybackActivity WHERE {where} ORDER BY rowid LIMIT {int(limit)}"  # noqa: S608
        _, rows = await self._query(sql)
        out: list[ActivityRow] = []
        for row in rows:
            try:
                out.append(
                    ActivityRow(
                        row_id=int(row[0]),
                        date_created=str(row[1]),
                        item_id=normalize_id(str(row[2])),
                        item_name=str(row[3]),
                        client=str(row[4]),
                        device=str(row[5]),
                        play_duration_s=int(row[6] or 0),
                    )
                )
            except (ValueError, IndexError, TypeError):
                _LOGGER.debug("Skipping an unreadable Playback Reporting row: %r", row[:3])
        return out
