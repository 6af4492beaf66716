"""Companion playlists pushed to Navidrome, edited in place as the owning user."""

from __future__ import annotations

import itertools
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
from integrations.navidrome.client import Login, SubsonicClient
from integrations.navidrome.exceptions import (
    NavidromeAuthError,
    NavidromeError,
    NavidromeNotAuthorized,
    NavidromeNotFound,
)
from integrations.navidrome.ids import to_hex, to_navidrome

_T = TypeVar("_T")

UNREACHABLE = "Navidrome is slow or unreachable. Check your Navidrome server."
LOGIN_REJECTED = "Navidrome no longer accepts your password. Sign in again."
# Duplicates are kept; adds always append (no position); entries are positions, not items.
RULES = PlaylistRules(allows_duplicates=True, insert_at_position=False, entry_is_item=False)


class NavidromePlaylists:
    """The RemotePlaylists provider over createPlaylist / updatePlaylist / deletePlaylist.

    Subsonic entries have no ids of their own, only positions. Each `entries` read hands out
    position tokens and keeps the list it read; later edits translate tokens to the positions
    they have now (a remove shifts what follows), so several edits planned from one read stay
    right without reading again.
    """

    def __init__(self, client: SubsonicClient) -> None:
        self._client = client
        self._seen: dict[str, list[tuple[str, str]]] = {}  # playlist -> [(token, item hex)]
        self._tokens = itertools.count()

    def _as(self, cred: UserCredential) -> SubsonicClient:
        try:
            return self._client.as_user(Login.unpack(cred.token))
        except ValueError as err:
            raise CredentialsRejected(LOGIN_REJECTED) from err

    async def _call(self, call: Awaitable[_T]) -> _T:
        try:
            return await call
        except NavidromeAuthError as err:
            raise CredentialsRejected(LOGIN_REJECTED) from err
        except NavidromeNotFound as err:
            raise RemotePlaylistGone(str(err)) from err
        except NavidromeNotAuthorized as err:
            # Someone else's playlist: for the companion it is not one it may edit.
            raise RemotePlaylistGone("That Navidrome playlist belongs to another user.") from err
        except NavidromeError as err:
            raise ProviderUnavailable(UNREACHABLE) from err

    async def rules(self, cred: UserCredential) -> PlaylistRules:
        """The same on every supported version."""
        return RULES

    async def playlists(self, cred: UserCredential) -> list[RemotePlaylist]:
        """The playlists the user sees (their own and public ones)."""
        body = await self._call(self._as(cred).call("getPlaylists"))
        out = []
        for raw in (body.get("playlists") or {}).get("playlist") or []:
            hex_id = to_hex(str(raw.get("id", "")))
            if hex_id is not None:
                out.append(
                    RemotePlaylist(
                        hex_id, str(raw.get("name") or ""), int(raw.get("songCount") or 0)
                    )
                )
        return out

    async def create(self, cred: UserCredential, name: str, item_ids: Sequence[str]) -> str:
        """createPlaylist with the songs in order."""
        params = [("name", name), *(("songId", to_navidrome(i)) for i in item_ids)]
        body = await self._call(self._as(cred).call("createPlaylist", params))
        hex_id = to_hex(str((body.get("playlist") or {}).get("id", "")))
        if hex_id is None:
            raise ProviderUnavailable("Navidrome did not return the new playlist's id.")
        return hex_id

    async def _songs(self, client: SubsonicClient, playlist_id: str) -> list[str]:
        body = await self._call(client.call("getPlaylist", [("id", to_navidrome(playlist_id))]))
        entries = (body.get("playlist") or {}).get("entry") or []
        return [h for raw in entries if (h := to_hex(str(raw.get("id", "")))) is not None]

    async def entries(self, cred: UserCredential, playlist_id: str) -> list[RemoteEntry]:
        """The songs in order, each with a fresh position token."""
        songs = await self._songs(self._as(cred), playlist_id)
        seen = [(f"p{next(self._tokens)}", item) for item in songs]
        self._seen[playlist_id] = seen
        return [RemoteEntry(token, item) for token, item in seen]

    async def _known(self, client: SubsonicClient, playlist_id: str) -> list[tuple[str, str]]:
        if playlist_id not in self._seen:
            songs = await self._songs(client, playlist_id)
            self._seen[playlist_id] = [(f"p{next(self._tokens)}", i) for i in songs]
        return self._seen[playlist_id]

    async def _replace(
        self, client: SubsonicClient, playlist_id: str, item_ids: Sequence[str]
    ) -> None:
        # createPlaylist with playlistId replaces the songs and keeps the playlist's id.
        params = [("playlistId", to_navidrome(playlist_id))]
        params += [("songId", to_navidrome(i)) for i in item_ids]
        await self._call(client.call("createPlaylist", params))
        self._seen[playlist_id] = [(f"p{next(self._tokens)}", i) for i in item_ids]

    async def update(
        self,
        cred: UserCredential,
        playlist_id: str,
        *,
        name: str | None = None,
        item_ids: Sequence[str] | None = None,
    ) -> None:
        """Rename (updatePlaylist) and/or replace every song (createPlaylist playlistId=)."""
        client = self._as(cred)
        if item_ids is not None:
            await self._replace(client, playlist_id, item_ids)
        if name is not None:
            await self._call(
                client.call(
                    "updatePlaylist", [("playlistId", to_navidrome(playlist_id)), ("name", name)]
                )
            )

    async def add(
        self,
        cred: UserCredential,
        playlist_id: str,
        item_ids: Sequence[str],
        position: int | None = None,
    ) -> None:
        """Append with songIdToAdd (Subsonic cannot insert at a position)."""
        client = self._as(cred)
        seen = await self._known(client, playlist_id)
        params = [("playlistId", to_navidrome(playlist_id))]
        params += [("songIdToAdd", to_navidrome(i)) for i in item_ids]
        await self._call(client.call("updatePlaylist", params))
        seen += [(f"p{next(self._tokens)}", i) for i in item_ids]

    async def remove(
        self, cred: UserCredential, playlist_id: str, entry_ids: Sequence[str]
    ) -> None:
        """songIndexToRemove at the positions the entries have now (all in one call)."""
        client = self._as(cred)
        seen = await self._known(client, playlist_id)
        doomed = set(entry_ids)
        positions = [n for n, (token, _) in enumerate(seen) if token in doomed]
        if not positions:
            return
        params = [("playlistId", to_navidrome(playlist_id))]
        # Navidrome reads every index against the list before the edit, so order is free;
        # descending also suits servers that apply them one by one.
        params += [("songIndexToRemove", str(n)) for n in sorted(positions, reverse=True)]
        await self._call(client.call("updatePlaylist", params))
        self._seen[playlist_id] = [e for e in seen if e[0] not in doomed]

    async def move(
        self, cred: UserCredential, playlist_id: str, entry_id: str, new_index: int
    ) -> None:
        """No move in Subsonic: the reordered list replaces the songs in one call."""
        client = self._as(cred)
        seen = list(await self._known(client, playlist_id))
        at = next((n for n, (token, _) in enumerate(seen) if token == entry_id), None)
        if at is None:
            raise RemotePlaylistGone(f"No entry {entry_id} in playlist {playlist_id}.")
        entry = seen.pop(at)
        seen.insert(max(0, min(new_index, len(seen))), entry)
        await self._replace(client, playlist_id, [item for _, item in seen])
        # The entries keep their tokens: further moves planned from the same read still apply.
        self._seen[playlist_id] = seen

    async def delete(self, cred: UserCredential, playlist_id: str) -> None:
        """deletePlaylist (owner or admin only)."""
        await self._call(self._as(cred).call("deletePlaylist", [("id", to_navidrome(playlist_id))]))
        self._seen.pop(playlist_id, None)
