"""Control plane: faults, request log, sessions and remote control."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from companion.testing.jellyfin import FakeJellyfin

from .conftest import api_headers, get_json, login, mb_header


async def test_faults_latency_errors_and_paths(
    fake: FakeJellyfin, http: aiohttp.ClientSession, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with http.put(f"{fake.url}/__fake__/faults", json={"latency_ms": 150}) as r:
        assert r.status == 204
    # The injected latency is a sleep of the fake's: record the delays it asks for (a clock
    # reading would depend on how busy the machine is).
    delays: list[float] = []
    real_sleep = asyncio.sleep

    async def recording_sleep(delay: float, *args: object) -> object:
        delays.append(delay)
        return await real_sleep(delay, *args)

    monkeypatch.setattr(asyncio, "sleep", recording_sleep)
    async with http.get(f"{fake.url}/System/Info/Public") as r:
        assert r.status == 200
    monkeypatch.undo()
    assert 0.15 in delays
    async with http.put(
        f"{fake.url}/__fake__/faults", json={"error_rate": 1.0, "status": 503, "paths": ["/Items"]}
    ) as r:
        assert r.status == 204
    async with http.get(f"{fake.url}/Items", headers=api_headers()) as r:
        assert r.status == 503 and await r.text() == "Error processing request."
    async with http.get(f"{fake.url}/System/Info/Public") as r:
        assert r.status == 200
    async with http.get(f"{fake.url}/__fake__/requests") as r:  # never faulted
        assert r.status == 200
    async with http.delete(f"{fake.url}/__fake__/faults") as r:
        assert r.status == 204
    async with http.get(f"{fake.url}/Items", headers=api_headers()) as r:
        assert r.status == 200


async def test_request_log(fake: FakeJellyfin, http: aiohttp.ClientSession) -> None:
    async with http.delete(f"{fake.url}/__fake__/requests") as r:
        assert r.status == 204
    await get_json(http, f"{fake.url}/Items", limit="3", recursive="true")
    async with http.get(f"{fake.url}/__fake__/requests") as r:
        log = await r.json()
    assert [(e["method"], e["path"]) for e in log] == [("GET", "/Items")]
    assert log[0]["query"]["limit"] == "3" and log[0]["at"]


async def test_sessions_and_remote_control(fake: FakeJellyfin, http: aiohttp.ClientSession) -> None:
    t = fake.library.tracks[0]
    async with http.post(
        f"{fake.url}/__fake__/users/guest/playback",
        json={"item_id": t.id, "event": "start", "device": "Kitchen", "client": "Finamp"},
    ) as r:
        sid = (await r.json())["session_id"]
    sessions = await get_json(
        http, f"{fake.url}/Sessions", controllableByUserId=fake.user_id("demo")
    )
    kitchen = next(s for s in sessions if s["Id"] == sid)
    assert kitchen["NowPlayingItem"]["Id"] == t.id and kitchen["Client"] == "Finamp"
    assert kitchen["PlayState"]["PositionTicks"] == 0
    demo = (await login(http, fake.url))["AccessToken"]
    assert len(await get_json(http, f"{fake.url}/Sessions", demo)) >= 2  # admins see all
    guest = (await login(http, fake.url, "guest", "guest", "g"))["AccessToken"]
    mine = await get_json(http, f"{fake.url}/Sessions", guest)
    assert mine and all(s["UserId"] == fake.user_id("guest") for s in mine)
    h = {"Authorization": mb_header(demo)}
    async with http.post(
        f"{fake.url}/Sessions/{sid}/Playing",
        headers=h,
        params={"playCommand": "PlayNow", "itemIds": t.id},
    ) as r:
        assert r.status == 204
    async with http.post(f"{fake.url}/Sessions/{sid}/Playing/Pause", headers=h) as r:
        assert r.status == 204
    async with http.post(
        f"{fake.url}/Sessions/{sid}/Command",
        headers=h,
        json={"Name": "SetVolume", "Arguments": {"Volume": "50"}},
    ) as r:
        assert r.status == 204
    async with http.post(f"{fake.url}/Sessions/{'0' * 32}/Playing/Pause", headers=h) as r:
        assert r.status == 404
    kinds = [c["MessageType"] for c in fake.state.remote_commands]
    assert kinds == ["Play", "Playstate", "GeneralCommand"]
    assert fake.state.remote_commands[0]["Data"]["ItemIds"] == [t.id]
    ud = await get_json(http, f"{fake.url}/UserItems/{t.id}/UserData", userId=fake.user_id("guest"))
    assert ud["PlayCount"] == 1
