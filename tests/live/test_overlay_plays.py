"""Plays reported by two sources in either order become one row with the best knowledge."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.test_utils import TestClient

from companion import keys
from companion.history.models import Play
from companion.providers.live import PlaybackFact, SessionsSnapshot

USER, SESSION, A, B = "a" * 32, "s1", "1" * 32, "2" * 32
RUNTIME = 200 * 10_000_000


def _fact(
    item: str, event: str, at: datetime, position: int = 0, source: str = "webhook", **kw: Any
) -> PlaybackFact:
    return PlaybackFact(
        USER, SESSION, item, event, position, at, source, runtime_ticks=RUNTIME, **kw
    )  # type: ignore[arg-type]


async def test_snapshot_stop_then_webhook_stop_counts_the_play(
    client: TestClient[Any, Any],
) -> None:
    writer = client.app[keys.LIVE].writer
    t0 = datetime.now(UTC)
    await writer.apply(_fact(A, "start", t0, source="socket"))
    # The socket's snapshot loses the session first; it only knows position 0.
    await writer.apply(SessionsSnapshot(playing=(), at=t0, source="socket"))
    (play,) = await Play.all()
    assert not play.counted
    # The webhook's stop comes later with the real position: the same row is improved.
    events = await writer.apply(
        _fact(A, "stop", t0 + timedelta(seconds=1), RUNTIME, played_to_completion=True)
    )
    (play,) = await Play.all()
    assert play.counted and play.completed
    assert [e.type for e in events] == ["play.recorded"] and events[0].data["counted"] is True
    assert (
        await writer.apply(
            _fact(A, "stop", t0 + timedelta(seconds=2), RUNTIME, played_to_completion=True)
        )
        == []
    )


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
