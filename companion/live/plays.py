"""Listens become plays: one row per listen, one `play.recorded` once it is decided.

A stop the socket infers (a session vanished from `Sessions`, or moved on to another item)
knows only the last reported position; the Webhook plugin's PlaybackStop, which usually
follows within milliseconds, knows where the player stopped. While webhooks are arriving, an
inferred stop is recorded at once but decided (announced) only after a short grace, so a
listen is never announced as a skip at 0 s and then again as a play.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from tortoise.exceptions import IntegrityError
from tortoise.expressions import Q

from companion.events import Event
from companion.history.models import Play
from companion.media import make_ref
from companion.providers.live import PlaybackFact, Source

_LOGGER = logging.getLogger(__name__)

TICKS_PER_SECOND = 10_000_000
# A listen counts when it reached half the track or four minutes (the Last.fm rule).
COUNT_MIN_SECONDS = 240
# Two reports of one listen's end (socket snapshot, webhook) arrive within this of each other.
SAME_STOP_SECONDS = 180
# How long an inferred stop waits for the webhook's own report of it.
DECIDE_GRACE_SECONDS = 5.0
# Webhooks count as arriving when one came within this.
WEBHOOK_ACTIVE_SECONDS = 1800.0

Publish = Callable[[str, dict[str, Any], str | None, Source], Event]


def is_counted(position_ticks: int, runtime_ticks: int, completed: bool) -> bool:
    """≥ 50 % of the track, ≥ 4 min, or a real end; never PlayedToCompletion alone.

    Jellyfin marks a track under 5 minutes "played to completion" when it stops anywhere
    between 5 % and 90 % (UserDataManager.UpdatePlayState), so the flag proves nothing. It
    means a real end only with no position: the Webhook plugin then sends 0 and Jellyfin
    assumes a full play, as it does when a player reports a stop without a position.
    """
    if position_ticks >= COUNT_MIN_SECONDS * TICKS_PER_SECOND:
        return True
    if runtime_ticks > 0 and position_ticks * 2 >= runtime_ticks:
        return True
    return completed and position_ticks == 0


def _seconds(ticks: int) -> float:
    return round(ticks / TICKS_PER_SECOND, 3)


def play_data(play: Play) -> dict[str, Any]:
    """The `play.recorded` event data of a play row."""
    return {
        "play_id": play.id,
        "item_id": play.item_id,
        "ref": make_ref(play.item_id),
        "counted": play.counted,
        "skipped": not play.counted,
        "started_at": play.started_at.isoformat(),
        "position": _seconds(play.position_ticks),
        "duration": _seconds(play.runtime_ticks),
    }


class PlayRecorder:
    """Writes Play rows and announces each listen exactly once."""

    grace: float = DECIDE_GRACE_SECONDS

    def __init__(self, publish: Publish, lock: asyncio.Lock) -> None:
        self._publish = publish
        # The writer's lock: a decision due after the grace must not interleave with a fact.
        self._lock = lock
        self._undecided: dict[int, tuple[asyncio.TimerHandle, str, Source]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._webhook_seen = float("-inf")

    def saw_webhook(self) -> None:
        """Note that a webhook fact arrived (inferred stops then wait for its stop report)."""
        self._webhook_seen = time.monotonic()

    async def record(
        self, fact: PlaybackFact, started_at: datetime | None, *, inferred: bool = False
    ) -> list[Event]:
        """Record the listen `fact` ends (or improve its row); announce it once decided.

        `inferred` stops (the session vanished or moved on) know only the last position
        reported; a reported stop (the webhook's, a reconcile's) decides the listen.
        """
        if not fact.item_id:
            return []
        start = started_at or (fact.at - timedelta(seconds=fact.position_ticks / TICKS_PER_SECOND))
        bucket = int(start.timestamp() // 60)
        # The same listen reported by two sources starts within a minute or ends within a few:
        # one row only, improved when the later report knows more (position, completion).
        window = timedelta(seconds=SAME_STOP_SECONDS)
        existing = await Play.filter(
            Q(bucket__in=[bucket - 1, bucket, bucket + 1])
            | Q(ended_at__gte=fact.at - window, ended_at__lte=fact.at + window),
            user_id=fact.user_id,
            item_id=fact.item_id,
        ).first()
        if existing is not None:
            return await self._improve(existing, fact, inferred)
        completed = bool(fact.played_to_completion)
        try:
            play = await Play.create(
                user_id=fact.user_id,
                item_id=fact.item_id,
                started_at=start,
                bucket=bucket,
                ended_at=fact.at,
                position_ticks=fact.position_ticks,
                runtime_ticks=fact.runtime_ticks,
                counted=is_counted(fact.position_ticks, fact.runtime_ticks, completed),
                completed=completed,
                device_name=fact.device_name,
                client=fact.client,
                source=fact.source,
            )
        except IntegrityError:
            return []
        if not inferred or not self._webhooks_active():
            return [self._announce(play, fact.source)]
        self._hold(play, fact.source)
        return []

    async def _improve(self, play: Play, fact: PlaybackFact, inferred: bool) -> list[Event]:
        # A reported stop without a position (0 and completed) is the real end, whatever an
        # earlier row's last progress said.
        unreported = bool(fact.played_to_completion) and fact.position_ticks == 0
        completed = play.completed or bool(fact.played_to_completion)
        position = max(play.position_ticks, fact.position_ticks)
        runtime = max(play.runtime_ticks, fact.runtime_ticks)
        counted = (
            play.counted or is_counted(position, runtime, False) or (unreported and not inferred)
        )
        changed = (completed, position, runtime, counted) != (
            play.completed,
            play.position_ticks,
            play.runtime_ticks,
            play.counted,
        )
        if changed:
            play.completed, play.position_ticks, play.runtime_ticks = completed, position, runtime
            play.counted = counted
            await play.save(
                update_fields=["completed", "position_ticks", "runtime_ticks", "counted"]
            )
        held = self._undecided.pop(play.id, None)
        if held is None:
            # Already announced: the row is improved quietly (one event per listen).
            return []
        held[0].cancel()
        if not inferred:
            return [self._announce(play, fact.source)]
        self._hold(play, held[2])
        return []

    def _webhooks_active(self) -> bool:
        return time.monotonic() - self._webhook_seen < WEBHOOK_ACTIVE_SECONDS

    def _hold(self, play: Play, source: Source) -> None:
        loop = asyncio.get_running_loop()
        handle = loop.call_later(self.grace, self._due, play.id)
        self._undecided[play.id] = (handle, play.user_id, source)

    def _due(self, play_id: int) -> None:
        task = asyncio.get_running_loop().create_task(self._decide(play_id), name="play-decide")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _decide(self, play_id: int) -> None:
        async with self._lock:
            held = self._undecided.pop(play_id, None)
            if held is None:
                return
            play = await Play.get_or_none(id=play_id)
            if play is not None:
                self._announce(play, held[2])

    def _announce(self, play: Play, source: Source) -> Event:
        return self._publish("play.recorded", play_data(play), play.user_id, source)

    async def flush(self) -> None:
        """Announce every held listen now (at shutdown)."""
        for play_id in list(self._undecided):
            self._undecided[play_id][0].cancel()
            await self._decide(play_id)
        for task in list(self._tasks):
            with contextlib.suppress(asyncio.CancelledError):
                await task
