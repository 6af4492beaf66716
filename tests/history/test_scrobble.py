"""Scrobbling out: counted plays reach ListenBrainz and Last.fm once, through the outbox."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from companion import keys
from companion.history.models import Play
from companion.listening.models import ScrobbleAccount, ScrobbleOutbox
from companion.providers.live import PlaybackFact
from companion.settings import Settings
from tests.history.conftest import (
    LB_USER,
    LFM_PASSWORD,
    LFM_USER,
    demo_id,
    ready_scrobbling,
    scrobble_env,
)
from tests.playlists.conftest import ClientFactory, Companion, start_companion

TICKS = 10_000_000


async def link_both(companion: Companion, fake_listenbrainz: Any) -> None:
    token = fake_listenbrainz.users[LB_USER].token
    body = await companion.call("PUT", "/api/scrobble/listenbrainz", json={"token": token})
    assert body["linked"] and body["account_name"] == LB_USER and body["status"] == "ok"
    body = await companion.call(
        "PUT", "/api/scrobble/lastfm", json={"username": LFM_USER, "password": LFM_PASSWORD}
    )
    assert body["linked"] and body["account_name"] == LFM_USER


async def add_play(
    fake: Any, index: int, started_at: datetime, *, counted: bool = True, source: str = "webhook"
) -> Play:
    track = fake.library.tracks[index]
    return await Play.create(
        user_id=demo_id(fake),
        item_id=track.id,
        started_at=started_at,
        bucket=int(started_at.timestamp() // 60),
        ended_at=started_at + timedelta(minutes=4),
        position_ticks=track.runtime_ticks if counted else 5 * TICKS,
        runtime_ticks=track.runtime_ticks,
        counted=counted,
        source=source,
    )


async def drain(companion: Companion) -> None:
    """Run outbox passes until nothing is pending or sending (the worker's own loop)."""
    outbox = companion.client.app[keys.LISTENING].outbox
    async with asyncio.timeout(30):
        while True:
            await outbox.wait_pass()
            if not await ScrobbleOutbox.filter(status__in=("pending", "sending")).exists():
                return


async def test_plays_from_any_client_are_scrobbled_once(
    scrobbling: Companion, fake_jellyfin: Any, fake_listenbrainz: Any, fake_lastfm: Any
) -> None:
    await link_both(scrobbling, fake_listenbrainz)
    writer = scrobbling.client.app[keys.LIVE].writer
    track = fake_jellyfin.library.tracks[3]
    user = demo_id(fake_jellyfin)
    t0 = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)
    # A full listen reported by the webhook (any client), and a skip.
    for item, end in ((track, track.runtime_ticks), (fake_jellyfin.library.tracks[4], 5 * TICKS)):
        await writer.apply(PlaybackFact(user, "s1", item.id, "start", 0, t0, "webhook"))
        await writer.apply(
            PlaybackFact(
                user,
                "s1",
                item.id,
                "stop",
                end,
                t0 + timedelta(seconds=end / TICKS),
                "webhook",
                runtime_ticks=item.runtime_ticks,
            )
        )
        t0 += timedelta(minutes=5)
    await drain(scrobbling)
    (listen,) = fake_listenbrainz.listens_of(LB_USER)
    meta = listen["track_metadata"]
    assert meta["track_name"] == track.name
    assert listen["listened_at"] == int((t0 - timedelta(minutes=10)).timestamp())
    assert meta["artist_name"] and meta["release_name"]
    assert meta["additional_info"]["duration_ms"] == track.runtime_ticks // TICKS * 1000
    (scrobble,) = fake_lastfm.users[LFM_USER].scrobbles
    assert scrobble["track"] == track.name and scrobble["timestamp"] == listen["listened_at"]
    # Another pass sends nothing more.
    await drain(scrobbling)
    assert len(fake_listenbrainz.received) == len(fake_lastfm.received) == 1
    services = {
        s["service"]: s for s in (await scrobbling.call("GET", "/api/scrobble"))["services"]
    }
    assert services["listenbrainz"]["counts"] == {
        "pending": 0,
        "sent": 1,
        "ignored": 0,
        "failed": 0,
    }
    assert services["jellyfin"]["linked"] is False  # mark played is off by default


