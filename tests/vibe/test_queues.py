"""Building vibe queues through AudioMuse-AI: every mode, shaping, stored queues, bad input."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp

from companion import keys
from companion.accounts.models import User
from companion.history.models import Play
from companion.testing.audiomuse import FAKE_AUDIOMUSE_TOKEN, FakeAudioMuse
from tests.vibe.conftest import VibeEnv, until

TICKS = 10_000_000


def _ids(queue: dict[str, Any]) -> list[str]:
    return [i["ref"].split(":", 1)[1] for i in queue["items"]]


def _first_artists(env: VibeEnv, ids: list[str]) -> Counter[str]:
    lib = env.jellyfin.library
    return Counter(lib.by_id[i].artist_ids[0] for i in ids)  # type: ignore[attr-defined]


async def _audiomuse_similar(fake: FakeAudioMuse, item_id: str, n: int) -> list[str]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(
            f"{fake.url}/api/similar_tracks",
            params={"item_id": item_id, "n": n},
            headers={"Authorization": f"Bearer {FAKE_AUDIOMUSE_TOKEN}"},
        ) as resp,
    ):
        return [r["item_id"] for r in await resp.json()]


async def test_similar_queue_follows_audiomuse_seed_first(
    vibe_env: VibeEnv, fake_audiomuse: FakeAudioMuse
) -> None:
    seed = vibe_env.jellyfin.library.tracks[10]
    queue = await vibe_env.vibe(mode="similar", ref=f"jellyfin:{seed.id}", limit=30)
    assert queue["engine"] == "audiomuse" and queue["notice"] is None
    assert queue["mode"] == "similar" and queue["seeds"] == {"ref": f"jellyfin:{seed.id}"}
    assert len(queue["id"]) == 32
    ids = _ids(queue)
    assert ids[0] == seed.id and len(ids) == 30
    assert len(set(ids)) == len(ids)
    assert max(_first_artists(vibe_env, ids).values()) <= 3
    # The rest keeps AudioMuse's walk order (asked again with the n the companion sent).
    (asked,) = [r for r in fake_audiomuse.state.requests if r["path"] == "/api/similar_tracks"]
    assert asked["query"]["eliminate_duplicates"] == "true"
    walk = await _audiomuse_similar(fake_audiomuse, seed.id, int(asked["query"]["n"]))
    positions = [walk.index(i) for i in ids[1:]]
    assert positions == sorted(positions)
    # Full track DTOs from Jellyfin.
    item = queue["items"][1]
    assert item["type"] == "track" and item["name"] and item["artists"]


async def test_tracks_jellyfin_no_longer_has_are_dropped(
    vibe_env: VibeEnv, fake_audiomuse: FakeAudioMuse
) -> None:
    seed = vibe_env.jellyfin.library.tracks[20]
    walk = await _audiomuse_similar(fake_audiomuse, seed.id, 10)
    gone = walk[1]
    async with (
        aiohttp.ClientSession() as http,
        http.delete(f"{vibe_env.jellyfin.url}/__fake__/library/tracks/{gone}") as resp,
    ):
        assert resp.status == 204
    # AudioMuse's index lags: it still answers the deleted id.
    assert gone in await _audiomuse_similar(fake_audiomuse, seed.id, 10)
    queue = await vibe_env.vibe(mode="similar", ref=f"jellyfin:{seed.id}", limit=10)
    assert gone not in _ids(queue)
    assert len(_ids(queue)) == 10


async def test_recently_played_and_skipped_tracks_are_left_out(
    vibe_env: VibeEnv, fake_audiomuse: FakeAudioMuse
) -> None:
    seed = vibe_env.jellyfin.library.tracks[30]
    before = _ids(await vibe_env.vibe(mode="similar", ref=f"jellyfin:{seed.id}", limit=20))
    played, skipped = before[1], before[2]
    runtime = vibe_env.jellyfin.library.by_id[played].runtime_ticks  # type: ignore[attr-defined]
    await vibe_env.play(played, "start", position_ticks=0)
    await asyncio.sleep(0.2)
    await vibe_env.play(played, "stop", position_ticks=runtime)
    user = vibe_env.user_id
    await until(lambda: Play.filter(user_id=user, item_id=played, counted=True).exists())
    # Skips on earlier days (the live pipeline merges listens within a minute into one row,
    # so past days are written as the overlay keeps them: short listens, counted=False).
    for days in (2, 3):
        start = datetime.now(UTC) - timedelta(days=days)
        await Play.create(
            user_id=user,
            item_id=skipped,
            started_at=start,
            bucket=int(start.timestamp() // 60),
            ended_at=start + timedelta(seconds=5),
            position_ticks=5 * TICKS,
            runtime_ticks=200 * TICKS,
            counted=False,
        )
    after = _ids(await vibe_env.vibe(mode="similar", ref=f"jellyfin:{seed.id}", limit=20))
    assert played not in after and skipped not in after
    assert after[0] == seed.id


async def _count(query: Any, n: int) -> bool:
    return bool(await query.count() >= n)


async def test_text_alchemy_path_artist_album(vibe_env: VibeEnv) -> None:
    lib = vibe_env.jellyfin.library
    calm = await vibe_env.vibe(mode="text", text="calm piano songs", limit=20)
    assert calm["engine"] == "audiomuse" and calm["seeds"] == {"text": "calm piano songs"}
    assert len(calm["items"]) == 20
    assert all({"Classical", "Ambient", "Jazz"} & set(i["genres"]) for i in calm["items"][:5])

    a, b, c = lib.tracks[0], lib.tracks[400], lib.tracks[800]
    body = {
        "mode": "alchemy",
        "add": [f"jellyfin:{a.id}", f"jellyfin:{b.id}"],
        "subtract": [f"jellyfin:{c.id}"],
        "temperature": 0,
        "subtract_distance": 0.3,
        "limit": 25,
    }
    mixed = await vibe_env.vibe(**body)
    again = await vibe_env.vibe(**body)
    assert _ids(mixed) == _ids(again) and len(_ids(mixed)) == 25
    assert not {a.id, b.id, c.id} & set(_ids(mixed))
    assert mixed["seeds"]["subtract"] == [f"jellyfin:{c.id}"]

    path = await vibe_env.vibe(
        mode="path", **{"from": f"jellyfin:{a.id}", "to": f"jellyfin:{c.id}"}, limit=12
    )
    ids = _ids(path)
    assert ids[0] == a.id and ids[-1] == c.id and 2 < len(ids) <= 12

    artist_id = a.artist_ids[0]
    by_artist = await vibe_env.vibe(mode="artist", ref=f"jellyfin:{artist_id}", limit=30)
    assert by_artist["engine"] == "audiomuse" and len(by_artist["items"]) == 30

    album = await vibe_env.vibe(mode="album", ref=f"jellyfin:{a.album_id}", limit=15)
    assert album["engine"] == "audiomuse" and len(album["items"]) == 15
    assert set(lib.by_id[a.album_id].track_ids).isdisjoint(_ids(album))  # type: ignore[attr-defined]


async def test_recent_mode_needs_plays_then_seeds_from_them(vibe_env: VibeEnv) -> None:
    body = await vibe_env.vibe(expect=409, mode="recent")
    assert body["error"]["code"] == "vibe_no_recent_plays"
    lib = vibe_env.jellyfin.library
    heard = [lib.tracks[i] for i in (5, 300, 600)]
    for t in heard:
        await vibe_env.play(t.id, "start", position_ticks=0)
        await asyncio.sleep(0.05)
        await vibe_env.play(t.id, "stop", position_ticks=t.runtime_ticks)
    await until(lambda: _count(Play.filter(user_id=vibe_env.user_id, counted=True), 3))
    queue = await vibe_env.vibe(mode="recent", recent=3, limit=30)
    assert queue["engine"] == "audiomuse" and queue["seeds"] == {"recent": 3}
    ids = _ids(queue)
    assert len(ids) == 30 and not {t.id for t in heard} & set(ids)
    # Every seed contributes: the queue spans each heard track's genre.
    genres = {g for i in ids for g in lib.by_id[i].genres}
    assert all(set(t.genres) & genres for t in heard)


async def test_stored_queues_are_private(vibe_env: VibeEnv) -> None:
    seed = vibe_env.jellyfin.library.tracks[1]
    queue = await vibe_env.vibe(mode="similar", ref=f"jellyfin:{seed.id}", limit=10)
    resp = await vibe_env.client.get(f"/api/vibe/{queue['id']}", headers=vibe_env.headers)
    assert resp.status == 200
    stored = await resp.json()
    assert stored["items"] == queue["items"] and stored["engine"] == "audiomuse"
    listing = await (await vibe_env.client.get("/api/vibe", headers=vibe_env.headers)).json()
    assert listing["items"][0]["id"] == queue["id"] and listing["items"][0]["item_count"] == 10
    someone = await User.create(name="someone", jellyfin_id="b" * 32)
    _, token = await vibe_env.app[keys.AUTH].issue_token(someone.id, "tests")
    other = {"Authorization": f"Bearer {token}"}
    resp = await vibe_env.client.get(f"/api/vibe/{queue['id']}", headers=other)
    assert resp.status == 404
    assert (await vibe_env.client.get("/api/vibe/nothex", headers=vibe_env.headers)).status == 404


async def test_bad_input_gets_clear_400s(vibe_env: VibeEnv) -> None:
    client, headers = vibe_env.client, vibe_env.headers
    resp = await client.post("/api/vibe", data=b"{nope", headers=headers)
    assert resp.status == 400 and (await resp.json())["error"]["code"] == "invalid_json"
    cases = [
        ({"mode": "shuffle"}, "mode"),
        ({"mode": "similar"}, "ref"),
        ({"mode": "similar", "ref": "spotify:123"}, "ref"),
        ({"mode": "similar", "ref": f"jellyfin:{'a' * 32}", "limit": "50"}, "limit"),
        ({"mode": "similar", "ref": f"jellyfin:{'a' * 32}", "limit": 500}, "limit"),
        ({"mode": "text", "text": "  "}, "text"),
        ({"mode": "alchemy", "add": []}, "add"),
        ({"mode": "alchemy", "add": [f"jellyfin:{'a' * 32}"], "temperature": "hot"}, "temperature"),
        ({"mode": "path", "from": f"jellyfin:{'a' * 32}", "to": f"jellyfin:{'a' * 32}"}, "to"),
        ({"mode": "recent", "recent": 0}, "recent"),
    ]
    for body, field in cases:
        resp = await client.post("/api/vibe", json=body, headers=headers)
        answer = await resp.json()
        assert resp.status == 400, (body, answer)
        assert answer["error"]["details"]["field"] == field, (body, answer)
    # A well-formed ref Jellyfin does not know.
    resp = await client.post(
        "/api/vibe", json={"mode": "similar", "ref": f"jellyfin:{'0' * 32}"}, headers=headers
    )
    assert resp.status == 404
    assert (await client.post("/api/vibe", json={"mode": "text", "text": "x"})).status == 401


async def test_one_jellyfin_call_resolves_a_50_track_queue_none_when_cached(
    vibe_env: VibeEnv,
) -> None:
    seed = vibe_env.jellyfin.library.tracks[90]
    vibe_env.app[keys.MUSIC].resolver.clear()
    vibe_env.jellyfin.state.requests.clear()
    queue = await vibe_env.vibe(mode="similar", ref=f"jellyfin:{seed.id}", limit=50)
    assert len(queue["items"]) == 50
    calls = [r for r in vibe_env.jellyfin.state.requests if r["path"].endswith("/Items")]
    assert len(calls) == 1
    assert seed.id in calls[0]["query"]["ids"]
    vibe_env.jellyfin.state.requests.clear()
    again = await vibe_env.vibe(mode="similar", ref=f"jellyfin:{seed.id}", limit=50)
    assert again["items"] == queue["items"]
    assert [r for r in vibe_env.jellyfin.state.requests if "Items" in r["path"]] == []
