"""The bus with replicas: local events reach every stream and the relay; remote ones only the
streams that asked for every replica's events, and are never relayed again."""

from __future__ import annotations

import asyncio

from companion.cluster.base import Cluster
from companion.events import Event, EventBus


async def test_remote_events_reach_cluster_streams_only_and_are_not_relayed() -> None:
    bus = EventBus()
    relayed: list[str] = []
    bus.relay = lambda event: relayed.append(event.id)
    local = bus.stream(name="side-effects")
    everywhere = bus.stream(name="clients", cluster=True)

    mine = Event("favorite.changed", {"item_id": "a"})
    theirs = Event("favorite.changed", {"item_id": "b"})
    bus.publish(mine)
    bus.publish(theirs, remote=True)

    assert [e.id for e in await local.get_batch()] == [mine.id]
    assert [e.id for e in await everywhere.get_batch()] == [mine.id, theirs.id]
    assert relayed == [mine.id]
    await bus.close()


async def test_alone_the_singleton_work_starts_at_once_and_stops_in_reverse() -> None:
    cluster = Cluster()
    order: list[str] = []

    def work(name: str) -> tuple[object, object]:
        async def start() -> None:
            order.append(f"start {name}")

        async def stop() -> None:
            order.append(f"stop {name}")

        return start, stop

    for name in ("inbox", "outbox"):
        start, stop = work(name)
        cluster.singleton(name, start, stop)  # type: ignore[arg-type]
    woken = asyncio.Event()
    cluster.on_signal("webhook-inbox", woken.set)

    await cluster.start()
    cluster.signal("webhook-inbox")
    await cluster.stop()

    assert cluster.leading is False
    assert woken.is_set()
    assert order == ["start inbox", "start outbox", "stop outbox", "stop inbox"]


async def test_work_added_at_run_time_starts_when_owned_and_release_stops_it() -> None:
    cluster = Cluster()
    calls: list[str] = []

    async def start() -> None:
        calls.append("start")

    async def stop() -> None:
        calls.append("stop")

    release = await cluster.run_singleton("homeassistant:1", start, stop)
    await cluster.start()  # already running: not started again
    assert calls == ["start"]
    await release()
    await cluster.stop()  # released: not stopped again
    assert calls == ["start", "stop"]
