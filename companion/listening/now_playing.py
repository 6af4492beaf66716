"""Playing now: when a user starts a track anywhere, linked services show it (best effort)."""

from __future__ import annotations

import asyncio
import logging

from companion.events import Event, EventBus, Unsubscribe
from companion.listening.models import ScrobbleAccount
from companion.listening.senders import ScrobbleSender
from companion.listening.tracks import scrobble_tracks
from companion.providers import Providers

_LOGGER = logging.getLogger(__name__)
TIMEOUT = 10.0


class NowPlaying:
    """Follows playback.started and tells each linked, enabled service."""

    def __init__(
        self, providers: Providers, senders: dict[str, ScrobbleSender], bus: EventBus
    ) -> None:
        self._providers = providers
        self._senders = senders
        self._bus = bus
        self._tasks: set[asyncio.Task[None]] = set()
        self._unsubscribe: Unsubscribe | None = None
        self.sent = 0

    def start(self) -> None:
        """Follow playback starts."""
        self._unsubscribe = self._bus.subscribe(
            self._on_event, ("playback.started",), name="scrobble-now-playing"
        )

    async def stop(self) -> None:
        """Stop following; cancel calls in flight."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _on_event(self, event: Event) -> None:
        item_id = event.data.get("item_id")
        if event.user_id and isinstance(item_id, str):
            task = asyncio.create_task(self._tell(event.user_id, item_id))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _tell(self, user_id: str, item_id: str) -> None:
        accounts = await ScrobbleAccount.filter(
            user__jellyfin_id=user_id,
            enabled=True,
            status__in=("ok", "failing"),
            service__in=list(self._senders),
        ).prefetch_related("user")
        if not accounts:
            return
        try:
            track = (await scrobble_tracks(self._providers, [item_id])).get(item_id)
        except Exception:
            _LOGGER.debug("Playing now skipped: the track could not be read", exc_info=True)
            return
        if track is None:
            return
        for account in accounts:
            try:
                async with asyncio.timeout(TIMEOUT):
                    await self._senders[account.service].now_playing(account, track)
                self.sent += 1
            except Exception as err:
                # Playing now is never retried: by then something else plays.
                _LOGGER.debug("Playing now to %s failed: %s", account.service, err)
