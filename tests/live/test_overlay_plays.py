"""Plays reported by two sources in either order become one row with the best knowledge, and
one `play.recorded` per listen, decided from position and runtime."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from companion import keys
from companion.events import Event, EventStream
from companion.history.models import Play
from companion.providers.live import PlaybackFact, SessionsSnapshot

USER, SESSION, A, B = "a" * 32, "s1", "1" * 32, "2" * 32
RUNTIME = 200 * 10_000_000


MARKER = "test.marker"


async def _published(client: TestClient[Any, Any], stream: EventStream) -> list[Event]:
    """Every play.recorded published so far: a marker goes out last and is read back."""
    marker = Event(MARKER, {})
    client.app[keys.BUS].publish(marker)
    got: list[Event] = []
    while not got or got[-1] is not marker:
        got += await stream.get_batch()
    return got[:-1]


def _recorded(client: TestClient[Any, Any]) -> EventStream:
    return client.app[keys.BUS].stream(["play.recorded", MARKER])


def _fact(
    item: str, event: str, at: datetime, position: int = 0, source: str = "webhook", **kw: Any
) -> PlaybackFact:
    return PlaybackFact(
        USER, SESSION, item, event, position, at, source, runtime_ticks=RUNTIME, **kw
    )  # type: ignore[arg-type]


async def test_snapshot_stop_then_webhook_stop_is_one_counted_event(
    client: TestClient[Any, Any],
) -> None:
    writer = client.app[keys.LIVE].writer
    stream = _recorded(client)
    t0 = datetime.now(UTC)
    await writer.apply(_fact(A, "start", t0))
    # The socket's snapshot loses the session first; it only knows position 0. The row is
    # written at once, but the listen is not announced while the webhook may still report it.
    await writer.apply(SessionsSnapshot(playing=(), at=t0, source="socket"))
    (play,) = await Play.all()
    assert not play.counted and await _published(client, stream) == []
    # The webhook's stop comes 140 ms later with the real position: one event, counted.
    stop = _fact(A, "stop", t0 + timedelta(milliseconds=140), RUNTIME, played_to_completion=True)
    await writer.apply(stop)
    (play,) = await Play.all()
    assert play.counted and play.completed
    assert [
        (e.type, e.data["counted"], e.data["play_id"]) for e in await _published(client, stream)
    ] == [("play.recorded", True, play.id)]
    again = _fact(A, "stop", t0 + timedelta(seconds=2), RUNTIME, played_to_completion=True)
    assert await writer.apply(again) == []
    assert await _published(client, stream) == []


async def test_an_inferred_stop_nobody_reports_is_announced_after_the_grace(
    client: TestClient[Any, Any],
) -> None:
    writer = client.app[keys.LIVE].writer
    writer.plays.grace = 0.05
    stream = client.app[keys.BUS].stream(["play.recorded"])
    t0 = datetime.now(UTC)
    await writer.apply(_fact(A, "start", t0))
    await writer.apply(_fact(A, "progress", t0 + timedelta(seconds=150), 150 * 10_000_000))
    await writer.apply(SessionsSnapshot(playing=(), at=t0, source="socket"))
    async with asyncio.timeout(30):
        (event,) = await stream.get_batch()
    assert event.data["counted"] is True and event.data["position"] >= 150.0


async def test_a_skip_jellyfin_calls_completed_is_a_skip(client: TestClient[Any, Any]) -> None:
    writer = client.app[keys.LIVE].writer
    stream = _recorded(client)
    t0 = datetime.now(UTC)
    await writer.apply(_fact(A, "start", t0))
    # A 200 s song stopped at 30 %: under 300 s, Jellyfin marks it played to completion.
    await writer.apply(_fact(A, "stop", t0, 60 * 10_000_000, played_to_completion=True))
    (play,) = await Play.all()
    assert play.completed and not play.counted
    assert [e.data["skipped"] for e in await _published(client, stream)] == [True]


async def test_a_stop_without_position_is_a_real_end(client: TestClient[Any, Any]) -> None:
    writer = client.app[keys.LIVE].writer
    t0 = datetime.now(UTC)
    await writer.apply(_fact(A, "start", t0))
    await writer.apply(_fact(A, "progress", t0 + timedelta(seconds=20), 20 * 10_000_000))
    # The player reported no position (the plugin sends 0): Jellyfin assumed a full play.
    await writer.apply(_fact(A, "stop", t0 + timedelta(seconds=200), 0, played_to_completion=True))
    (play,) = await Play.all()
    assert play.counted and play.completed


async def test_late_stop_after_the_session_moved_on_is_one_play(
    client: TestClient[Any, Any],
) -> None:
    writer = client.app[keys.LIVE].writer
    t0 = datetime.now(UTC)
    await writer.apply(_fact(A, "start", t0, source="socket"))
    # The snapshot already shows the next track: A is closed by the socket path...
    await writer.apply(
        SessionsSnapshot(
            playing=(_fact(B, "progress", t0 + timedelta(seconds=200), source="socket"),),
            at=t0,
            source="socket",
        )
    )
    # ...and the webhook's stop for A arrives afterwards, claiming a start long before.
    await writer.apply(
        _fact(A, "stop", t0 + timedelta(seconds=200), RUNTIME, played_to_completion=True)
    )
    plays = await Play.filter(item_id=A)
    assert len(plays) == 1 and plays[0].counted
    # A late webhook start of A must not reopen A or close B.
    assert await writer.apply(_fact(A, "start", t0 + timedelta(seconds=1))) == []
    assert await Play.filter(item_id=B).count() == 0