async def test_playing_now_reaches_both(
    scrobbling: Companion, fake_jellyfin: Any, fake_listenbrainz: Any, fake_lastfm: Any
) -> None:
    await link_both(scrobbling, fake_listenbrainz)
    writer = scrobbling.client.app[keys.LIVE].writer
    track = fake_jellyfin.library.tracks[7]
    now_playing = scrobbling.client.app[keys.LISTENING].now_playing
    await writer.apply(
        PlaybackFact(
            demo_id(fake_jellyfin), "s9", track.id, "start", 0, datetime.now(UTC), "socket"
        )
    )
    async with asyncio.timeout(30):
        while now_playing.sent < 2:
            await asyncio.sleep(0.01)
    assert fake_listenbrainz.users[LB_USER].playing_now["track_name"] == track.name
    assert fake_lastfm.users[LFM_USER].now_playing["track"] == track.name


async def test_outage_and_restart_lose_nothing_and_send_nothing_twice(
    aiohttp_client: ClientFactory,
    settings: Settings,
    scrobbling: Companion,
    fake_jellyfin: Any,
    fake_listenbrainz: Any,
    fake_lastfm: Any,
) -> None:
    await link_both(scrobbling, fake_listenbrainz)
    fake_listenbrainz.fail_status = 503
    fake_lastfm.fail_code = 16
    now = datetime.now(UTC).replace(microsecond=0)
    for i in range(5):
        await add_play(fake_jellyfin, i, now + timedelta(seconds=1 + i))
    outbox = scrobbling.client.app[keys.LISTENING].outbox
    await outbox.wait_pass()
    lb = await ScrobbleAccount.get(service="listenbrainz")
    assert lb.status == "failing" and "unreachable" in (lb.last_error or "")
    assert await ScrobbleOutbox.filter(status="pending").count() == 10
    # The companion restarts while both services are still down; then they come back.
    await scrobbling.client.close()
    env = {**settings.environ, **scrobble_env(fake_listenbrainz, fake_lastfm)}
    again = await start_companion(
        aiohttp_client,
        replace(settings, environ=env),
        fake_jellyfin,
        token=scrobbling.headers["Authorization"].removeprefix("Bearer "),
    )
    await ready_scrobbling(again)
    fake_listenbrainz.fail_status = None
    fake_lastfm.fail_code = None
    await ScrobbleAccount.all().update(retry_at=None)
    await drain(again)
    assert len(fake_listenbrainz.listens_of(LB_USER)) == 5
    assert len(fake_lastfm.users[LFM_USER].scrobbles) == 5
    # Every listen went out in exactly one accepted submission (failed attempts were retried).
    assert len(fake_listenbrainz.received) == len(set(fake_listenbrainz.received)) == 5
    assert len(fake_lastfm.received) == len(set(fake_lastfm.received)) == 5
    assert await ScrobbleOutbox.filter(status="sent").count() == 10


async def test_rate_limits_are_waited_out(
    scrobbling: Companion, fake_jellyfin: Any, fake_listenbrainz: Any
) -> None:
    token = fake_listenbrainz.users[LB_USER].token
    await scrobbling.call("PUT", "/api/scrobble/listenbrainz", json={"token": token})
    # One request a second: the client reads X-RateLimit-* and the outbox waits Reset-In.
    fake_listenbrainz.rate_limit, fake_listenbrainz.window_s = 1, 1
    fake_listenbrainz._windows.clear()
    lb = scrobbling.client.app[keys.PROVIDERS].scrobblers["listenbrainz"]
    lb.max_batch = 1  # type: ignore[misc]
    now = datetime.now(UTC).replace(microsecond=0)
    for i in range(3):
        await add_play(fake_jellyfin, i, now + timedelta(seconds=1 + i))
    await drain(scrobbling)
    assert len(fake_listenbrainz.listens_of(LB_USER)) == 3
    assert any(r["path"] == "/1/submit-listens" for r in fake_listenbrainz.requests)


