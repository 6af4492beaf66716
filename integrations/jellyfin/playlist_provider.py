"""Jellyfin as the companion's playlist target: edits made as the owning user, per version."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from typing import TypeVar

from companion.media import UserCredential
from companion.providers import CredentialsRejected, ProviderUnavailable
from companion.providers.playlists import (
    PlaylistRules,
    RemoteEntry,
    RemotePlaylist,
    RemotePlaylistGone,
)
from integrations.jellyfin.client import JellyfinClient
from integrations.jellyfin.exceptions import (
    JellyfinAuthenticationError,
    JellyfinError,
    JellyfinForbiddenError,
    JellyfinNotFoundError,
)

_LOGGER = logging.getLogger(__name__)
_T = TypeVar("_T")

TOKEN_REJECTED = "Jellyfin no longer accepts your sign-in. Sign in again."


def rules_for(version: tuple[int, ...] | None) -> PlaylistRules:
    """Jellyfin's playlist behaviour by version (reference section 4)."""
    v = version or (10, 10, 7)
    if v >= (12,):
        return PlaylistRules(allows_duplicates=True, insert_at_position=True, entry_is_item=True)
    if v >= (10, 11):
        return PlaylistRules(allows_duplicates=False, insert_at_position=False, entry_is_item=True)
    if v >= (10, 10, 2):
        return PlaylistRules(
            allows_duplicates=False,
            insert_at_position=False,
            entry_is_item=True,
            moves_misplace=True,
        )
    # 10.9 to 10.10.1: random per-entry ids; duplicates depend on a server option, so the
    # companion pushes first occurrences only. Their moves are exact (the misplacing rewrite
    # of MoveItemAsync came with 10.10.2).
    return PlaylistRules(allows_duplicates=False, insert_at_position=False, entry_is_item=False)


class JellyfinPlaylists:
    """The RemotePlaylists provider; every call carries the owning user's own token."""

    def __init__(self, client: JellyfinClient) -> None:
        self._client = client
        self.timeout = client.request_timeout * 3

    def _as(self, cred: UserCredential) -> JellyfinClient:
        return self._client.with_token(cred.token, cred.user_id, device_id=cred.device_id)

    async def _call(self, call: Awaitable[_T]) -> _T:
        try:
            async with asyncio.timeout(self.timeout):
                return await call
        except TimeoutError as err:
            raise ProviderUnavailable(f"Jellyfin at {self._client.host} timed out.") from err
        except JellyfinNotFoundError as err:
            raise RemotePlaylistGone(str(err)) from err
        except JellyfinForbiddenError as err:
            # Valid token, but not the owner or an editor of that playlist.
            raise ProviderUnavailable(str(err)) from err
        except JellyfinAuthenticationError as err:
            raise CredentialsRejected(TOKEN_REJECTED) from err
        except JellyfinError as err:
            raise ProviderUnavailable(str(err)) from err

    async def rules(self, cred: UserCredential) -> PlaylistRules:
        """The rules of the server's version (known since setup read /System/Info)."""
        return rules_for(self._client.server_version)

    async def playlists(self, cred: UserCredential) -> list[RemotePlaylist]:
        """The user's visible playlists with their entry counts."""
        page = await self._call(
            self._as(cred).items(
                include_item_types=["Playlist"],
                fields=["ChildCount"],
                enable_images=False,
                enable_user_data=False,
            )
        )
        return [
            RemotePlaylist(id=i.id, name=i.name, item_count=i.child_count or 0)
            for i in page.items
            if i.type == "Playlist"
        ]

    async def create(self, cred: UserCredential, name: str, item_ids: Sequence[str]) -> str:
        """POST /Playlists as the user, with every item in the body (no URL length limit)."""
        return await self._call(self._as(cred).create_playlist(name, item_ids, cred.user_id))

    async def entries(self, cred: UserCredential, playlist_id: str) -> list[RemoteEntry]:
        """GET /Playlists/{id}/Items, light: ids and PlaylistItemIds in order."""
        page = await self._call(
            self._as(cred).playlist_items(
                playlist_id, cred.user_id, enable_images=False, enable_user_data=False
            )
        )
        return [RemoteEntry(entry_id=i.playlist_item_id or i.id, item_id=i.id) for i in page.items]

    async def update(
        self,
        cred: UserCredential,
        playlist_id: str,
        *,
        name: str | None = None,
        item_ids: Sequence[str] | None = None,
    ) -> None:
        """POST /Playlists/{id}: rename and/or replace the list (10.9+)."""
        await self._call(self._as(cred).update_playlist(playlist_id, name=name, item_ids=item_ids))

    async def add(
        self,
        cred: UserCredential,
        playlist_id: str,
        item_ids: Sequence[str],
        position: int | None = None,
    ) -> None:
        """POST /Playlists/{id}/Items (position honoured by 12.0)."""
        await self._call(
            self._as(cred).add_to_playlist(playlist_id, item_ids, cred.user_id, position)
        )

    async def remove(
        self, cred: UserCredential, playlist_id: str, entry_ids: Sequence[str]
    ) -> None:
        """DELETE /Playlists/{id}/Items?entryIds=."""
        await self._call(self._as(cred).remove_from_playlist(playlist_id, entry_ids))

    async def move(
        self, cred: UserCredential, playlist_id: str, entry_id: str, new_index: int
    ) -> None:
        """POST /Playlists/{id}/Items/{entryId}/Move/{newIndex}."""
        await self._call(self._as(cred).move_playlist_item(playlist_id, entry_id, new_index))

    async def delete(self, cred: UserCredential, playlist_id: str) -> None:
        """DELETE /Items/{id} as the user; with the service credential if the user may not."""
        try:
            await self._call(self._as(cred).delete_item(playlist_id))
        except CredentialsRejected:
            # Users without delete rights get 401; the service credential may delete anything.
            _LOGGER.debug("Deleting playlist %s as the service credential", playlist_id)
            await self._call(self._client.delete_item(playlist_id))
