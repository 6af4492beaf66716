"""The event bus: typed events, bounded per-subscriber queues, slow subscribers dropped."""

from __future__ import annotations

import asyncio
import inspect
import logging
import uuid
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

_LOGGER = logging.getLogger(__name__)

DEFAULT_QUEUE_SIZE = 2048

Handler = Callable[["Event"], Awaitable[None] | None]
Unsubscribe = Callable[[], None]


def _new_id() -> str:
    return uuid.uuid4().hex


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class Event:
    """One fact that happened: `{"type", "id", "at", "user_id"?, "source", "data"}`."""

    type: str
    data: dict[str, Any] = field(default_factory=dict)
    user_id: str | None = None
    source: str = "companion"
    id: str = field(default_factory=_new_id)
    at: datetime = field(default_factory=_now)

    def as_dict(self) -> dict[str, Any]:
        """Return the JSON shape sent to clients."""
        return {
            "type": self.type,
            "id": self.id,
            "at": self.at.isoformat(),
            "user_id": self.user_id,
            "source": self.source,
            "data": self.data,
        }


class SubscriberDropped(Exception):
    """Raised to a stream's reader after the bus dropped it for falling behind."""


class EventStream:
    """A bounded queue of events for one subscriber, read in batches or one by one."""

    __slots__ = (
        "_bus",
        "_queue",
        "_waiter",
        "closed",
        "cluster",
        "dropped",
        "event_types",
        "maxsize",
        "name",
    )

    def __init__(
        self,
        bus: EventBus,
        event_types: frozenset[str] | None,
        maxsize: int,
        name: str,
        cluster: bool = False,
    ) -> None:
        self._bus = bus
        self._queue: deque[Event] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self.event_types = event_types
        self.maxsize = maxsize
        self.name = name
        # True: also events other replicas published (clients, caches, the leader's hooks).
        self.cluster = cluster
        self.closed = False
        self.dropped = False

    def __len__(self) -> int:
        return len(self._queue)

    def _offer(self, event: Event) -> bool:
        """Queue an event; False when full (the bus then drops this stream)."""
        if len(self._queue) >= self.maxsize:
            return False
        self._queue.append(event)
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)
        return True

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    async def get_batch(self) -> list[Event]:
        """Wait for events and return all queued ones; raise when closed or dropped."""
        while not self._queue:
            if self.dropped:
                raise SubscriberDropped(self.name)
            if self.closed:
                raise StopAsyncIteration
            self._waiter = asyncio.get_running_loop().create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        batch = list(self._queue)
        self._queue.clear()
        return batch

    async def __aiter__(self) -> AsyncIterator[Event]:
        while True:
            try:
                batch = await self.get_batch()
            except StopAsyncIteration:
                return
            for event in batch:
                yield event

    def close(self) -> None:
        """Unsubscribe; a reader waiting on the stream ends."""
        if not self.closed:
            self.closed = True
            self._bus._remove(self)
            self._wake()


class EventBus:
    """In-process publish/subscribe; publishing never waits for a subscriber.

    With replicas, events published here are also handed to `relay` (which carries them to
    the other replicas), and events arriving from other replicas are published with
    `remote=True`: only streams opened with `cluster=True` see those. Side effects (writes,
    outgoing calls) thus run once, on the replica where the event was born, while clients and
    caches of every replica see every event.
    """

    def __init__(self, default_maxsize: int = DEFAULT_QUEUE_SIZE) -> None:
        self._streams: list[EventStream] = []
        self._by_type: dict[tuple[str, bool], tuple[EventStream, ...]] = {}
        self.relay: Callable[[Event], None] | None = None
        # Writes an event to the replicas' log inside the caller's transaction (replicas only).
        self.logger: Callable[[Event, Any], Awaitable[None]] | None = None
        # Told when a logged event's transaction has committed (the others are then woken).
        self.announce: Callable[[Event], None] | None = None
        self._default_maxsize = default_maxsize
        self._tasks: set[asyncio.Task[None]] = set()
        self.published = 0
        self.dropped_subscribers = 0

    @property
    def depth(self) -> int:
        """Events queued across all subscribers, waiting to be read."""
        return sum(len(s) for s in self._streams)

    @property
    def subscriber_count(self) -> int:
        """Number of live subscriptions."""
        return len(self._streams)

    def stream(
        self,
        event_types: Iterable[str] | None = None,
        *,
        maxsize: int | None = None,
        name: str = "stream",
        cluster: bool = False,
    ) -> EventStream:
        """Open a stream of events (all types when event_types is None).

        `cluster=True` also receives the events of other replicas (the same as local ones
        when the companion runs alone).
        """
        types = frozenset(event_types) if event_types is not None else None
        stream = EventStream(self, types, maxsize or self._default_maxsize, name, cluster)
        self._streams.append(stream)
        self._by_type.clear()
        return stream

    def subscribe(
        self,
        handler: Handler,
        event_types: Iterable[str] | None = None,
        *,
        maxsize: int | None = None,
        name: str | None = None,
        cluster: bool = False,
    ) -> Unsubscribe:
        """Call handler for every matching event from a task of its own; returns unsubscribe."""
        label: str = name or str(getattr(handler, "__qualname__", "handler"))
        stream = self.stream(event_types, maxsize=maxsize, name=label, cluster=cluster)
        is_async = inspect.iscoroutinefunction(handler)

        async def consume() -> None:
            try:
                while True:
                    for event in await stream.get_batch():
                        try:
                            if is_async:
                                await handler(event)  # type: ignore[misc]
                            else:
                                handler(event)
                        except Exception:
                            _LOGGER.exception("Event handler %s failed on %s", label, event.type)
            except (StopAsyncIteration, SubscriberDropped):
                return

        task = asyncio.get_running_loop().create_task(consume(), name=f"bus:{label}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

        def unsubscribe() -> None:
            stream.close()

        return unsubscribe

    async def log(self, event: Event, conn: Any) -> None:
        """Log `event` for the other replicas in the transaction `conn` (nothing alone); publish
        it with `logged=True` once that transaction committed."""
        if self.logger is not None:
            await self.logger(event, conn)

    def publish(self, event: Event, *, remote: bool = False, logged: bool = False) -> None:
        """Deliver event to every matching subscriber without waiting; drop full ones.

        `remote` marks an event another replica published (it reaches cluster streams only
        and is not relayed again); `logged` one already in the replicas' log (see `log`).
        """
        self.published += 1
        if not remote and not logged and self.relay is not None:
            self.relay(event)
        if logged and self.announce is not None:
            self.announce(event)
        key = (event.type, remote)
        targets = self._by_type.get(key)
        if targets is None:
            targets = tuple(
                s
                for s in self._streams
                if (s.event_types is None or event.type in s.event_types)
                and (s.cluster or not remote)
            )
            self._by_type[key] = targets
        for stream in targets:
            if not stream._offer(event):
                self._drop(stream)

    def _drop(self, stream: EventStream) -> None:
        if stream.dropped or stream.closed:
            return
        stream.dropped = True
        self.dropped_subscribers += 1
        self._remove(stream)
        _LOGGER.warning(
            "Dropped slow event subscriber %r: its queue of %d events was full",
            stream.name,
            stream.maxsize,
        )
        stream._wake()

    def _remove(self, stream: EventStream) -> None:
        try:
            self._streams.remove(stream)
        except ValueError:
            return
        self._by_type.clear()

    async def close(self) -> None:
        """Close every stream and wait for handler tasks to finish."""
        for stream in list(self._streams):
            stream.close()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
