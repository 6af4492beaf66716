"""Never stop the music: a queue grows when playback reaches its last items."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp

from companion import keys
from companion.events import Event
from companion.vibe.extend import TRIGGERS
from tests.vibe.conftest import VibeEnv

TICKS = 10_000_000


class Triggers:
    """The playback events the extender sees, in the order it sees them (same bus filter).

    Open it before the test's first playback: the extender's `handled` count then tells how
    many of these it has finished with.
    """

    def __init__(self, vibe_env: VibeEnv) -> None:
        self.extender = vibe_env.app[keys.VIBE_EXTENDER]
        self.stream = vibe_env.app[keys.BUS].stream(TRIGGERS, name="test-triggers")
        self.base = self.extender.handled
        self.seen: list[Event] = []

    async def handled(self, event_type: str, item_id: str, user_id: str | None = None) -> None:
        """Wait until the extender has handled the next such event (and everything before it)."""
        async with asyncio.timeout(30):  # only stops a hang
            while True:
                found = [
                    n
                    for n, e in enumerate(self.seen)
                    if e.type == event_type
                    and e.data.get("item_id") == item_id
                    and (user_id is None or e.user_id == user_id)
                ]
                if found:
                    break
                self.seen += await self.stream.get_batch()
            # Consumed: the next wait for the same item looks at later events.
            position = found[0] + 1
            self.seen[found[0]] = Event("consumed")
            while self.extender.handled - self.base < position:
                await asyncio.sleep(0.01)

    def close(self) -> None:
        """Stop following."""
        self.stream.close()


async def _next_vibe_event(stream: Any, timeout: float = 30.0) -> Event:
    async with asyncio.timeout(timeout):
        while True:
            for event in await stream.get_batch():
                if event.type == "vibe.queue" and event.data["reason"] == "extended":
                    return event  # type: ignore[no-any-return]


async def test_queue_extends_near_its_end_and_on_the_device(vibe_env: VibeEnv) -> None:
    lib = vibe_env.jellyfin.library
    triggers = Triggers(vibe_env)
    sid = await vibe_env.play(lib.tracks[0].id, "start")
    queue = await vibe_env.vibe(mode="similar", ref=f"jellyfin:{lib.tracks[70].id}", limit=10)
    ids = [i["ref"].split(":", 1)[1] for i in queue["items"]]
    resp = await vibe_env.client.post(
        f"/api/vibe/{queue['id']}/play", json={"session_id": sid}, headers=vibe_env.headers
    )
    assert resp.status == 200
    stream = vibe_env.app[keys.BUS].stream(["vibe.queue"], name="test")
    try:
        # Early in the queue: nothing happens.
        await vibe_env.play(ids[2], "start")
        await triggers.handled("playback.started", ids[2])
        assert not [e for e in await _drain(stream) if e.data["reason"] == "extended"]
        # Three from the end: the queue grows.
        await vibe_env.play(ids[7], "start")
        event = await _next_vibe_event(stream)
    finally:
        stream.close()
    assert event.user_id == vibe_env.user_id
    assert event.data["queue_id"] == queue["id"] and event.data["item_count"] > 10
    added = [r.split(":", 1)[1] for r in event.data["added"]]
    assert added and not set(added) & set(ids)
    stored = await (
        await vibe_env.client.get(f"/api/vibe/{queue['id']}", headers=vibe_env.headers)
    ).json()
    stored_ids = [i["ref"].split(":", 1)[1] for i in stored["items"]]
    assert stored_ids[:10] == ids and stored_ids[10:] == added
    # The device playing the queue got the new tracks appended.
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{vibe_env.jellyfin.url}/__fake__/remote_commands") as r,
    ):
        commands = await r.json()
    assert commands[-1]["Data"]["PlayCommand"] == "PlayLast"
    assert commands[-1]["Data"]["ItemIds"] == added and commands[-1]["SessionId"] == sid
    # More progress on the same item no longer triggers: it is far from the new end.
    extender = vibe_env.app[keys.VIBE_EXTENDER]
    count = extender.extended
    await vibe_env.play(ids[7], "progress", position_ticks=30 * TICKS)
    await triggers.handled("playback.progress", ids[7])
    triggers.close()
    assert extender.extended == count


async def _drain(stream: Any) -> list[Event]:
    out: list[Event] = []
    while len(stream):
        out += await stream.get_batch()
    return out


async def test_other_users_and_stale_items_do_not_extend(vibe_env: VibeEnv) -> None:
    lib = vibe_env.jellyfin.library
    triggers = Triggers(vibe_env)
    queue = await vibe_env.vibe(mode="similar", ref=f"jellyfin:{lib.tracks[80].id}", limit=5)
    last = queue["items"][-1]["ref"].split(":", 1)[1]
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{vibe_env.jellyfin.url}/__fake__/users/guest/playback",
            json={"item_id": last, "event": "start", "device": "Guest phone"},
        ) as resp,
    ):
        assert resp.status == 200
    await triggers.handled("playback.started", last, vibe_env.jellyfin.user_id("guest"))
    triggers.close()
    assert vibe_env.app[keys.VIBE_EXTENDER].extended == 0
    # The owner reaching the end extends it.
    await vibe_env.play(last, "start")
    async with asyncio.timeout(30):  # only stops a hang
        while vibe_env.app[keys.VIBE_EXTENDER].extended == 0:
            await asyncio.sleep(0.02)
