"""Favorites as a live playlist: read from the favorites mirror, optionally pushed to Jellyfin."""

from __future__ import annotations

from typing import Any, Protocol

from tortoise.transactions import in_transaction

from companion.accounts.auth import Principal
from companion.accounts.models import User
from companion.errors import InvalidInput
from companion.events import Event
from companion.library.models import Favorite
from companion.media import make_ref
from companion.playlists.models import Playlist
from companion.playlists.outbox import PlaylistOutbox


class PlaylistHost(Protocol):
    """What the favorites playlist needs from the playlist service (kept structural, no import)."""

    outbox: PlaylistOutbox

    def owner_id(self, principal: Principal) -> int:
        """The companion user id of a signed-in principal."""
        ...

    async def resolve_items(self, principal: Principal, item_ids: list[str]) -> Any:
        """Tracks for ids, None where the media server cannot answer."""
        ...

    async def push_inline(self, playlist_id: int) -> str | None:
        """Push one playlist now; the warning to show when it could not sync."""
        ...


FAVORITES_NAME = "Favorites"
FAVORITES_KIND = "favorites"


async def favorite_rows(jellyfin_user: str) -> list[Favorite]:
    """The user's favorite tracks in the order they were favorited."""
    return (
        await Favorite.filter(user_id=jellyfin_user, item_type="Audio")
        .order_by("favorited_at", "id")
        .all()
    )


class FavoritesPlaylist:
    """The per-user "Favorites" playlist: its rows, its push switch, and its live follower."""

    def __init__(self, service: PlaylistHost) -> None:
        self._svc = service

    async def _twin(self, user_id: int) -> Playlist | None:
        return await Playlist.get_or_none(owner_id=user_id, kind=FAVORITES_KIND, deleted=False)

    async def get(self, principal: Principal) -> dict[str, Any]:
        """The favorites playlist DTO: items with their favorite time, and the push switch."""
        user_id = self._svc.owner_id(principal)
        rows = await favorite_rows(principal.jellyfin_id or "")
        resolved = await self._svc.resolve_items(principal, [r.item_id for r in rows])
        items = []
        for n, row in enumerate(rows):
            track = resolved[n] if resolved is not None else None
            items.append(
                {
                    "ref": make_ref(row.item_id),
                    "favorited_at": row.favorited_at.isoformat(),
                    "track": track.as_dict() if track is not None else None,
                }
            )
        twin = await self._twin(user_id)
        out: dict[str, Any] = {"items": items, "push": twin is not None}
        if twin is not None:
            out["sync"] = {
                "state": twin.sync_state,
                "last_error": twin.last_error,
                "jellyfin_id": twin.jellyfin_id,
                "synced_at": twin.synced_at.isoformat() if twin.synced_at else None,
                "drift": twin.drift,
            }
        return out

    async def set_push(self, principal: Principal, push: Any) -> dict[str, Any]:
        """Turn pushing to a Jellyfin "Favorites" playlist on (created now) or off (deleted)."""
        if not isinstance(push, bool):
            raise InvalidInput("'push' must be true or false.", details={"field": "push"})
        user_id = self._svc.owner_id(principal)
        twin = await self._twin(user_id)
        if push and twin is None:
            rows = await favorite_rows(principal.jellyfin_id or "")
            async with in_transaction() as conn:
                twin = await Playlist.create(
                    owner_id=user_id,
                    kind=FAVORITES_KIND,
                    name=FAVORITES_NAME,
                    item_ids=[r.item_id for r in rows],
                    using_db=conn,
                )
                await self._svc.outbox.enqueue(twin, conn)
            async with self._svc.outbox.locked(twin.id):
                warning = await self._svc.push_inline(twin.id)
            return {**(await self.get(principal)), "warning": warning}
        if not push and twin is not None:
            async with self._svc.outbox.locked(twin.id):
                twin.deleted = True
                twin.version += 1
                async with in_transaction() as conn:
                    await twin.save(using_db=conn)
                    await self._svc.outbox.enqueue(twin, conn)
                warning = await self._svc.push_inline(twin.id)
            return {**(await self.get(principal)), "warning": warning}
        return {**(await self.get(principal)), "warning": None}

    async def on_event(self, event: Event) -> None:
        """favorite.changed: a user with the push on gets their twin updated right away."""
        if not event.user_id or event.data.get("item_type") not in ("Audio", None):
            return
        await self._follow(event.user_id)

    async def _follow(self, jellyfin_id: str) -> None:
        user = await User.get_or_none(jellyfin_id=jellyfin_id)
        if user is None:
            return
        twin = await self._twin(user.id)
        if twin is None:
            return
        async with self._svc.outbox.locked(twin.id):
            await twin.refresh_from_db()
            rows = await favorite_rows(jellyfin_id)
            twin.item_ids = [r.item_id for r in rows]
            twin.version += 1
            twin.sync_state = "pending"
            async with in_transaction() as conn:
                await twin.save(using_db=conn)
                await self._svc.outbox.enqueue(twin, conn)
        # The worker pushes it at once, outside this event handler; woken after the commit, or
        # on PostgreSQL it could look before the row is visible and sleep a whole interval.
        self._svc.outbox.notify()
