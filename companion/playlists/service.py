"""Playlists: stored in the companion per user, pushed one-way to Jellyfin, never lost."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tortoise.transactions import in_transaction

from companion.accounts.auth import Principal, principal_for
from companion.accounts.models import User
from companion.errors import (
    CompanionError,
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    ServiceUnavailable,
)
from companion.events import Event, EventBus, Unsubscribe
from companion.library.music import MusicServices
from companion.library.upstream import upstream_errors
from companion.media import MediaItem, UserCredential, make_ref, parse_ref, ref_scheme
from companion.playlists.favorites import FavoritesPlaylist
from companion.playlists.items import (
    item_rows,
    parse_description,
    parse_name,
    parse_position,
    parse_refs,
    summary,
)
from companion.playlists.models import Playlist
from companion.playlists.outbox import PlaylistOutbox
from companion.playlists.push import MARKER_PREFIX, PlaylistPusher
from companion.providers import Providers
from companion.providers.playlists import RemotePlaylistGone, RemotePlaylists

_LOGGER = logging.getLogger(__name__)

WARNING = "Playlist saved. Could not sync to Jellyfin; we'll retry."
# A save waits this long for its push; past it the outbox worker carries on in the background.
INLINE_PUSH_SECONDS = 5.0


def _now() -> datetime:
    return datetime.now(UTC)


class PlaylistService:
    """Every playlist operation of the API, the websocket and other services."""

    def __init__(self, music: MusicServices, providers: Providers, bus: EventBus) -> None:
        self._music = music
        self._providers = providers
        self._bus = bus
        self.pusher = PlaylistPusher(providers, self._credential_for_user)
        self.outbox = PlaylistOutbox(self.pusher, bus)
        self.favorites = FavoritesPlaylist(self)
        self.inline_push_seconds = INLINE_PUSH_SECONDS
        self._unsubscribe: list[Unsubscribe] = []

    async def start(self) -> None:
        """Queue what a previous run left unsynced, start the worker, follow favorites."""
        await self.start_outbox()
        self.follow()

    async def start_outbox(self) -> None:
        """Queue what a previous run left unsynced and start the worker (one replica's work)."""
        await self.outbox.recover()
        self.outbox.start()

    def follow(self) -> None:
        """Keep the favorites playlists in step with favorites set through this replica."""
        self._unsubscribe.append(
            self._bus.subscribe(
                self.favorites.on_event, ("favorite.changed",), name="playlist-favorites"
            )
        )

    async def close(self) -> None:
        """Stop following events and stop the worker."""
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        await self.outbox.stop()

    # -- helpers -----------------------------------------------------------------------------

    async def _credential_for_user(self, user: User) -> UserCredential:
        return await self._music.credential(principal_for(user))

    @staticmethod
    def owner_id(principal: Principal) -> int:
        """The companion user id of a signed-in principal (playlists need a user)."""
        if principal.user_id is None:
            raise Forbidden("Sign in to use playlists.")
        return principal.user_id

    async def _owned(self, principal: Principal, playlist_id: int, *, write: bool) -> Playlist:
        user_id = self.owner_id(principal)
        pl = await Playlist.get_or_none(id=playlist_id, deleted=False, kind="user")
        if pl is None or (
            pl.owner_id != user_id  # type: ignore[attr-defined]
            and not (principal.is_admin and not write)
        ):
            raise NotFound("No such playlist.", code="playlist_not_found")
        return pl

    def publish_changed(self, pl: Playlist, jellyfin_user: str | None, **extra: Any) -> None:
        """Publish playlist.changed for the owner."""
        data = {"playlist_id": pl.id, "name": pl.name, "item_count": len(pl.item_ids), **extra}
        self._bus.publish(Event("playlist.changed", data, user_id=jellyfin_user))

    async def resolve_items(
        self, principal: Principal, item_ids: list[str]
    ) -> list[MediaItem | None] | None:
        """Tracks for ids through the batch resolver; None when Jellyfin cannot answer."""
        if not item_ids:
            return []
        try:
            cred = await self._music.credential(principal)
            with upstream_errors():
                return await self._music.resolver.resolve(cred, item_ids)
        except CompanionError as err:
            _LOGGER.debug("Playlist items left unresolved: %s", err.message)
            return None

    async def _check_known(self, principal: Principal, item_ids: list[str]) -> None:
        """400 for refs Jellyfin does not have; skipped (never failing) while it is down."""
        unique = list(dict.fromkeys(item_ids))
        resolved = await self.resolve_items(principal, unique)
        if resolved is None:
            return
        unknown = [iid for iid, item in zip(unique, resolved, strict=True) if item is None]
        if unknown:
            raise InvalidInput(
                f"Unknown ref: {ref_scheme()}:{unknown[0]} (Jellyfin has no such item).",
                code="unknown_ref",
                details={"refs": [make_ref(i) for i in unknown[:20]]},
            )

    async def full(
        self, principal: Principal, pl: Playlist, warning: str | None = None
    ) -> dict[str, Any]:
        """The full playlist DTO: summary, resolved items and the save warning."""
        resolved = await self.resolve_items(principal, list(pl.item_ids))
        return {**summary(pl), "items": item_rows(list(pl.item_ids), resolved), "warning": warning}

    async def push_inline(self, playlist_id: int) -> str | None:
        """Push right away under the held lock; the warning when it could not (None if synced)."""
        try:
            async with asyncio.timeout(self.inline_push_seconds):
                ok = await self.outbox.push_locked(playlist_id)
        except TimeoutError:
            ok = False
        return None if ok else WARNING

    async def _save(
        self, principal: Principal, playlist_id: int, change: Callable[[Playlist], None]
    ) -> dict[str, Any]:
        """Apply a change, queue its push durably in the same transaction, push, answer."""
        async with self.outbox.locked(playlist_id):
            pl = await self._owned(principal, playlist_id, write=True)
            change(pl)
            pl.version += 1
            pl.updated_at = _now()
            pl.sync_state = "pending"
            async with in_transaction() as conn:
                await pl.save(using_db=conn)
                await self.outbox.enqueue(pl, conn)
            self.publish_changed(pl, principal.jellyfin_id)
            warning = await self.push_inline(pl.id)
            await pl.refresh_from_db()
        return await self.full(principal, pl, warning)

    # -- reads -------------------------------------------------------------------------------

    async def summaries(self, principal: Principal) -> list[dict[str, Any]]:
        """The user's playlists (summaries), newest edit first."""
        rows = await Playlist.filter(
            owner_id=self.owner_id(principal), deleted=False, kind="user"
        ).order_by("-updated_at", "-id")
        return [summary(pl) for pl in rows]

    async def get(self, principal: Principal, playlist_id: int) -> dict[str, Any]:
        """One playlist with its items resolved (unavailable ones shown, not dropped)."""
        pl = await self._owned(principal, playlist_id, write=False)
        return await self.full(principal, pl)

    # -- writes ------------------------------------------------------------------------------

    async def create(
        self, principal: Principal, name: Any, refs: list[str], description: str = ""
    ) -> dict[str, Any]:
        """Create a playlist and push it; the DTO carries a warning if Jellyfin was down."""
        user_id = self.owner_id(principal)
        clean = parse_name(name, required=True) or ""
        desc = parse_description(description) or ""
        item_ids = parse_refs(refs)
        await self._check_known(principal, item_ids)
        async with in_transaction() as conn:
            pl = await Playlist.create(
                owner_id=user_id, name=clean, description=desc, item_ids=item_ids, using_db=conn
            )
            await self.outbox.enqueue(pl, conn)
        async with self.outbox.locked(pl.id):
            self.publish_changed(pl, principal.jellyfin_id)
            warning = await self.push_inline(pl.id)
            await pl.refresh_from_db()
        return await self.full(principal, pl, warning)

    async def update(
        self,
        principal: Principal,
        playlist_id: int,
        name: str | None = None,
        description: str | None = None,
    ) -> dict[str, Any]:
        """Rename and/or describe a playlist."""
        clean = parse_name(name, required=False)
        desc = parse_description(description)

        def change(pl: Playlist) -> None:
            if clean is not None:
                pl.name = clean
            if desc is not None:
                pl.description = desc

        return await self._save(principal, playlist_id, change)

    async def add_items(
        self,
        principal: Principal,
        playlist_id: int,
        refs: list[str],
        position: int | None = None,
    ) -> dict[str, Any]:
        """Append refs, or insert them before position."""
        item_ids = parse_refs(refs)
        if not item_ids:
            raise InvalidInput("'refs' must name at least one item.", details={"field": "refs"})
        await self._check_known(principal, item_ids)

        def change(pl: Playlist) -> None:
            items = list(pl.item_ids)
            if len(items) + len(item_ids) > 10_000:
                raise InvalidInput("A playlist holds at most 10000 items.")
            at = (
                len(items) if position is None else parse_position(position, "position", len(items))
            )
            items[at:at] = item_ids
            pl.item_ids = items

        return await self._save(principal, playlist_id, change)

    async def remove_item(
        self, principal: Principal, playlist_id: int, position: int
    ) -> dict[str, Any]:
        """Remove the entry at position."""

        def change(pl: Playlist) -> None:
            items = list(pl.item_ids)
            if not items:
                raise InvalidInput("The playlist is empty.", details={"field": "position"})
            del items[parse_position(position, "position", len(items) - 1)]
            pl.item_ids = items

        return await self._save(principal, playlist_id, change)

    async def move(
        self, principal: Principal, playlist_id: int, from_: int, to: int
    ) -> dict[str, Any]:
        """Move the entry at from to to (taken out, then inserted)."""

        def change(pl: Playlist) -> None:
            items = list(pl.item_ids)
            if not items:
                raise InvalidInput("The playlist is empty.", details={"field": "from"})
            src = parse_position(from_, "from", len(items) - 1)
            dst = parse_position(to, "to", len(items) - 1)
            items.insert(dst, items.pop(src))
            pl.item_ids = items

        return await self._save(principal, playlist_id, change)

    async def replace_items(
        self, principal: Principal, playlist_id: int, refs: list[str]
    ) -> dict[str, Any]:
        """Replace the whole list."""
        item_ids = parse_refs(refs)
        await self._check_known(principal, item_ids)

        def change(pl: Playlist) -> None:
            pl.item_ids = item_ids

        return await self._save(principal, playlist_id, change)

    async def edit_items(
        self, principal: Principal, playlist_id: int, change: Callable[[list[str]], list[str]]
    ) -> dict[str, Any]:
        """Replace the items with change(current items), under the playlist's lock, one push."""

        def apply(pl: Playlist) -> None:
            pl.item_ids = change(list(pl.item_ids))

        return await self._save(principal, playlist_id, apply)

    async def delete(self, principal: Principal, playlist_id: int) -> None:
        """Delete a playlist; its Jellyfin twin is deleted by the outbox (now or on retry)."""
        async with self.outbox.locked(playlist_id):
            pl = await self._owned(principal, playlist_id, write=True)
            pl.deleted = True
            pl.version += 1
            async with in_transaction() as conn:
                await pl.save(using_db=conn)
                await self.outbox.enqueue(pl, conn)
            self.publish_changed(pl, principal.jellyfin_id, deleted=True)
            await self.push_inline(pl.id)

    async def sync(self, principal: Principal, playlist_id: int) -> dict[str, Any]:
        """Retry the push now (the dashboard's Retry button); also overwrites drift."""
        async with self.outbox.locked(playlist_id):
            pl = await self._owned(principal, playlist_id, write=True)
            if pl.drift or pl.synced_version >= pl.version:
                # Drift: Jellyfin changed, the companion did not; a new version makes it win.
                pl.version += 1
                await pl.save(update_fields=["version"])
            await self.outbox.enqueue(pl)
            warning = await self.push_inline(pl.id)
            await pl.refresh_from_db()
        return await self.full(principal, pl, warning)

    # -- Jellyfin's own playlists ------------------------------------------------------------

    async def _remote_call(self, principal: Principal) -> tuple[RemotePlaylists, UserCredential]:
        remote = self._providers.playlists
        if remote is None:
            raise ServiceUnavailable(code="jellyfin_unreachable")
        return remote, await self._music.credential(principal)

    async def jellyfin_playlists(self, principal: Principal) -> list[dict[str, Any]]:
        """The user's Jellyfin playlists that are not in the companion yet."""
        user_id = self.owner_id(principal)
        remote, cred = await self._remote_call(principal)
        with upstream_errors():
            found = await remote.playlists(cred)
        ids: list[Any] = await Playlist.filter(
            owner_id=user_id, jellyfin_id__isnull=False
        ).values_list("jellyfin_id", flat=True)
        known = {str(i) for i in ids}
        return [
            {"jellyfin_id": p.id, "name": p.name, "item_count": p.item_count}
            for p in found
            if p.id not in known and MARKER_PREFIX not in p.name
        ]

    async def adopt(self, principal: Principal, jellyfin_id: Any) -> dict[str, Any]:
        """Take an existing Jellyfin playlist into the companion (it keeps its id)."""
        user_id = self.owner_id(principal)
        jid = parse_ref(make_ref(jellyfin_id)) if isinstance(jellyfin_id, str) else None
        if jid is None:
            raise InvalidInput(
                "'jellyfin_id' must be a 32-hex Jellyfin playlist id.",
                details={"field": "jellyfin_id"},
            )
        if await Playlist.filter(jellyfin_id=jid, deleted=False).exists():
            raise Conflict("That Jellyfin playlist is already in the companion.")
        remote, cred = await self._remote_call(principal)
        with upstream_errors():
            listed = {p.id: p for p in await remote.playlists(cred)}
            if jid not in listed:
                raise NotFound("Jellyfin has no such playlist for you.", code="playlist_not_found")
            try:
                entries = await remote.entries(cred, jid)
            except RemotePlaylistGone:
                raise NotFound(
                    "Jellyfin has no such playlist for you.", code="playlist_not_found"
                ) from None
        items = [e.item_id for e in entries]
        name = listed[jid].name or "Playlist"
        pl = await Playlist.create(
            owner_id=user_id,
            name=name[:255],
            item_ids=items,
            jellyfin_id=jid,
            sync_state="synced",
            synced_version=1,
            synced_at=_now(),
            pushed_items=items,
            pushed_name=name,
        )
        self.publish_changed(pl, principal.jellyfin_id)
        return await self.full(principal, pl)
