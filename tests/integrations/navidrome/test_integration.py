"""The Navidrome integration against the fake: config flow, ids, client, playlists, polling."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest

from companion.integration.types import CannotConnect, FlowError, IntegrationContext, InvalidAuth
from companion.media import UserCredential
from companion.providers.live import (
    Fact,
    FavoriteFact,
    LibraryFact,
    ScanFinishedFact,
    SessionsSnapshot,
    SocketCredential,
)
from companion.testing.jellyfin import FakeJellyfin
from companion.testing.navidrome import FakeNavidrome, hash_id
from integrations.navidrome import config_flow
from integrations.navidrome.client import Login, SubsonicClient, auth_params
from integrations.navidrome.identity import NavidromeIdentity
from integrations.navidrome.ids import to_hex, to_navidrome, user_id
from integrations.navidrome.live import NavidromeLive
from integrations.navidrome.media import NavidromeMedia
from integrations.navidrome.playlist_provider import NavidromePlaylists
from tests.e2e.procs import free_port

DEMO = Login("demo", "demo")


def closed_port() -> int:
    """A port nothing listens on (the suite's one port helper)."""
    return free_port()


async def flow_error(ctx: IntegrationContext, data: dict[str, Any]) -> FlowError:
    with pytest.raises(FlowError) as info:
        await config_flow.test_connection(ctx, data)
    return info.value


def cred(login: Login = DEMO) -> UserCredential:
    return UserCredential(user_id(login.username), login.pack(), "")


def test_ids_round_trip() -> None:
    nd = hash_id("item", "x")
    hex_id = to_hex(nd)
    assert hex_id is not None and len(hex_id) == 32
    assert to_navidrome(hex_id) == nd
    assert to_navidrome("0" * 32) == "0" * 22
    # Navidrome's fixed "Various Artists" id (consts.VariousArtistsID) fits in 128 bits.
    various = "63sqASlAfjbGMuLP4JhnZU"
    assert to_navidrome(to_hex(various) or "") == various
    assert to_hex("1" * 22) is not None and to_hex("z" * 22) is None  # > 2^128
    assert to_hex("al-" + nd) is None and to_hex("short") is None


def test_salted_token_matches_the_spec_example() -> None:
    params = dict(auth_params(Login("x", "sesame"), salt="c19b2d"))
    assert params["t"] == "26719a1196d2a940705a59634eb18eab"
    assert params["s"] == "c19b2d" and "p" not in params


def test_login_never_shows_its_password() -> None:
    login = Login("demo", "s3cret-pw")
    assert "s3cret-pw" not in repr(login)
    assert "s3cret-pw" not in repr(cred(login))
    assert Login.unpack(login.pack()) == login


async def test_flow_success_and_non_admin_warning(
    ctx: IntegrationContext, fake: FakeNavidrome
) -> None:
    ok = await config_flow.test_connection(
        ctx, {"url": fake.url, "username": "demo", "password": "demo"}
    )
    assert ok.ok and ok.title and ok.title.startswith("Navidrome 0.58.0") and not ok.warnings
    guest = await config_flow.test_connection(
        ctx, {"url": fake.url, "username": "guest", "password": "guest"}
    )
    assert guest.ok and "administrator" in guest.warnings[0]


async def test_flow_errors_are_specific(ctx: IntegrationContext, fake: FakeNavidrome) -> None:
    login = {"username": "demo", "password": "demo"}
    down = await flow_error(ctx, {"url": f"http://127.0.0.1:{closed_port()}", **login})
    assert isinstance(down, CannotConnect) and down.message == config_flow.UNREACHABLE
    wrong = await flow_error(ctx, {"url": fake.url, "username": "demo", "password": "nope"})
    assert isinstance(wrong, InvalidAuth) and wrong.message == config_flow.BAD_LOGIN
    async with FakeJellyfin(tracks=10) as jellyfin:
        other = await flow_error(ctx, {"url": jellyfin.url, **login})
    assert isinstance(other, CannotConnect) and other.message == config_flow.NOT_SUBSONIC
    async with FakeNavidrome(tracks=10, version="0.54.5") as old:
        too_old = await flow_error(ctx, {"url": old.url, **login})
    assert isinstance(too_old, CannotConnect)
    assert too_old.message == (
        "Navidrome 0.54.5 ("
        + too_old.message.split("(")[1].split(")")[0]
        + ") is too old: the companion needs 0.55.0 or newer."
    )


async def test_password_stays_out_of_logs_and_errors(
    ctx: IntegrationContext, fake: FakeNavidrome, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "Pa55-word-xyz"
    err = await flow_error(ctx, {"url": fake.url, "username": "demo", "password": secret})
    down = await flow_error(
        ctx, {"url": f"http://127.0.0.1:{closed_port()}", "username": "demo", "password": secret}
    )
    assert secret not in err.message and secret not in down.message
    assert secret not in caplog.text


async def test_identity(fake: FakeNavidrome, session: aiohttp.ClientSession) -> None:
    identity = NavidromeIdentity(SubsonicClient(fake.url, DEMO, session=session), "srv")
    me = await identity.authenticate("demo", "demo", "dev")
    assert me.is_admin and me.name == "demo" and me.user_id == user_id("demo")
    assert await identity.token_valid(me.token, me.user_id, "dev")
    guest = await identity.authenticate("guest", "guest", "dev")
    assert not guest.is_admin
    from companion.providers import CredentialsRejected

    with pytest.raises(CredentialsRejected):
        await identity.authenticate("demo", "wrong", "dev")
    fake.state.users["demo"].password = "changed"
    assert not await identity.token_valid(me.token, me.user_id, "dev")


async def test_get_many_mixes_kinds_and_skips_unknown(
    fake: FakeNavidrome, session: aiohttp.ClientSession
) -> None:
    media = NavidromeMedia(SubsonicClient(fake.url, DEMO, session=session), fake.url)
    lib = fake.state.library
    ids = [to_hex(fake.nd_id(x.id)) or "" for x in (lib.tracks[0], lib.albums[0], lib.artists[0])]
    items = await media.get_many(cred(), [*ids, "f" * 32])
    assert [i.kind for i in items] == ["track", "album", "artist"]
    assert [i.ref for i in items] == [f"jellyfin:{i}" for i in ids]  # refs carry the scheme in use


async def test_playlist_edits_in_place(fake: FakeNavidrome, session: aiohttp.ClientSession) -> None:
    remote = NavidromePlaylists(SubsonicClient(fake.url, DEMO, session=session))
    songs = [to_hex(fake.nd_id(t.id)) or "" for t in fake.state.library.tracks[:6]]
    pid = await remote.create(cred(), "Mix", songs[:4])
    entries = await remote.entries(cred(), pid)
    assert [e.item_id for e in entries] == songs[:4]
    # Two removes planned from one read: the second's positions are where the entries are now.
    await remote.remove(cred(), pid, [entries[0].entry_id])
    await remote.remove(cred(), pid, [entries[2].entry_id])
    await remote.add(cred(), pid, songs[4:6])
    assert [e.item_id for e in await remote.entries(cred(), pid)] == [
        songs[1],
        songs[3],
        *songs[4:],
    ]
    entries = await remote.entries(cred(), pid)
    await remote.move(cred(), pid, entries[3].entry_id, 0)
    await remote.update(cred(), pid, name="Renamed")
    got = await remote.entries(cred(), pid)
    assert [e.item_id for e in got] == [songs[5], songs[1], songs[3], songs[4]]
    assert [p.name for p in await remote.playlists(cred())] == ["Renamed"]
    assert len(fake.state.playlists) == 1  # always the same playlist, edited in place
    requests = [r for r in fake.state.requests if r["method"] == "updatePlaylist"]
    assert all(r["http"] == "POST" for r in requests)


async def _collect(
    live: NavidromeLive, cred_: SocketCredential, sessions: bool
) -> tuple[Any, list[Fact]]:
    facts: list[Fact] = []

    async def sink(fact: Fact) -> None:
        facts.append(fact)

    poller = await live.open(cred_, sink, sessions=sessions)
    return poller, facts


async def _until(poller: Any, polls: int) -> None:
    async with asyncio.timeout(30):
        while poller.polls < polls:
            poller.poke()
            await asyncio.sleep(0.01)


async def test_polling_yields_the_facts_a_socket_would(
    fake: FakeNavidrome, session: aiohttp.ClientSession
) -> None:
    client = SubsonicClient(fake.url, DEMO, session=session)
    service = SocketCredential(user_id("demo"), DEMO.pack(), "", True)
    live = NavidromeLive(client, service, interval=3600)
    poller, facts = await _collect(live, service, sessions=True)
    try:
        await _until(poller, 1)
        assert [type(f) for f in facts] == [SessionsSnapshot]
        # A new album, a star, a scan and a now-playing between two polls.
        async with session.post(
            f"{fake.url}/__fake__/albums", json={"name": "Brand New", "artist": "Nova", "songs": 2}
        ) as resp:
            album = await resp.json()
        song = fake.state.library.tracks[0]
        await client.call("star", [("id", fake.nd_id(song.id))])
        await client.call("scrobble", [("id", fake.nd_id(song.id)), ("submission", "false")])
        await client.call("startScan")
        async with asyncio.timeout(30):
            while fake.state.scan.scanning:
                await asyncio.sleep(0.01)
        await _until(poller, 2)
    finally:
        await live.close()
    library = [f for f in facts if isinstance(f, LibraryFact)]
    assert len(library) == 1 and to_hex(album["id"]) in library[0].added
    assert len(library[0].added) == 3  # the album and its two songs
    assert any(isinstance(f, ScanFinishedFact) for f in facts)
    star = [f for f in facts if isinstance(f, FavoriteFact)]
    assert [(s.item_id, s.favorite, s.source) for s in star] == [
        (to_hex(fake.nd_id(song.id)), True, "poll")
    ]
    snapshot = [f for f in facts if isinstance(f, SessionsSnapshot)][-1]
    assert [p.item_id for p in snapshot.playing] == [to_hex(fake.nd_id(song.id))]
    assert snapshot.playing[0].user_id == user_id("demo")


async def test_polling_backs_off_and_reconnects(
    fake: FakeNavidrome, session: aiohttp.ClientSession
) -> None:
    client = SubsonicClient(fake.url, DEMO, session=session)
    service = SocketCredential(user_id("demo"), DEMO.pack(), "", True)
    live = NavidromeLive(client, service, interval=0.01)
    connects: list[datetime] = []

    async def on_connect() -> None:
        connects.append(datetime.now(UTC))

    async def sink(fact: Fact) -> None:
        return None

    fake.state.fail_next = [502, 502, 502]
    poller = await live.open(service, sink, sessions=True, on_connect=on_connect)
    try:
        async with asyncio.timeout(30):
            while not connects:
                await asyncio.sleep(0.01)
        assert poller.status.connected and poller.status.last_error is None
    finally:
        await live.close()
    assert len(connects) == 1
    assert fake.state.fail_next == []


async def test_wrong_password_stops_the_poller(
    fake: FakeNavidrome, session: aiohttp.ClientSession
) -> None:
    bad = Login("demo", "nope")
    client = SubsonicClient(fake.url, bad, session=session)
    cred_ = SocketCredential(user_id("demo"), bad.pack(), "", True)
    live = NavidromeLive(client, cred_, interval=0.01)
    poller, _ = await _collect(live, cred_, sessions=False)
    try:
        async with asyncio.timeout(30):
            while not poller.status.credential_invalid:
                await asyncio.sleep(0.01)
    finally:
        await live.close()
    assert poller.status.last_error == "Navidrome rejected the login"


async def test_history_and_index_from_what_navidrome_keeps(
    fake: FakeNavidrome, session: aiohttp.ClientSession
) -> None:
    client = SubsonicClient(fake.url, DEMO, session=session)
    media = NavidromeMedia(client, fake.url)
    lib = fake.state.library
    songs = [fake.nd_id(t.id) for t in lib.tracks[:3]]
    for n, song in enumerate(songs):
        await client.call("scrobble", [("id", song), ("time", 1_700_000_000_000 + n * 60_000)])
    played = await media.recently_played(cred(), 0, 10)
    # Each song's last play, newest first (no per-play history exists to read).
    assert [p.item_id for p in played] == [to_hex(s) for s in reversed(songs)]
    assert played[0].last_played == datetime(2023, 11, 14, 22, 15, 20, tzinfo=UTC)
    await client.call("star", [("id", songs[0]), ("albumId", fake.nd_id(lib.albums[1].id))])
    favorites = await media.favorite_ids(cred())
    assert favorites == {
        to_hex(songs[0]): "Audio",
        to_hex(fake.nd_id(lib.albums[1].id)): "MusicAlbum",
    }
    assert await media.index_count() == len(lib.tracks)
    page, total = await media.index_page(0, 50, None)
    assert total == len(lib.tracks) and len(page) == 50
    assert page[0].item_id == to_hex(fake.nd_id(lib.tracks[0].id)) and page[0].album
    assert await media.index_ids(50, 10) == [to_hex(fake.nd_id(t.id)) for t in lib.tracks[50:60]]
    counts = await media.album_track_counts()
    assert counts is not None and sum(counts.values()) == len(lib.tracks)