async def test_rejected_token_keeps_the_queue_until_linked_again(
    scrobbling: Companion, fake_jellyfin: Any, fake_listenbrainz: Any
) -> None:
    # A wrong token is refused at once and nothing is stored.
    body = await scrobbling.call(
        "PUT", "/api/scrobble/listenbrainz", 400, json={"token": "not-a-token"}
    )
    assert body["error"]["code"] == "scrobble_rejected"
    assert "ListenBrainz rejected the token" in body["error"]["message"]
    assert await ScrobbleAccount.all().count() == 0
    token = fake_listenbrainz.users[LB_USER].token
    await scrobbling.call("PUT", "/api/scrobble/listenbrainz", json={"token": token})
    account = await ScrobbleAccount.get(service="listenbrainz")
    # The token is encrypted at rest.
    assert account.secret and token not in account.secret
    fake_listenbrainz.revoke(LB_USER)
    await add_play(fake_jellyfin, 1, datetime.now(UTC) + timedelta(seconds=1))
    await scrobbling.client.app[keys.LISTENING].outbox.wait_pass()
    state = (await scrobbling.call("GET", "/api/scrobble"))["services"][0]
    assert state["status"] == "rejected" and "rejected the token" in state["last_error"]
    assert state["counts"]["pending"] == 1
    retry = await scrobbling.call("POST", "/api/scrobble/listenbrainz/retry", 400)
    assert retry["error"]["code"] == "scrobble_rejected"
    new_token = fake_listenbrainz.users[LB_USER].token
    await scrobbling.call("PUT", "/api/scrobble/listenbrainz", json={"token": new_token})
    await drain(scrobbling)
    assert len(fake_listenbrainz.listens_of(LB_USER)) == 1


