"""Two PostgresCluster instances in one process on a real PostgreSQL: events, signals, shared
locks and the hand-over of ownership when the owner's connection dies."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from companion.cluster.postgres import PostgresCluster
from companion.events import Event, EventBus
from tests.replicas.harness import database_url, fresh_database, postgres_reachable

pytestmark = [pytest.mark.timeout(120)]


async def _schema() -> None:
    import asyncpg

    await fresh_database()
    conn = await asyncpg.connect(database_url())
    try:
        await conn.execute(
            "CREATE TABLE cluster_events (seq BIGSERIAL PRIMARY KEY, origin VARCHAR(64) NOT NULL, "
            "at TIMESTAMPTZ NOT NULL, body TEXT NOT NULL)"
        )
    finally:
        await conn.close()


@pytest.fixture
async def pair() -> AsyncIterator[tuple[tuple[PostgresCluster, EventBus], ...]]:
    if not await postgres_reachable():
        pytest.skip("PostgreSQL is not reachable (REPLICAS_ADMIN_DATABASE_URL)")
    await _schema()
    made = []
    for name in ("a", "b"):
        bus = EventBus()
        cluster = PostgresCluster(database_url(), name)
        cluster.attach(bus)
        await cluster.connect()
        made.append((cluster, bus))
    yield tuple(made)
    for cluster, bus in made:
        await cluster.stop()
        await cluster.close()
        await bus.close()


async def _next(stream: object, count: int) -> list[Event]:
    got: list[Event] = []
    while len(got) < count:
        got += await asyncio.wait_for(stream.get_batch(), timeout=30)  # type: ignore[attr-defined]
    return got


async def test_events_reach_the_other_replica_once_in_order(
    pair: tuple[tuple[PostgresCluster, EventBus], ...],
) -> None:
    (_, bus_a), (_, bus_b) = pair
    at_a = bus_a.stream(cluster=True)
    at_b = bus_b.stream(cluster=True)
    sent = [Event("favorite.changed", {"item_id": str(n)}, user_id="u") for n in range(300)]
    for event in sent:
        bus_a.publish(event)
    got = await _next(at_b, 300)
    assert [e.id for e in got] == [e.id for e in sent]
    assert got[0].data == {"item_id": "0"} and got[0].user_id == "u"
    # The publisher's own streams saw them once (not again from the log).
    assert [e.id for e in await _next(at_a, 300)] == [e.id for e in sent]
    bus_b.publish(Event("marker"))
    assert [e.type for e in await _next(at_a, 1)] == ["marker"]


async def test_signals_wake_every_replica(
    pair: tuple[tuple[PostgresCluster, EventBus], ...],
) -> None:
    (a, _), (b, _) = pair
    woken = asyncio.Event()
    b.on_signal("webhook-inbox", woken.set)
    a.signal("webhook-inbox")
    await asyncio.wait_for(woken.wait(), timeout=30)


async def test_shared_lock_serialises_replicas(
    pair: tuple[tuple[PostgresCluster, EventBus], ...],
) -> None:
    (a, _), (b, _) = pair
    inside: list[str] = []

    async def hold(cluster: PostgresCluster, name: str) -> None:
        async with cluster.lock("playlist:1"):
            inside.append(f"in {name}")
            await asyncio.sleep(0.2)
            inside.append(f"out {name}")

    await asyncio.gather(hold(a, "a"), hold(b, "b"))
    async with a.lock("history-import:7"):
        assert await b.held_elsewhere("history-import:7")
    assert not await b.held_elsewhere("history-import:7")
    # Never both inside: every "in" is followed by its own "out".
    assert inside[0].split()[1] == inside[1].split()[1]
    assert inside[2].split()[1] == inside[3].split()[1]


async def test_ownership_moves_when_the_owner_connection_dies(
    pair: tuple[tuple[PostgresCluster, EventBus], ...],
) -> None:
    import asyncpg

    (a, _), (b, _) = pair
    started: asyncio.Queue[str] = asyncio.Queue()
    stopped: asyncio.Queue[str] = asyncio.Queue()
    for cluster in (a, b):

        async def start(name: str = cluster.replica_id) -> None:
            await started.put(name)

        async def stop(name: str = cluster.replica_id) -> None:
            await stopped.put(name)

        cluster.singleton("work", start, stop)
    await a.start()
    assert await asyncio.wait_for(started.get(), timeout=30) == "a"
    await b.start()
    # As the server would after a kill -9: end a's ownership session.
    admin = await asyncpg.connect(database_url())
    try:
        await admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'companion a' AND pid IN "
            "(SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted)"
        )
    finally:
        await admin.close()
    assert await asyncio.wait_for(stopped.get(), timeout=30) == "a"
    assert await asyncio.wait_for(started.get(), timeout=30) == "b"


async def test_an_event_logged_in_a_transaction_is_seen_only_once_it_commits(
    pair: tuple[tuple[PostgresCluster, EventBus], ...],
) -> None:
    from tortoise import Tortoise
    from tortoise.transactions import in_transaction

    (_, bus_a), (_, bus_b) = pair
    at_b = bus_b.stream(cluster=True)
    await Tortoise.init(db_url=database_url(), modules={"models": ["companion.cluster.models"]})
    try:
        dropped = Event("favorite.changed", {"item_id": "rolled-back"})
        kept = Event("favorite.changed", {"item_id": "committed"})
        try:
            async with in_transaction() as conn:
                await bus_a.log(dropped, conn)
                raise RuntimeError("the change failed")
        except RuntimeError:
            pass
        async with in_transaction() as conn:
            await bus_a.log(kept, conn)
        bus_a.publish(kept, logged=True)
        bus_a.publish(Event("marker"))
        got = await _next(at_b, 2)
        assert [e.id for e in got] == [kept.id, got[1].id] and got[1].type == "marker"
    finally:
        await Tortoise.close_connections()
