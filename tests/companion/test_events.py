"""The event bus: delivery, filtering, unsubscribe, and dropping slow subscribers."""

from __future__ import annotations

import asyncio

import pytest

from companion.events import Event, EventBus, SubscriberDropped


async def test_subscribe_delivers_in_order_and_unsubscribes() -> None:
    bus = EventBus()
    got: list[int] = []
    fifth = asyncio.Event()

    def handler(event: Event) -> None:
        got.append(event.data["n"])
        if event.data["n"] == 4:
            fifth.set()

    unsubscribe = bus.subscribe(handler)
    for n in range(5):
        bus.publish(Event("x", {"n": n}))
    await asyncio.wait_for(fifth.wait(), 30)
    assert got == [0, 1, 2, 3, 4]
    unsubscribe()
    bus.publish(Event("x", {"n": 5}))
    assert bus.subscriber_count == 0
    # close() returns once every handler task has ended: anything it would deliver is in by now.
    await asyncio.wait_for(bus.close(), 30)
    assert got == [0, 1, 2, 3, 4]


async def test_filter_by_type_and_async_handlers() -> None:
    bus = EventBus()
    got: list[str] = []

    async def handler(event: Event) -> None:
        got.append(event.type)

    bus.subscribe(handler, ["favorite.changed"])
    bus.publish(Event("playback.started"))
    bus.publish(Event("favorite.changed"))
    # One queue per subscriber, in order: a delivered playback.started would come first.
    await asyncio.wait_for(bus.close(), 30)
    assert got == ["favorite.changed"]


async def test_failing_handler_does_not_stop_delivery() -> None:
    bus = EventBus()
    got: list[int] = []

    def handler(event: Event) -> None:
        if event.data["n"] == 1:
            raise ValueError("boom")
        got.append(event.data["n"])

    bus.subscribe(handler)
    for n in range(3):
        bus.publish(Event("x", {"n": n}))
    # close() drains what is queued and waits for the handler task to end.
    await asyncio.wait_for(bus.close(), 30)
    assert got == [0, 2]


async def test_stalled_subscriber_is_dropped_and_others_get_everything(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = EventBus()
    stalled = bus.stream(maxsize=10, name="stalled")
    healthy = bus.stream(maxsize=10_000, name="healthy")
    for n in range(100):
        bus.publish(Event("x", {"n": n}))
    assert stalled.dropped and not healthy.dropped
    assert bus.dropped_subscribers == 1
    assert "Dropped slow event subscriber 'stalled'" in caplog.text
    batch = await healthy.get_batch()
    assert [e.data["n"] for e in batch] == list(range(100))
    # The stalled reader gets what it had, then learns it was dropped.
    assert len(await stalled.get_batch()) == 10
    with pytest.raises(SubscriberDropped):
        await stalled.get_batch()
    await bus.close()


async def test_stream_iteration_ends_on_close() -> None:
    bus = EventBus()
    stream = bus.stream(["a"])
    received: list[str] = []

    async def reader() -> None:
        async for event in stream:
            received.append(event.id)

    task = asyncio.create_task(reader())
    event = Event("a")
    bus.publish(event)
    stream.close()
    # Events queued before the close are still read, then the iteration ends.
    await asyncio.wait_for(task, 30)
    assert received == [event.id]


def test_event_shape() -> None:
    event = Event(
        "favorite.changed", {"ref": "jellyfin:" + "a" * 32}, user_id="u1", source="webhook"
    )
    shape = event.as_dict()
    assert set(shape) == {"type", "id", "at", "user_id", "source", "data"}
    assert len(shape["id"]) == 32 and shape["at"].endswith("+00:00")


async def test_depth_counts_queued_events() -> None:
    bus = EventBus()
    bus.stream()
    bus.stream(["other"])
    bus.publish(Event("x"))
    bus.publish(Event("x"))
    assert bus.depth == 2
    assert bus.published == 2
