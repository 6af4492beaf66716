"""The resolver: batching, cache, TTL, size bound, single-flight, per-user views, invalidation."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Sequence
from typing import Any

import pytest

from companion.errors import ServiceUnavailable
from companion.events import Event, EventBus
from companion.library.resolver import Resolver
from companion.media import MediaItem, Track, UserCredential, UserFields, make_ref
from companion.providers import Providers, ProviderUnavailable

ALICE = UserCredential("a" * 32, "token-a", "dev-a")
BOB = UserCredential("b" * 32, "token-b", "dev-b")


def _id(n: int) -> str:
    return f"{n:032x}"


class StubMedia:
    """A media server holding tracks 0..n-1; Bob cannot see odd ones; Alice likes track 0."""

    name = "stub"

    def __init__(self, n: int = 1500) -> None:
        self.ids = {_id(i) for i in range(n)}
        self.calls: list[tuple[str, int]] = []
        self.gate: asyncio.Event | None = None
        self.fail = False

    async def get_many(self, cred: UserCredential, ids: Sequence[str]) -> list[MediaItem]:
        self.calls.append((cred.user_id, len(ids)))
        assert len(ids) <= 200
        if self.gate is not None:
            await self.gate.wait()
        if self.fail:
            raise ProviderUnavailable("down")
        out: list[MediaItem] = []
        for iid in ids:
            if iid not in self.ids or (cred is BOB and int(iid, 16) % 2):
                continue
            fields = UserFields(favorite=cred is ALICE and iid == _id(0), play_count=1)
            out.append(Track(ref=make_ref(iid), name=f"t{iid[-4:]}", user=fields))
        return out


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def media() -> StubMedia:
    return StubMedia()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def resolver(media: StubMedia, clock: Clock) -> Resolver:
    providers = Providers()
    providers.media = media  # type: ignore[assignment]
    return Resolver(providers, ttl=300, max_items=5000, clock=clock)


async def test_order_duplicates_and_missing(resolver: Resolver, media: StubMedia) -> None:
    ids = [_id(5), _id(99999), _id(1), _id(5)]
    items = await resolver.resolve(ALICE, ids)
    assert [i.ref if i else None for i in items] == [
        make_ref(_id(5)),
        None,
        make_ref(_id(1)),
        make_ref(_id(5)),
    ]
    assert media.calls == [(ALICE.user_id, 3)]
    # Missing ids are remembered too: no call on the second round.
    await resolver.resolve(ALICE, ids)
    assert len(media.calls) == 1


async def test_cold_chunks_and_warm_zero(resolver: Resolver, media: StubMedia) -> None:
    ids = [_id(i) for i in range(1000)]
    await resolver.resolve(ALICE, ids)
    assert len(media.calls) == math.ceil(1000 / 200)
    await resolver.resolve(ALICE, ids)
    assert len(media.calls) == 5


async def test_single_flight(resolver: Resolver, media: StubMedia) -> None:
    media.gate = asyncio.Event()
    ids = [_id(i) for i in range(1000)]
    tasks = [asyncio.create_task(resolver.resolve(ALICE, ids)) for _ in range(50)]
    await asyncio.sleep(0)
    media.gate.set()
    results = await asyncio.gather(*tasks)
    assert len(media.calls) == 5
    assert all(r == results[0] for r in results)


async def test_a_cancelled_caller_does_not_break_the_others(
    resolver: Resolver, media: StubMedia
) -> None:
    media.gate = asyncio.Event()
    first = asyncio.create_task(resolver.resolve(ALICE, [_id(1)]))
    second = asyncio.create_task(resolver.resolve(ALICE, [_id(1)]))
    await asyncio.sleep(0)
    first.cancel()
    media.gate.set()
    (item,) = await second
    assert item is not None and len(media.calls) == 1


async def test_ttl_expiry(resolver: Resolver, media: StubMedia, clock: Clock) -> None:
    await resolver.resolve(ALICE, [_id(1)])
    clock.now += 299
    await resolver.resolve(ALICE, [_id(1)])
    assert len(media.calls) == 1
    clock.now += 2
    await resolver.resolve(ALICE, [_id(1)])
    assert len(media.calls) == 2


async def test_size_bound(media: StubMedia, clock: Clock) -> None:
    providers = Providers()
    providers.media = media  # type: ignore[assignment]
    small = Resolver(providers, max_items=100, clock=clock)
    await small.resolve(ALICE, [_id(i) for i in range(300)])
    assert len(small) == 100
    await small.resolve(ALICE, [_id(299)])  # most recent stays
    assert len(media.calls) == 2
    await small.resolve(ALICE, [_id(0)])  # the oldest was evicted
    assert len(media.calls) == 3


async def test_users_get_their_own_views(resolver: Resolver, media: StubMedia) -> None:
    ids = [_id(0), _id(1)]
    alice = await resolver.resolve(ALICE, ids)
    bob = await resolver.resolve(BOB, ids)
    # Bob's own query decides what he sees: nothing leaks from Alice's cache.
    assert [c[0] for c in media.calls] == [ALICE.user_id, BOB.user_id]
    assert alice[0] is not None and alice[0].user.favorite is True
    assert bob[0] is not None and bob[0].user.favorite is False
    assert alice[1] is not None and bob[1] is None
    # Metadata is stored once and shared between the views.
    assert alice[0].name is bob[0].name


async def test_failure_reaches_every_waiter_and_is_not_cached(
    resolver: Resolver, media: StubMedia
) -> None:
    media.fail = True
    media.gate = asyncio.Event()
    tasks = [asyncio.create_task(resolver.resolve(ALICE, [_id(1), _id(2)])) for _ in range(3)]
    await asyncio.sleep(0)
    media.gate.set()
    for task in tasks:
        with pytest.raises(ServiceUnavailable):
            await task
    media.fail = False
    assert (await resolver.resolve(ALICE, [_id(1)]))[0] is not None


async def test_library_changed_event_invalidates(resolver: Resolver, media: StubMedia) -> None:
    bus = EventBus()
    unsubscribe = resolver.subscribe(bus)
    await resolver.resolve(ALICE, [_id(1), _id(2)])
    hyphenated = "-".join([_id(2)[:8], _id(2)[8:12], _id(2)[12:16], _id(2)[16:20], _id(2)[20:]])
    bus.publish(Event("library.changed", {"added": [], "updated": [hyphenated], "removed": []}))
    async with asyncio.timeout(30):  # the bus delivers from a task of its own
        while resolver.cached(_id(2)):
            await asyncio.sleep(0.001)
    await resolver.resolve(ALICE, [_id(1), _id(2)])
    assert media.calls[-1] == (ALICE.user_id, 1)
    unsubscribe()
    await bus.close()


async def test_favorite_changed_drops_only_that_users_view(
    resolver: Resolver, media: StubMedia
) -> None:
    await resolver.resolve(ALICE, [_id(0)])
    await resolver.resolve(BOB, [_id(0)])
    resolver.on_event(
        Event("favorite.changed", {"item_id": _id(0), "favorite": False}, user_id=ALICE.user_id)
    )
    await resolver.resolve(BOB, [_id(0)])
    assert len(media.calls) == 2
    await resolver.resolve(ALICE, [_id(0)])
    assert len(media.calls) == 3


async def test_fetch_started_before_an_invalidation_fills_nothing(
    resolver: Resolver, media: StubMedia
) -> None:
    media.gate = asyncio.Event()
    task = asyncio.create_task(resolver.resolve(ALICE, [_id(3)]))
    await asyncio.sleep(0)
    resolver.invalidate([_id(3)])
    media.gate.set()
    assert (await task)[0] is not None
    assert not resolver.cached(_id(3))


async def test_no_provider_is_503() -> None:
    resolver = Resolver(Providers())
    with pytest.raises(ServiceUnavailable):
        await resolver.resolve(ALICE, [_id(1)])


def test_credential_repr_hides_the_token() -> None:
    assert "token-a" not in repr(ALICE)
    assert isinstance(repr(ALICE), str) and Any is not None
