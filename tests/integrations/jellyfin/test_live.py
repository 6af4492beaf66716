"""JellyfinLive against the fake Jellyfin's /socket: facts, keepalive, reconnects, 403, close."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import aiohttp
import pytest

from companion.integration.types import ConfigEntry, IntegrationContext
from companion.providers.live import (
    Fact,
    LibraryFact,
    ScanFinishedFact,
    SessionsSnapshot,
    SocketCredential,
    UserDataFact,
)
from companion.testing.jellyfin import FAKE_API_KEY, FakeJellyfin
from integrations.jellyfin import async_setup_entry, async_unload_entry
from integrations.jellyfin.client import JellyfinClient
from integrations.jellyfin.live import JellyfinLive, JellyfinLiveSocket

WAIT = 30.0  # only stops a hang


class Recorder:
    """A sink and on_connect callback that tests can wait on."""

    def __init__(self) -> None:
        self.facts: list[Fact] = []
        self.connects = 0
        self._changed = asyncio.Condition()

    async def sink(self, fact: Fact) -> None:
        async with self._changed:
            self.facts.append(fact)
            self._changed.notify_all()

    async def on_connect(self) -> None:
        async with self._changed:
            self.connects += 1
            self._changed.notify_all()

    async def until(self, predicate: Callable[[], bool], timeout: float = WAIT) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    def of(self, kind: type[Any]) -> list[Any]:
        return [f for f in self.facts if isinstance(f, kind)]


async def until(predicate: Callable[[], bool], timeout: float = WAIT) -> None:
    """Poll a condition on the fake (bounded)."""

    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.02)

    await asyncio.wait_for(poll(), timeout)


@pytest.fixture(autouse=True)
def fast_backoff(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(JellyfinLiveSocket, "backoff_initial", 0.05)
    monkeypatch.setattr(JellyfinLiveSocket, "backoff_max", 0.2)


# The keepalive test's socket timeout: the client answers every timeout/2, so a loaded machine
# has 2 s of slack before the fake reaps a socket. Other tests keep Jellyfin's default (60 s):
# their connect and reconnect counts must not depend on how busy the machine is.
KEEPALIVE_TEST_TIMEOUT = 4.0


@pytest.fixture
def socket_timeout() -> float:
    """The fake's ForceKeepAlive timeout (Jellyfin's default unless a test overrides it)."""
    return 60.0


@pytest.fixture
async def jf(socket_timeout: float) -> AsyncIterator[FakeJellyfin]:
    # 12.0 accepts only the Authorization header and ?ApiKey=.
    server = FakeJellyfin(tracks=200, version="12.0.0", socket_timeout=socket_timeout)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def live(jf: FakeJellyfin, session: aiohttp.ClientSession) -> AsyncIterator[JellyfinLive]:
    source = JellyfinLive(
        lambda cred: JellyfinClient(
            jf.url, session=session, token=cred.token, device_id=cred.device_id
        )
    )
    try:
        yield source
    finally:
        await source.close()


async def login(jf: FakeJellyfin, session: aiohttp.ClientSession, name: str) -> SocketCredential:
    device_id = f"companion-{name}"
    auth = await JellyfinClient(jf.url, session=session, device_id=device_id).authenticate(
        name, name
    )
    return SocketCredential(
        user_id=auth.user.id,
        token=auth.access_token,
        device_id=device_id,
        is_admin=auth.user.is_admin,
    )


async def opened(
    live: JellyfinLive, cred: SocketCredential, *, sessions: bool = False
) -> tuple[JellyfinLiveSocket, Recorder]:
    rec = Recorder()
    sock = await live.open(cred, rec.sink, sessions=sessions, on_connect=rec.on_connect)
    await rec.until(lambda: rec.connects == 1)
    assert sock.status.connected
    return sock, rec


def socket_requests(jf: FakeJellyfin) -> int:
    return sum(1 for r in jf.state.requests if r["path"] == "/socket")


async def test_favorite_reaches_only_that_users_socket(
    jf: FakeJellyfin, live: JellyfinLive, session: aiohttp.ClientSession
) -> None:
    guest, demo = await login(jf, session, "guest"), await login(jf, session, "demo")
    _, guest_rec = await opened(live, guest)
    _, demo_rec = await opened(live, demo)
    track = jf.library.tracks[0]
    url = f"{jf.url}/__fake__/users/guest/favorites/{track.id}"

    async with session.post(url) as resp:
        assert resp.status == 200
    await guest_rec.until(lambda: len(guest_rec.of(UserDataFact)) >= 2)
    by_item = {f.item_id: f for f in guest_rec.of(UserDataFact)}
    fact = by_item[track.id]
    assert fact.user_id == guest.user_id and fact.is_favorite and fact.source == "socket"
    assert track.album_id in by_item  # the parent album's entry is passed on too

    async with session.delete(url) as resp:
        assert resp.status == 200
    await guest_rec.until(
        lambda: any(f.item_id == track.id and not f.is_favorite for f in guest_rec.of(UserDataFact))
    )
    # demo's own toggle afterwards travels the same path: once it has arrived, anything of
    # guest's sent to demo's socket would have arrived before it.
    marker = jf.library.tracks[30]
    async with session.post(f"{jf.url}/__fake__/users/demo/favorites/{marker.id}") as resp:
        assert resp.status == 200
    await demo_rec.until(lambda: bool(demo_rec.facts))
    assert {f.item_id for f in demo_rec.of(UserDataFact)} <= {marker.id, marker.album_id}
    assert all(f.user_id == demo.user_id for f in demo_rec.of(UserDataFact))


async def test_library_changed_and_scan_finished_on_an_admin_socket(
    jf: FakeJellyfin, live: JellyfinLive, session: aiohttp.ClientSession
) -> None:
    demo = await login(jf, session, "demo")
    _, rec = await opened(live, demo)
    body = {"artist": "New Artist", "album": "New Album", "title": "New Song"}
    async with session.post(f"{jf.url}/__fake__/library/tracks", json=body) as resp:
        added = await resp.json()
    await rec.until(lambda: bool(rec.of(LibraryFact)))
    (fact,) = rec.of(LibraryFact)
    assert added["id"] in fact.added and set(added["new_ids"]) <= set(fact.added)
    assert fact.removed == () and fact.source == "socket"

    client = JellyfinClient(jf.url, session=session, token=demo.token, device_id=demo.device_id)
    await client.refresh_library()
    await rec.until(lambda: bool(rec.of(ScanFinishedFact)))
    (scan,) = rec.of(ScanFinishedFact)
    assert scan.status == "Completed" and scan.at.tzinfo is not None


async def test_sessions_snapshot_after_playback_start(
    jf: FakeJellyfin, live: JellyfinLive, session: aiohttp.ClientSession
) -> None:
    demo, guest = await login(jf, session, "demo"), await login(jf, session, "guest")
    _, rec = await opened(live, demo, sessions=True)
    _, guest_rec = await opened(live, guest, sessions=True)
    await until(lambda: sum(c.sessions_interval is not None for c in jf.hub.conns) == 2)
    track = jf.library.tracks[3]
    body = {
        "item_id": track.id,
        "event": "start",
        "position_ticks": 50_000_000,
        "device": "Kitchen",
        "client": "Finamp",
    }
    async with session.post(f"{jf.url}/__fake__/users/guest/playback", json=body) as resp:
        session_id = (await resp.json())["session_id"]

    def playing(r: Recorder) -> bool:
        return any(s.playing for s in r.of(SessionsSnapshot))

    await rec.until(lambda: playing(rec))
    snap = next(s for s in rec.of(SessionsSnapshot) if s.playing)
    assert snap.users is None  # an administrator sees everyone's sessions
    (fact,) = snap.playing  # the companion's own sessions play nothing and are left out
    assert fact.event == "progress" and fact.source == "socket"
    assert (fact.session_id, fact.user_id, fact.item_id) == (session_id, guest.user_id, track.id)
    assert fact.position_ticks == 50_000_000 and not fact.is_paused
    assert fact.runtime_ticks == track.runtime_ticks > 0
    assert (fact.device_name, fact.client) == ("Kitchen", "Finamp")
    assert fact.device_id

    await guest_rec.until(lambda: playing(guest_rec))
    guest_snap = next(s for s in guest_rec.of(SessionsSnapshot) if s.playing)
    assert guest_snap.users == frozenset({guest.user_id})


@pytest.mark.parametrize("socket_timeout", [KEEPALIVE_TEST_TIMEOUT])
async def test_keepalive_keeps_the_socket_open(
    jf: FakeJellyfin, live: JellyfinLive, session: aiohttp.ClientSession
) -> None:
    sock, rec = await opened(live, await login(jf, session, "demo"))
    (conn,) = jf.hub.conns
    beats: set[float] = set()

    def heard_four() -> bool:
        beats.add(conn.last_keepalive)  # the connect time, then each KeepAlive received
        return len(beats) >= 5

    # The fake closes a socket silent for 4 s; KeepAlive comes every 2 s. Four of them on
    # this one connection span 6 s: it lived past the limit because it kept talking.
    await until(heard_four, timeout=60)
    assert conn in jf.hub.conns
    assert sock.status.connected and sock.status.reconnects == 0
    assert rec.connects == 1 and sock.attempts == 1


async def test_reconnects_after_dropped_sockets(
    jf: FakeJellyfin, live: JellyfinLive, session: aiohttp.ClientSession
) -> None:
    guest = await login(jf, session, "guest")
    sock, rec = await opened(live, guest)
    async with session.put(f"{jf.url}/__fake__/faults", json={"drop_sockets": True}):
        pass
    await until(lambda: not sock.status.connected)
    await until(lambda: sock.attempts >= 3)  # upgrades get 503 meanwhile: backoff, retry
    assert sock.status.last_error and not sock.status.credential_invalid
    async with session.delete(f"{jf.url}/__fake__/faults"):
        pass
    await rec.until(lambda: rec.connects == 2)
    assert sock.status.connected and sock.status.reconnects == 1
    assert sock.status.last_error is None

    track = jf.library.tracks[1]
    async with session.post(f"{jf.url}/__fake__/users/guest/favorites/{track.id}"):
        pass
    await rec.until(lambda: any(f.item_id == track.id for f in rec.of(UserDataFact)))


async def test_reconnects_after_a_restart(
    jf: FakeJellyfin,
    live: JellyfinLive,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="integrations.jellyfin.live")
    sock, rec = await opened(live, await login(jf, session, "demo"))
    async with session.post(f"{jf.url}/__fake__/restart"):
        pass
    await rec.until(lambda: rec.connects == 2)
    assert sock.status.connected and sock.status.reconnects == 1
    messages = [r.getMessage() for r in caplog.records if r.name == "integrations.jellyfin.live"]
    assert any("restarting" in m for m in messages)
    assert sum("is down" in m for m in messages) == 1
    assert sum("is back" in m for m in messages) == 1
    assert all(r.levelno < logging.WARNING for r in caplog.records)


async def test_bad_token_stops_without_retrying(
    jf: FakeJellyfin, live: JellyfinLive, caplog: pytest.LogCaptureFixture
) -> None:
    rec = Recorder()
    bad = SocketCredential(user_id=None, token="0" * 32, device_id="companion")
    sock = await live.open(bad, rec.sink, sessions=True, on_connect=rec.on_connect)
    await until(lambda: sock.status.credential_invalid)
    # The connect loop ends on a rejected credential: no backoff, no retry.
    await until(lambda: sock._task is not None and sock._task.done())
    assert socket_requests(jf) == 1 and sock.attempts == 1
    assert rec.connects == 0 and not sock.status.connected
    assert sum(r.levelno >= logging.ERROR for r in caplog.records) == 1
    await sock.close()


async def test_deleted_user_marks_the_credential_invalid(
    jf: FakeJellyfin, live: JellyfinLive, session: aiohttp.ClientSession
) -> None:
    sock, rec = await opened(live, await login(jf, session, "guest"))
    async with session.delete(f"{jf.url}/__fake__/users/guest"):
        pass
    await until(lambda: sock.status.credential_invalid)
    await until(lambda: sock._task is not None and sock._task.done())
    assert sock.attempts == 2 and rec.connects == 1


async def test_callback_errors_are_logged_and_the_socket_keeps_going(
    jf: FakeJellyfin,
    live: JellyfinLive,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    rec = Recorder()
    calls = 0

    async def flaky_sink(fact: Fact) -> None:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("sink bug")
        await rec.sink(fact)

    async def failing_on_connect() -> None:
        await rec.on_connect()
        raise RuntimeError("reconcile bug")

    sock = await live.open(
        await login(jf, session, "guest"), flaky_sink, sessions=False, on_connect=failing_on_connect
    )
    await rec.until(lambda: rec.connects == 1)
    for n, track in enumerate(jf.library.tracks[:2]):
        async with session.post(f"{jf.url}/__fake__/users/guest/favorites/{track.id}"):
            pass
        # One UserDataChanged per toggle (the track and its album): the first one's sink calls
        # are done before the second toggle, so the fake cannot merge the two.
        await until(lambda n=n: calls >= 2 * (n + 1))
    await rec.until(lambda: len(rec.of(UserDataFact)) >= 3)
    assert sock.status.connected and sock.attempts == 1
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("Reconciling" in m for m in errors)
    assert any("UserDataChanged" in m for m in errors)


async def test_token_never_logged(
    jf: FakeJellyfin,
    live: JellyfinLive,
    session: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    cred = await login(jf, session, "demo")
    await opened(live, cred, sessions=True)
    assert "GET /socket" in caplog.text  # the library's own debug lines are there...
    assert cred.token not in caplog.text  # ...with the token redacted


async def test_close_is_clean(
    jf: FakeJellyfin, live: JellyfinLive, session: aiohttp.ClientSession
) -> None:
    demo = await login(jf, session, "demo")
    sock, _ = await opened(live, demo, sessions=True)
    # A second socket caught mid-backoff (the server refuses upgrades) closes cleanly too.
    async with session.put(f"{jf.url}/__fake__/faults", json={"drop_sockets": True}):
        pass
    other = await live.open(await login(jf, session, "guest"), Recorder().sink, sessions=False)
    await until(lambda: other.attempts >= 2)
    await asyncio.wait_for(live.close(), WAIT)
    assert sock.closed and other.closed
    assert not sock.status.connected
    names = [t.get_name() for t in asyncio.all_tasks()]
    assert not [n for n in names if n.startswith("jellyfin-")]
    await sock.close()  # idempotent


async def test_setup_registers_live_and_unload_closes_it(
    ctx: IntegrationContext, fake: FakeJellyfin, session: aiohttp.ClientSession
) -> None:
    entry = ConfigEntry(
        entry_id="e" * 32,
        domain="jellyfin",
        title="Jellyfin",
        data={"url": fake.url, "api_key": FAKE_API_KEY},
        options={},
        source="user",
    )
    await async_setup_entry(ctx, entry)
    source = ctx.providers.live
    assert isinstance(source, JellyfinLive)
    sock, _ = await opened(source, await login(fake, session, "demo"))
    await async_unload_entry(ctx, entry)
    assert ctx.providers.live is None
    assert sock.closed and not sock.status.connected
    await until(lambda: not fake.hub.conns)
