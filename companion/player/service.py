"""The player service: one queue per user, edits under a lock, events to every tab, sources."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Sequence
from typing import Any, Literal

from companion.accounts.auth import Principal
from companion.errors import Conflict, InvalidInput, NotFound
from companion.events import Event, EventBus
from companion.library.music import MusicServices
from companion.library.upstream import media_of, upstream_errors
from companion.media import BrowseQuery, MediaItem, Track, make_ref, parse_ref, ref_scheme
from companion.player import queue as q
from companion.player.models import PlayerQueue
from companion.player.rows import load_queue, store_queue
from companion.playlists.service import PlaylistService
from companion.providers import Providers

SourceKind = Literal["album", "artist", "playlist", "favorites"]
SOURCE_KINDS: tuple[SourceKind, ...] = ("album", "artist", "playlist", "favorites")
# Tracks taken from an artist or the favorites for "play all" (one media-server page).
SOURCE_LIMIT = 500
EVENT = "player.changed"


class PlayerService:
    """Queues of every user; each change bumps the version and tells the user's other tabs."""

    def __init__(
        self,
        music: MusicServices,
        providers: Providers,
        bus: EventBus,
        playlists: Callable[[], PlaylistService | None],
        rng: random.Random | None = None,
    ) -> None:
        self._music = music
        self._providers = providers
        self._bus = bus
        self._playlists = playlists
        self._rng = rng or random.Random()
        self._locks: dict[int, asyncio.Lock] = {}

    # -- plumbing ----------------------------------------------------------------------------

    @staticmethod
    def _owner(principal: Principal) -> int:
        if principal.user_id is None:
            raise InvalidInput("Sign in to use the player.", code="not_a_user")
        return principal.user_id

    def lock(self, principal: Principal) -> asyncio.Lock:
        """The lock that orders the edits of one user's queue."""
        return self._locks.setdefault(self._owner(principal), asyncio.Lock())

    async def row(self, principal: Principal) -> PlayerQueue:
        """The user's queue row (created empty on first use)."""
        row, _ = await PlayerQueue.get_or_create(owner_id=self._owner(principal))
        return row

    def publish(self, principal: Principal, row: PlayerQueue, reason: str) -> None:
        """Tell the user's tabs what changed (they refetch the state when it is news to them)."""
        data = {
            "version": row.version,
            "reason": reason,
            "current": row.current,
            "paused": row.paused,
            "active_player": row.active_player,
            "active_name": row.active_name,
        }
        self._bus.publish(Event(EVENT, data, user_id=principal.jellyfin_id))

    async def edit(
        self,
        principal: Principal,
        change: Callable[[q.Queue], q.Queue],
        reason: str,
    ) -> PlayerQueue:
        """Apply a pure queue edit under the user's lock, store it, publish it."""
        async with self.lock(principal):
            row = await self.row(principal)
            old = load_queue(row)
            try:
                new = change(old)
            except KeyError:
                raise NotFound("No such entry in the queue.", code="entry_not_found") from None
            if new.current != old.current:
                row.position = 0
            store_queue(row, new)
            row.version += 1
            await row.save()
        self.publish(principal, row, reason)
        return row

    # -- reading -----------------------------------------------------------------------------

    async def state(self, principal: Principal, row: PlayerQueue | None = None) -> dict[str, Any]:
        """The queue with its tracks resolved (unknown ones marked unavailable)."""
        row = row or await self.row(principal)
        queue = load_queue(row)
        items: list[MediaItem | None] = []
        if queue.entries:
            cred = await self._music.credential(principal)
            with upstream_errors():
                items = await self._music.resolver.resolve(
                    cred, list(dict.fromkeys(e.item_id for e in queue.entries))
                )
        by_id = {parse_ref(i.ref): i for i in items if i is not None}
        return {
            "version": row.version,
            "entries": [
                {
                    "id": e.id,
                    "ref": make_ref(e.item_id),
                    "available": e.item_id in by_id,
                    "track": by_id[e.item_id].as_dict() if e.item_id in by_id else None,
                }
                for e in queue.entries
            ],
            "current": queue.current,
            "next": queue.following(),
            "shuffle": queue.shuffle,
            "repeat": queue.repeat,
            "position": row.position,
            "paused": row.paused,
            "active": {
                "player": row.active_player,
                "name": row.active_name,
            }
            if row.active_player
            else None,
        }

    # -- sources of "play all" ---------------------------------------------------------------

    async def source_items(self, principal: Principal, kind: str, ref: str | None) -> list[str]:
        """The track ids of an album, an artist, a playlist or the favorites, in order."""
        cred = await self._music.credential(principal)
        if kind == "favorites":
            page = await self._music.favorites.list(cred, "track", 0, SOURCE_LIMIT)
            return _track_ids(page.items)
        if kind == "playlist":
            playlists = self._playlists()
            if playlists is None:
                raise NotFound("Playlists are not available yet.", code="not_found")
            playlist_id = int(ref) if ref and ref.isdigit() and len(ref) < 12 else 0
            data = await playlists.get(principal, playlist_id)
            return [i for r in data["items"] if r["available"] and (i := parse_ref(r["ref"]))]
        item_id = parse_ref(ref)
        if item_id is None:
            raise InvalidInput(
                f"'ref' must be a {ref_scheme()}:<32 hex> ref for an album or artist.",
                details={"field": "ref"},
            )
        if kind == "album":
            detail = await self._music.library.album(cred, item_id)
            if detail is None:
                raise NotFound("No such album in Jellyfin.", code="item_not_found")
            return _track_ids(detail.tracks)
        query = BrowseQuery(kind="track", limit=SOURCE_LIMIT, sort="name", artist_id=item_id)
        with upstream_errors():
            page = await media_of(self._providers).browse(cred, query)
        self._music.resolver.prime(cred, page.items)
        return _track_ids(page.items)

    # -- queue edits -------------------------------------------------------------------------

    async def play(
        self,
        principal: Principal,
        item_ids: Sequence[str],
        *,
        start: int = 0,
        shuffle: bool | None = None,
    ) -> PlayerQueue:
        """Replace the queue and play from `start` (or shuffled)."""
        return await self.edit(
            principal,
            lambda old: q.play(old, item_ids, start, shuffle=shuffle, rng=self._rng),
            "play",
        )

    async def save_as_playlist(self, principal: Principal, name: Any) -> dict[str, Any]:
        """Make the queue a companion playlist (and so a Jellyfin one)."""
        playlists = self._playlists()
        if playlists is None:
            raise Conflict("Playlists are not available yet.", code="not_ready")
        queue = load_queue(await self.row(principal))
        if not queue.entries:
            raise InvalidInput("The queue is empty.", code="queue_empty")
        refs = [make_ref(e.item_id) for e in queue.entries]
        return await playlists.create(principal, name, refs)

    def shuffle_rng(self) -> random.Random:
        """The random source of shuffles (seeded in tests)."""
        return self._rng


def _track_ids(items: Sequence[MediaItem]) -> list[str]:
    return [i for i in (parse_ref(t.ref) for t in items if isinstance(t, Track)) if i]
