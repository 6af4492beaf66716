"""Batch resolution of item ids: cache first, then one /Items?ids= per 200 missing ids.

Cache design (per-user safety): one LRU entry per item holds the item's user-independent
metadata once, plus a view per user who fetched it (their favorite and play count, and the
fact that their own Jellyfin query returned it). A user is only ever served an item from the
cache if their own token fetched it within the TTL, so Jellyfin's per-user library access
still applies and nobody sees another user's favorites; the views share the metadata's values,
so a household of users costs little more memory than one.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from companion.events import Event, EventBus, Unsubscribe
from companion.library.upstream import media_of, upstream_errors
from companion.media import MediaItem, UserCredential, UserFields, parse_ref, with_user
from companion.providers import Providers

DEFAULT_TTL = 300.0
DEFAULT_MAX_ITEMS = 50_000
CHUNK_SIZE = 200
_NO_USER = UserFields()


def normalize_ids(values: Iterable[Any]) -> list[str]:
    """Turn event ids (maybe hyphenated or upper case) into 32-hex ids; drop the rest."""
    out = []
    for value in values:
        text = str(value).strip().lower().replace("-", "")
        if len(text) == 32:
            out.append(text)
    return out


@dataclass
class _Entry:
    meta: MediaItem | None = None
    # user id -> (expiry, that user's view, or None when Jellyfin did not return it to them)
    views: dict[str, tuple[float, MediaItem | None]] = field(default_factory=dict)


class Resolver:
    """Resolves ids to media DTOs for one user at a time, in the requested order."""

    def __init__(
        self,
        providers: Providers,
        *,
        ttl: float = DEFAULT_TTL,
        max_items: int = DEFAULT_MAX_ITEMS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._providers = providers
        self.ttl = ttl
        self.max_items = max_items
        self._clock = clock
        self._cache: OrderedDict[str, _Entry] = OrderedDict()
        self._inflight: dict[tuple[str, str], asyncio.Future[MediaItem | None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        # Bumped by every invalidation, so a fetch that started before it fills nothing.
        self._epoch = 0
        self.upstream_fetches = 0

    def __len__(self) -> int:
        return len(self._cache)

    def cached(self, item_id: str) -> bool:
        """Tell whether any user's view of an item is cached."""
        return item_id in self._cache

    # -- resolving ---------------------------------------------------------------------------

    async def resolve(self, cred: UserCredential, ids: Sequence[str]) -> list[MediaItem | None]:
        """Return one item (or None) per id, in order; duplicates resolve once."""
        user = cred.user_id
        now = self._clock()
        found: dict[str, MediaItem | None] = {}
        waiting: dict[str, asyncio.Future[MediaItem | None]] = {}
        missing: list[str] = []
        for iid in dict.fromkeys(ids):
            entry = self._cache.get(iid)
            if entry is not None:
                view = entry.views.get(user)
                if view is not None and view[0] > now:
                    found[iid] = view[1]
                    self._cache.move_to_end(iid)
                    continue
            pending = self._inflight.get((user, iid))
            if pending is not None:
                waiting[iid] = pending
            else:
                missing.append(iid)
        if missing:
            waiting.update(self._start_fetches(cred, missing))
        if waiting:
            # wait() never cancels the shared futures when this caller is cancelled.
            await asyncio.wait(waiting.values())
            for iid, fut in waiting.items():
                found[iid] = fut.result()
        return [found[i] for i in ids]

    async def resolve_one(self, cred: UserCredential, item_id: str) -> MediaItem | None:
        """Resolve a single id."""
        (item,) = await self.resolve(cred, [item_id])
        return item

    def _start_fetches(
        self, cred: UserCredential, missing: list[str]
    ) -> dict[str, asyncio.Future[MediaItem | None]]:
        loop = asyncio.get_running_loop()
        futures: dict[str, asyncio.Future[MediaItem | None]] = {}
        for iid in missing:
            fut: asyncio.Future[MediaItem | None] = loop.create_future()
            futures[iid] = fut
            self._inflight[(cred.user_id, iid)] = fut
        for start in range(0, len(missing), CHUNK_SIZE):
            chunk = missing[start : start + CHUNK_SIZE]
            # A task of its own: other requests wait on this fetch even if ours goes away.
            task = asyncio.create_task(
                self._fetch(cred, chunk, {i: futures[i] for i in chunk}, self._epoch)
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return futures

    async def _fetch(
        self,
        cred: UserCredential,
        chunk: list[str],
        futures: dict[str, asyncio.Future[MediaItem | None]],
        epoch: int,
    ) -> None:
        self.upstream_fetches += 1
        try:
            with upstream_errors():
                items = await media_of(self._providers).get_many(cred, chunk)
        except BaseException as err:
            for fut in futures.values():
                if fut.done():
                    continue
                if isinstance(err, asyncio.CancelledError):
                    fut.cancel()
                else:
                    fut.set_exception(err)
                    # Marks it retrieved: nobody may be left waiting for it.
                    fut.exception()
            if not isinstance(err, Exception):
                raise
            return
        finally:
            for iid, fut in futures.items():
                if self._inflight.get((cred.user_id, iid)) is fut:
                    del self._inflight[(cred.user_id, iid)]
        by_id = {parse_ref(item.ref): item for item in items}
        fill = epoch == self._epoch
        expires = self._clock() + self.ttl
        for iid, fut in futures.items():
            item = by_id.get(iid)
            if fill:
                item = self._store(cred.user_id, iid, item, expires)
            if not fut.done():
                fut.set_result(item)

    # -- filling -----------------------------------------------------------------------------

    def prime(self, cred: UserCredential, items: Iterable[MediaItem]) -> None:
        """Store items a listing just returned to this user (saves a later fetch)."""
        expires = self._clock() + self.ttl
        for item in items:
            iid = parse_ref(item.ref)
            if iid is not None:
                self._store(cred.user_id, iid, item, expires)

    def _store(
        self, user: str, iid: str, item: MediaItem | None, expires: float
    ) -> MediaItem | None:
        entry = self._cache.get(iid)
        if entry is None:
            entry = _Entry()
            self._cache[iid] = entry
            if len(self._cache) > self.max_items:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(iid)
        if item is not None:
            meta = replace(item, user=_NO_USER) if item.user != _NO_USER else item
            if entry.meta is None or entry.meta != meta:
                # New or changed metadata: other users' views of the old one are stale.
                entry.meta = meta
                entry.views = {u: v for u, v in entry.views.items() if v[1] is None}
            else:
                # Share the stored metadata's values instead of keeping this copy.
                item = with_user(entry.meta, item.user)
        entry.views[user] = (expires, item)
        return item

    # -- invalidation ------------------------------------------------------------------------

    def invalidate(self, ids: Iterable[str]) -> None:
        """Forget items for every user (they changed in the library)."""
        self._epoch += 1
        dropped = set(ids)
        for iid in dropped:
            self._cache.pop(iid, None)
        # Later requests must not join a fetch that may return the old state.
        for key in [k for k in self._inflight if k[1] in dropped]:
            del self._inflight[key]

    def invalidate_user(self, user: str, ids: Iterable[str]) -> None:
        """Forget one user's view of items (their favorite or play count changed)."""
        self._epoch += 1
        for iid in ids:
            entry = self._cache.get(iid)
            if entry is not None:
                entry.views.pop(user, None)
            self._inflight.pop((user, iid), None)

    def clear(self) -> None:
        """Forget everything."""
        self._epoch += 1
        self._cache.clear()
        self._inflight.clear()

    def on_event(self, event: Event) -> None:
        """Bus handler: library.changed and favorite.changed drop the items they name."""
        data = event.data
        if event.type == "library.changed":
            ids = [*data.get("added", ()), *data.get("updated", ()), *data.get("removed", ())]
            self.invalidate(normalize_ids(ids))
        elif event.type == "favorite.changed":
            ids = normalize_ids([data.get("item_id", "")])
            users = normalize_ids([event.user_id or ""])
            if users:
                self.invalidate_user(users[0], ids)
            else:
                self.invalidate(ids)

    def subscribe(self, bus: EventBus) -> Unsubscribe:
        """Listen for the events that invalidate cached items."""
        # Every replica's changes: each keeps a cache of its own.
        return bus.subscribe(
            self.on_event,
            ("library.changed", "favorite.changed"),
            name="resolver-invalidation",
            cluster=True,
        )

    async def close(self) -> None:
        """Cancel fetches still running."""
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
