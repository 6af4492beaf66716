"""Applies facts to the overlay tables idempotently; only real changes become events."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from tortoise.exceptions import IntegrityError
from tortoise.transactions import in_transaction

from companion.events import Event, EventBus
from companion.history.models import PlaybackState
from companion.library.models import Favorite, LibraryTrack
from companion.live.plays import TICKS_PER_SECOND, PlayRecorder, is_counted
from companion.media import make_ref
from companion.providers.live import (
    Fact,
    FavoriteFact,
    LibraryFact,
    PlaybackFact,
    ScanFinishedFact,
    SessionsSnapshot,
    Source,
    UserDataFact,
)

_LOGGER = logging.getLogger(__name__)

# The play rule lives in companion.live.plays; automation reads it from here too.
__all__ = ["TICKS_PER_SECOND", "LibraryIndexLike", "OverlayWriter", "is_counted"]

# Progress is pushed when it moved this much (two sources report the same playback).
PROGRESS_STEP_TICKS = 2 * TICKS_PER_SECOND
LIBRARY_DEDUPE_SECONDS = 600.0
_MEMORY = 50_000


_KINDS: dict[type, str] = {
    FavoriteFact: "favorites",
    UserDataFact: "favorites",
    PlaybackFact: "playback",
    SessionsSnapshot: "playback",
    LibraryFact: "library",
    ScanFinishedFact: "scans",
}


class LibraryIndexLike(Protocol):
    """What the overlay needs of the library index."""

    async def apply(self, fact: LibraryFact) -> None:
        """Keep the index current for added, updated and removed items."""
        ...


def _seconds(ticks: int) -> float:
    return round(ticks / TICKS_PER_SECOND, 3)


class OverlayWriter:
    """The only writer of Favorite, PlaybackState and Play; publishes what changed."""

    def __init__(self, bus: EventBus) -> None:
        self._bus = bus
        self.library_index: LibraryIndexLike | None = None
        # (user, item) -> time of the newest favorite fact applied, to drop late duplicates.
        self._favorite_times: OrderedDict[tuple[str, str], datetime] = OrderedDict()
        self._library_seen: OrderedDict[tuple[str, str], float] = OrderedDict()
        # Facts apply one at a time; a listen decided after its grace takes the same lock.
        self._lock = asyncio.Lock()
        self.plays = PlayRecorder(self._publish, self._lock)
        # kind -> source -> {"count", "last"}: which facts arrive from where.
        self.seen: dict[str, dict[str, dict[str, int | str]]] = {}

    def _publish(
        self, kind: str, data: dict[str, Any], user_id: str | None, source: Source
    ) -> Event:
        event = Event(kind, data, user_id=user_id, source=source)
        self._bus.publish(event)
        return event

    async def apply(self, fact: Fact) -> list[Event]:
        """Apply one fact; return the events it caused (none for a duplicate)."""
        async with self._lock:
            return await self._apply(fact)

    def _note(self, fact: Fact) -> None:
        """Count the fact by kind and source (what `/api/live/status` reports)."""
        kind = _KINDS.get(type(fact), "other")
        entry = self.seen.setdefault(kind, {}).setdefault(fact.source, {"count": 0, "last": ""})
        entry["count"] = int(entry["count"]) + 1
        entry["last"] = datetime.now(UTC).isoformat(timespec="seconds")
        if fact.source == "webhook":
            self.plays.saw_webhook()

    async def _apply(self, fact: Fact) -> list[Event]:
        self._note(fact)
        if isinstance(fact, FavoriteFact):
            return await self._favorite(
                fact.user_id, fact.item_id, fact.favorite, fact.at, fact.source, fact.item_type
            )
        if isinstance(fact, UserDataFact):
            return await self._favorite(
                fact.user_id, fact.item_id, fact.is_favorite, fact.at, fact.source, None
            )
        if isinstance(fact, PlaybackFact):
            return await self._playback(fact)
        if isinstance(fact, SessionsSnapshot):
            return await self._snapshot(fact)
        if isinstance(fact, LibraryFact):
            return await self._library(fact)
        if isinstance(fact, ScanFinishedFact):
            return [
                self._publish("library.scan_finished", {"status": fact.status}, None, fact.source)
            ]
        return []

    # -- favorites ---------------------------------------------------------------------------

    async def _favorite(
        self,
        user_id: str,
        item_id: str,
        favorite: bool,
        at: datetime,
        source: Source,
        item_type: str | None,
    ) -> list[Event]:
        key = (user_id, item_id)
        newest = self._favorite_times.get(key)
        if newest is not None and at < newest:
            # A late copy from the slower source (webhooks lag sockets); the newer fact stands.
            return []
        self._favorite_times[key] = at
        self._favorite_times.move_to_end(key)
        if len(self._favorite_times) > _MEMORY:
            self._favorite_times.popitem(last=False)
        row = await Favorite.get_or_none(user_id=user_id, item_id=item_id)
        if favorite == (row is not None):
            return []
        if favorite:
            kind = item_type or (
                "Audio" if await LibraryTrack.exists(item_id=item_id) else "Unknown"
            )
        else:
            kind = row.item_type if row is not None else (item_type or "Unknown")
        data = {
            "item_id": item_id,
            "ref": make_ref(item_id),
            "favorite": favorite,
            "item_type": kind,
        }
        event = Event("favorite.changed", data, user_id=user_id, source=source)
        try:
            async with in_transaction() as conn:
                if favorite:
                    await Favorite.create(
                        user_id=user_id,
                        item_id=item_id,
                        item_type=kind,
                        source=source,
                        favorited_at=at,
                        using_db=conn,
                    )
                else:
                    await Favorite.filter(user_id=user_id, item_id=item_id).using_db(conn).delete()
                # With replicas the event commits with the change: a replica killed right after
                # cannot have changed a favorite that the others' clients never hear of.
                await self._bus.log(event, conn)
        except IntegrityError:
            return []
        self._bus.publish(event, logged=True)
        return [event]

    # -- playback ----------------------------------------------------------------------------

    @staticmethod
    def _state_data(state: PlaybackState) -> dict[str, Any]:
        return {
            "session_id": state.session_id,
            "item_id": state.item_id,
            "ref": make_ref(state.item_id) if state.item_id else None,
            "device_name": state.device_name,
            "client": state.client,
            "position": _seconds(state.position_ticks),
            "duration": _seconds(state.runtime_ticks),
            "is_paused": state.is_paused,
            "state": state.state,
        }

    async def _playback(self, fact: PlaybackFact) -> list[Event]:
        state = await PlaybackState.get_or_none(user_id=fact.user_id, session_id=fact.session_id)
        active = state is not None and state.state != "stopped"
        same_item = state is not None and active and state.item_id == fact.item_id
        events: list[Event] = []
        if fact.event == "stop":
            if state is None or not same_item:
                # A repeat of a stop already applied (the other source may know the position
                # better), or a stop of something we never saw start: record or improve the play.
                known_start = (
                    state.started_at
                    if state is not None and state.item_id == fact.item_id
                    else None
                )
                return await self.plays.record(fact, known_start)
            return await self._stop(state, fact)
        if state is not None and fact.at < state.updated_at and not same_item:
            # A late start or progress of an item the session has already left behind.
            return []
        if active and not same_item and state is not None:
            # The session moved on without a stop we heard of: close the previous item first.
            events += await self._stop(state, None)
        if state is None:
            state = PlaybackState(user_id=fact.user_id, session_id=fact.session_id)
        started = not same_item
        moved = abs(fact.position_ticks - state.position_ticks) >= PROGRESS_STEP_TICKS
        paused_changed = state.is_paused != fact.is_paused
        state.item_id = fact.item_id
        state.device_id = fact.device_id or state.device_id
        state.device_name = fact.device_name or state.device_name
        state.client = fact.client or state.client
        state.runtime_ticks = fact.runtime_ticks or state.runtime_ticks
        state.position_ticks = fact.position_ticks
        state.is_paused = fact.is_paused
        state.state = "paused" if fact.is_paused else "playing"
        state.updated_at = fact.at
        state.source = fact.source
        if started:
            state.started_at = fact.at - timedelta(seconds=fact.position_ticks / TICKS_PER_SECOND)
        await state.save()
        if started:
            events.append(
                self._publish(
                    "playback.started", self._state_data(state), fact.user_id, fact.source
                )
            )
        elif moved or paused_changed:
            events.append(
                self._publish(
                    "playback.progress", self._state_data(state), fact.user_id, fact.source
                )
            )
        return events

    async def _stop(self, state: PlaybackState, fact: PlaybackFact | None) -> list[Event]:
        """End the state's listen: reported by `fact`, or inferred (None) from its absence."""
        completed = bool(fact is not None and fact.played_to_completion)
        position = fact.position_ticks if fact is not None else 0
        runtime = (fact.runtime_ticks if fact is not None else 0) or state.runtime_ticks
        at = fact.at if fact is not None else datetime.now(UTC)
        if not position and not completed:
            # No position in the report (or no report): the last one Jellyfin gave, moved on
            # by the time played since (unless paused), and no further than the end.
            position = state.position_ticks
            if fact is None and not state.is_paused:
                played = max(0.0, (at - state.updated_at).total_seconds()) * TICKS_PER_SECOND
                position = int(position + played)
                if runtime:
                    position = min(position, runtime)
        source: Source = fact.source if fact is not None else "socket"
        play_fact = PlaybackFact(
            user_id=state.user_id,
            session_id=state.session_id,
            item_id=state.item_id or "",
            event="stop",
            position_ticks=position,
            runtime_ticks=runtime,
            at=at,
            source=source,
            device_name=state.device_name,
            client=state.client,
            played_to_completion=completed,
        )
        state.state = "stopped"
        state.position_ticks = position
        state.is_paused = False
        state.updated_at = at
        await state.save()
        events = [
            self._publish(
                "playback.stopped",
                self._state_data(state) | {"completed": completed},
                state.user_id,
                source,
            )
        ]
        return events + await self.plays.record(play_fact, state.started_at, inferred=fact is None)

    async def _snapshot(self, snap: SessionsSnapshot) -> list[Event]:
        events: list[Event] = []
        seen: set[tuple[str, str]] = set()
        for fact in snap.playing:
            seen.add((fact.user_id, fact.session_id))
            events += await self._playback(fact)
        query = PlaybackState.exclude(state="stopped")
        if snap.users is not None:
            query = query.filter(user_id__in=list(snap.users))
        for state in await query:
            if (state.user_id, state.session_id) not in seen:
                events += await self._stop(state, None)
        return events

    # -- library -----------------------------------------------------------------------------

    def _fresh(self, kind: str, ids: tuple[str, ...]) -> tuple[str, ...]:
        now = time.monotonic()
        fresh = []
        for item_id in ids:
            key = (kind, item_id)
            seen = self._library_seen.get(key)
            if seen is not None and now - seen < LIBRARY_DEDUPE_SECONDS:
                continue
            self._library_seen[key] = now
            self._library_seen.move_to_end(key)
            fresh.append(item_id)
        while len(self._library_seen) > _MEMORY:
            self._library_seen.popitem(last=False)
        return tuple(fresh)

    async def _library(self, fact: LibraryFact) -> list[Event]:
        # ItemAdded (webhook) and LibraryChanged (socket) name the same items: push them once.
        fresh = LibraryFact(
            added=self._fresh("added", fact.added),
            updated=fact.updated,
            removed=self._fresh("removed", fact.removed),
            at=fact.at,
            source=fact.source,
        )
        if not (fresh.added or fresh.updated or fresh.removed):
            return []
        if self.library_index is not None:
            try:
                await self.library_index.apply(fresh)
            except Exception:
                _LOGGER.exception("Updating the library index failed; the next sync catches up")
        data = {
            "added": list(fresh.added),
            "updated": list(fresh.updated),
            "removed": list(fresh.removed),
        }
        return [self._publish("library.changed", data, None, fact.source)]