async def test_switch_backfill_and_where_plays_came_from(
    scrobbling: Companion, fake_jellyfin: Any, fake_listenbrainz: Any, fake_lastfm: Any
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    # Plays from before the link: a live one two days ago, one imported from ListenBrainz,
    # and one three weeks ago (too old for Last.fm).
    await add_play(fake_jellyfin, 1, now - timedelta(days=2))
    await add_play(fake_jellyfin, 2, now - timedelta(days=2, hours=1), source="listenbrainz")
    await add_play(fake_jellyfin, 3, now - timedelta(days=21))
    await link_both(scrobbling, fake_listenbrainz)
    await drain(scrobbling)
    assert fake_listenbrainz.listens_of(LB_USER) == []
    # The switch: off, a play happens, nothing is sent; on again, it goes.
    await scrobbling.call("PATCH", "/api/scrobble/listenbrainz", json={"enabled": False})
    await add_play(fake_jellyfin, 4, datetime.now(UTC) + timedelta(seconds=1))
    await drain(scrobbling)
    assert fake_listenbrainz.listens_of(LB_USER) == []
    await scrobbling.call("PATCH", "/api/scrobble/listenbrainz", json={"enabled": True})
    await drain(scrobbling)
    assert len(fake_listenbrainz.listens_of(LB_USER)) == 1
    # Backfill from a month ago: the live plays go to both; the ListenBrainz import only to
    # Last.fm; Last.fm ignores the three-week-old one, and says why.
    since = (now - timedelta(days=30)).isoformat()
    for service in ("listenbrainz", "lastfm"):
        await scrobbling.call("PATCH", f"/api/scrobble/{service}", json={"backfill_from": since})
    await drain(scrobbling)
    assert len(fake_listenbrainz.listens_of(LB_USER)) == 3
    assert len(fake_lastfm.users[LFM_USER].scrobbles) == 3
    log = (await scrobbling.call("GET", "/api/scrobble/lastfm/log"))["items"]
    (old,) = [row for row in log if row["status"] == "ignored"]
    assert old["last_error"] == "Older than the service accepts"
    bad = await scrobbling.call(
        "PATCH", "/api/scrobble/lastfm", 400, json={"backfill_from": "last spring"}
    )
    assert bad["error"]["details"]["field"] == "backfill_from"


async def test_mark_played_in_jellyfin_only_for_plays_it_never_saw(
    scrobbling: Companion, fake_jellyfin: Any
) -> None:
    user = demo_id(fake_jellyfin)
    now = datetime.now(UTC).replace(microsecond=0)
    live_track, lfm_track = fake_jellyfin.library.tracks[1], fake_jellyfin.library.tracks[2]
    await add_play(fake_jellyfin, 1, now - timedelta(hours=1))
    await add_play(fake_jellyfin, 2, now - timedelta(hours=3), source="lastfm")
    # Jellyfin already has a newer last-played date for the Last.fm track.
    ud = fake_jellyfin.state.data_for(user, lfm_track.id, create=True)
    ud.play_count, ud.last_played, ud.played = 2, now - timedelta(hours=1), True
    body = await scrobbling.call(
        "PUT",
        "/api/scrobble/jellyfin",
        json={"backfill_from": (now - timedelta(days=1)).isoformat()},
    )
    assert body["linked"] and body["enabled"]
    await drain(scrobbling)
    ud = fake_jellyfin.state.data_for(user, lfm_track.id)
    assert ud.play_count == 3
    # Never moved back in time.
    assert ud.last_played == now - timedelta(hours=1)
    assert fake_jellyfin.state.data_for(user, live_track.id) is None
    posts = [r for r in fake_jellyfin.state.requests if r["path"].startswith("/UserPlayedItems/")]
    assert len(posts) == 1 and posts[0]["query"]["datePlayed"].startswith(
        (now - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    )


async def test_service_not_set_up_or_down_when_linking(
    companion: Companion, fake_listenbrainz: Any
) -> None:
    body = await companion.call("PUT", "/api/scrobble/listenbrainz", 409, json={"token": "x"})
    assert body["error"]["code"] == "scrobble_service_missing"
    assert "ListenBrainz is not set up" in body["error"]["message"]
    assert await ScrobbleAccount.all().count() == 0
    body = await companion.call("PUT", "/api/scrobble/spotify", 404, json={})


async def test_service_down_when_linking_writes_nothing(
    scrobbling: Companion, fake_listenbrainz: Any, fake_lastfm: Any
) -> None:
    fake_listenbrainz.fail_status = 503
    token = fake_listenbrainz.users[LB_USER].token
    body = await scrobbling.call("PUT", "/api/scrobble/listenbrainz", 503, json={"token": token})
    assert body["error"]["code"] == "scrobble_unreachable"
    assert "ListenBrainz is unreachable" in body["error"]["message"]
    fake_lastfm.fail_code = 11
    body = await scrobbling.call(
        "PUT", "/api/scrobble/lastfm", 503, json={"username": LFM_USER, "password": LFM_PASSWORD}
    )
    assert body["error"]["code"] == "scrobble_unreachable"
    fake_lastfm.fail_code = None
    body = await scrobbling.call(
        "PUT", "/api/scrobble/lastfm", 400, json={"username": LFM_USER, "password": "wrong"}
    )
    assert body["error"] == {
        "code": "scrobble_rejected",
        "message": "Last.fm rejected that username or password.",
    }
    assert await ScrobbleAccount.all().count() == 0


async def test_a_secret_stored_under_another_key_asks_for_a_new_link(
    scrobbling: Companion, fake_jellyfin: Any, fake_listenbrainz: Any
) -> None:
    token = fake_listenbrainz.users[LB_USER].token
    await scrobbling.call("PUT", "/api/scrobble/listenbrainz", json={"token": token})
    # The pass the link started holds the account as it was: let it end first.
    await scrobbling.client.app[keys.LISTENING].outbox.wait_pass()
    await ScrobbleAccount.all().update(secret="gAAAAA-not-under-this-key")
    await add_play(fake_jellyfin, 1, datetime.now(UTC) + timedelta(seconds=1))
    await scrobbling.client.app[keys.LISTENING].outbox.wait_pass()
    account = await ScrobbleAccount.get(service="listenbrainz")
    assert account.status == "rejected" and "Link again" in (account.last_error or "")
    assert await ScrobbleOutbox.filter(status="pending").count() == 1
