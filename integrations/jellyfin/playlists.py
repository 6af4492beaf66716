"""Playlist routes of the Jellyfin client."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from integrations.jellyfin.base import JellyfinBase, join_ids
from integrations.jellyfin.exceptions import JellyfinResponseError
from integrations.jellyfin.models import ItemPage, PlaylistInfo, normalize_id
from integrations.jellyfin.transport import ParamValue


class PlaylistsMixin(JellyfinBase):
    """Create, read, edit and delete playlists."""

    async def create_playlist(
        self, name: str, item_ids: Sequence[str], user_id: str | None = None
    ) -> str:
        """Create an audio playlist owned by the user; returns its id."""
        body = {
            "Name": name,
            "Ids": [normalize_id(i) for i in item_ids],
            "UserId": self._require_uid(user_id),
            "MediaType": "Audio",
        }
        data = await self._request("POST", "/Playlists", json=body)
        if not isinstance(data, Mapping) or not data.get("Id"):
            raise JellyfinResponseError("Jellyfin created a playlist but returned no id.")
        return normalize_id(data["Id"])

    async def update_playlist(
        self,
        playlist_id: str,
        *,
        name: str | None = None,
        item_ids: Sequence[str] | None = None,
    ) -> None:
        """Rename and/or replace the whole item list (10.9+).

        Jellyfin checks ownership against the caller's token (the route has no `userId`: an API
        key cannot edit a playlist), so this must run with the owner's own token.
        """
        body: dict[str, Any] = {}
        if name is not None:
            body["Name"] = name
        if item_ids is not None:
            body["Ids"] = [normalize_id(i) for i in item_ids]
        await self._request(
            "POST", f"/Playlists/{normalize_id(playlist_id)}", json=body, expect="none"
        )

    async def get_playlist(self, playlist_id: str) -> PlaylistInfo:
        """The playlist's item ids and shares (10.10+); unpacks as `(item_ids, shares)`."""
        info: PlaylistInfo = await self._get_model(
            f"/Playlists/{normalize_id(playlist_id)}", PlaylistInfo.from_dict
        )
        return info

    async def playlist_items(
        self,
        playlist_id: str,
        user_id: str | None = None,
        *,
        start_index: int | None = None,
        limit: int | None = None,
        fields: Sequence[str] | None = None,
        enable_images: bool | None = None,
        enable_user_data: bool | None = None,
    ) -> ItemPage:
        """The entries of a playlist in order, each with its playlist_item_id."""
        params: dict[str, ParamValue] = {
            "userId": self._uid(user_id),
            "startIndex": start_index,
            "limit": limit,
            "fields": ",".join(fields) if fields else None,
            "enableImages": enable_images,
            "enableUserData": enable_user_data,
        }
        return await self._page(f"/Playlists/{normalize_id(playlist_id)}/Items", params)

    async def add_to_playlist(
        self,
        playlist_id: str,
        item_ids: Sequence[str],
        user_id: str | None = None,
        position: int | None = None,
    ) -> None:
        """Append items (or insert at `position`, honoured by 12.0+ only)."""
        params: dict[str, ParamValue] = {
            "ids": join_ids(item_ids),
            "userId": self._uid(user_id),
            "position": position,
        }
        path = f"/Playlists/{normalize_id(playlist_id)}/Items"
        await self._request("POST", path, params=params, expect="none")

    async def remove_from_playlist(self, playlist_id: str, entry_ids: Sequence[str]) -> None:
        """Remove entries by playlist_item_id (compared as lowercase hyphenless strings)."""
        path = f"/Playlists/{normalize_id(playlist_id)}/Items"
        await self._request("DELETE", path, params={"entryIds": join_ids(entry_ids)}, expect="none")

    async def move_playlist_item(
        self, playlist_id: str, playlist_item_id: str, new_index: int
    ) -> None:
        """Move one entry to a 0-based index."""
        path = (
            f"/Playlists/{normalize_id(playlist_id)}/Items/"
            f"{normalize_id(playlist_item_id)}/Move/{int(new_index)}"
        )
        await self._request("POST", path, expect="none")

    async def delete_item(self, item_id: str) -> None:
        """Delete an item (a playlist, typically)."""
        await self._request("DELETE", f"/Items/{normalize_id(item_id)}", expect="none")
