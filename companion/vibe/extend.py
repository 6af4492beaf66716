"""Never stop the music: extend a companion queue when its listener nears the end of it.

Playback events (`playback.started` / `playback.progress`) name the user, the session and the
item. When that item is among the last few of the user's active vibe queue, the queue grows
from the user's recent plays, a `vibe.queue` event announces it, and when the queue was sent to
that same session the new tracks are appended there too (remote control's PlayLast).
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

from companion.accounts.auth import principal_for
from companion.accounts.models import User
from companion.errors import CompanionError
from companion.events import Event, EventBus, Unsubscribe
from companion.library.music import MusicServices
from companion.library.resolver import normalize_ids
from companion.media import MediaNotFound, UserCredential
from companion.providers import CredentialsRejected, Providers, ProviderUnavailable
from companion.providers.vibe import EngineUnavailable
from companion.vibe.models import VibeQueue
from companion.vibe.request import VibeRequest
from companion.vibe.service import VibeService
from companion.vibe.shaping import listening_exclusions, recent_plays

_LOGGER = logging.getLogger(__name__)

# Extend when the item playing is one of the last this many of its queue.
EXTEND_WHEN_LEFT = 3
EXTEND_BY = 25
# A queue counts as the user's active one this long after its last change.
ACTIVE_HOURS = 12
EXTRA_SEEDS = 3
TRIGGERS = ("playback.started", "playback.progress")


class VibeExtender:
    """The bus reactor that keeps vibe queues going."""

    def __init__(self, vibe: VibeService, music: MusicServices, providers: Providers) -> None:
        self._vibe = vibe
        self._music = music
        self._providers = providers
        self._busy: set[str] = set()
        self.extended = 0
        # Trigger events handled so far, extended or not: the bus delivers them in order, so this
        # tells diagnostics and tests that an event was looked at (and changed nothing).
        self.handled = 0
        # Seconds from a trigger's arrival to the extension's announcement (for diagnostics).
        self.last_latency: float | None = None

    def subscribe(self, bus: EventBus) -> Unsubscribe:
        """Listen for playback events."""
        return bus.subscribe(self.on_event, TRIGGERS, name="vibe-extender")

    async def on_event(self, event: Event) -> None:
        """Bus handler: extend the user's active queue if this item is near its end."""
        try:
            await self._on_trigger(event)
        finally:
            self.handled += 1

    async def _on_trigger(self, event: Event) -> None:
        started = time.perf_counter()
        users = normalize_ids([event.user_id or ""])
        items = normalize_ids([event.data.get("item_id") or ""])
        if not users or not items:
            return
        session_id = event.data.get("session_id")
        try:
            queue = await self.extend_if_due(
                users[0], items[0], session_id if isinstance(session_id, str) else None
            )
        except (CompanionError, EngineUnavailable) as err:
            _LOGGER.warning("Could not extend the vibe queue of %s: %s", users[0], err)
            return
        if queue is not None:
            self.last_latency = time.perf_counter() - started

    async def _active_queue(self, user_id: str, item_id: str) -> VibeQueue | None:
        cutoff = datetime.now(UTC) - timedelta(hours=ACTIVE_HOURS)
        queues = (
            await VibeQueue.filter(jellyfin_user_id=user_id, updated_at__gte=cutoff)
            .order_by("-updated_at")
            .limit(5)
        )
        return next((q for q in queues if item_id in q.item_ids), None)

    @staticmethod
    def _due(queue: VibeQueue, item_id: str) -> bool:
        ids = queue.item_ids
        position = len(ids) - 1 - ids[::-1].index(item_id)
        return len(ids) - 1 - position < EXTEND_WHEN_LEFT

    async def extend_if_due(
        self, user_id: str, item_id: str, session_id: str | None
    ) -> VibeQueue | None:
        """Extend the queue now playing when few items are left; the queue, or None."""
        queue = await self._active_queue(user_id, item_id)
        if queue is None or not self._due(queue, item_id) or queue.id in self._busy:
            return None
        # Progress events keep coming while we work: one extension per approach of the end.
        self._busy.add(queue.id)
        try:
            return await self._extend(queue, user_id, item_id, session_id)
        finally:
            self._busy.discard(queue.id)

    async def _credential(self, user_id: str) -> UserCredential | None:
        user = await User.get_or_none(jellyfin_id=user_id, is_active=True)
        if user is None:
            return None
        return await self._music.credential(principal_for(user))

    async def _extend(
        self, queue: VibeQueue, user_id: str, item_id: str, session_id: str | None
    ) -> VibeQueue | None:
        cred = await self._credential(user_id)
        if cred is None:
            return None
        recent = await recent_plays(user_id, EXTRA_SEEDS)
        seeds = list(dict.fromkeys([item_id, *recent]))
        exclude = await listening_exclusions(user_id) | set(queue.item_ids)
        built = await self._vibe.builder.build(
            cred,
            VibeRequest(mode="recent", limit=EXTEND_BY),
            exclude,
            seed_ids=seeds,
            limit=EXTEND_BY,
        )
        added = [t.ref.split(":", 1)[1] for t in built.tracks]
        if not added:
            return None
        queue.item_ids = [*queue.item_ids, *added]
        queue.extensions += 1
        await queue.save(update_fields=["item_ids", "extensions", "updated_at"])
        self.extended += 1
        self._vibe.announce(queue, [t.ref for t in built.tracks], "extended")
        if session_id and queue.session_id == session_id.lower().replace("-", ""):
            await self._append_on_device(cred, queue.session_id, added)
        return queue

    async def _append_on_device(
        self, cred: UserCredential, session_id: str, ids: list[str]
    ) -> None:
        mixes = self._providers.mixes
        if mixes is None:
            return
        try:
            await mixes.play(cred, session_id, ids, "PlayLast")
        except (ProviderUnavailable, CredentialsRejected, MediaNotFound) as err:
            # The queue is extended anyway; only the device misses the new tracks.
            _LOGGER.info("Could not append to Jellyfin session %s: %s", session_id, err)
