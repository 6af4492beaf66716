"""Play a queue on a Jellyfin session, save it as a playlist, and start one over the websocket."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from tests.vibe.conftest import VibeEnv, until


async def _remote_commands(env: VibeEnv) -> list[dict[str, Any]]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{env.jellyfin.url}/__fake__/remote_commands") as resp,
    ):
        commands: list[dict[str, Any]] = await resp.json()
        return commands


async def test_sessions_and_play_now(vibe_env: VibeEnv) -> None:
    lib = vibe_env.jellyfin.library
    playing = lib.tracks[2]
    sid = await vibe_env.play(playing.id, "start", position_ticks=10_000_000)
    resp = await vibe_env.client.get("/api/sessions", headers=vibe_env.headers)
    assert resp.status == 200
    (session,) = (await resp.json())["items"]
    assert session["id"] == sid and session["device_name"] == "Kitchen"
    assert session["client"] == "Finamp" and session["user_name"] == "demo"
    assert session["supports_remote_control"] is True and session["is_paused"] is False
    assert session["now_playing"]["ref"] == f"jellyfin:{playing.id}"

    queue = await vibe_env.vibe(mode="similar", ref=f"jellyfin:{lib.tracks[40].id}", limit=15)
    ids = [i["ref"].split(":", 1)[1] for i in queue["items"]]
    resp = await vibe_env.client.post(
        f"/api/vibe/{queue['id']}/play", json={"session_id": sid.upper()}, headers=vibe_env.headers
    )
    assert resp.status == 200, await resp.text()
    assert await resp.json() == {"ok": True, "session_id": sid, "count": 15}
    (command,) = await _remote_commands(vibe_env)
    assert command["SessionId"] == sid and command["MessageType"] == "Play"
    assert command["Data"]["PlayCommand"] == "PlayNow" and command["Data"]["ItemIds"] == ids
    assert command["Data"]["ControllingUserId"] == vibe_env.user_id

    url = f"/api/vibe/{queue['id']}/play"
    resp = await vibe_env.client.post(url, json={"session_id": "f" * 32}, headers=vibe_env.headers)
    assert resp.status == 404 and (await resp.json())["error"]["code"] == "session_not_found"
    resp = await vibe_env.client.post(url, json={"session_id": 5}, headers=vibe_env.headers)
    assert resp.status == 400
    vibe_env.jellyfin.state.sessions[sid].supports_remote_control = False
    resp = await vibe_env.client.post(url, json={"session_id": sid}, headers=vibe_env.headers)
    assert resp.status == 409
    assert (await resp.json())["error"]["code"] == "session_not_controllable"
    assert len(await _remote_commands(vibe_env)) == 1


async def test_save_as_playlist(vibe_env: VibeEnv) -> None:
    seed = vibe_env.jellyfin.library.tracks[50]
    queue = await vibe_env.vibe(mode="similar", ref=f"jellyfin:{seed.id}", limit=12)
    resp = await vibe_env.client.post(
        f"/api/vibe/{queue['id']}/save", json={"name": "Friday vibe"}, headers=vibe_env.headers
    )
    assert resp.status == 201, await resp.text()
    playlist = await resp.json()
    assert playlist["name"] == "Friday vibe" and playlist["item_count"] == 12
    assert [i["ref"] for i in playlist["items"]] == [i["ref"] for i in queue["items"]]
    # Pushed to Jellyfin as a playlist of the user's.
    state = vibe_env.jellyfin.state

    async def pushed() -> bool:
        return any(
            p.name == "Friday vibe" and len(p.entries) == 12 for p in state.playlists.values()
        )

    await until(pushed)
    resp = await vibe_env.client.post(
        f"/api/vibe/{'0' * 32}/save", json={}, headers=vibe_env.headers
    )
    assert resp.status == 404


async def test_vibe_start_over_the_websocket(vibe_env: VibeEnv) -> None:
    token = vibe_env.headers["Authorization"].split(" ", 1)[1]
    seed = vibe_env.jellyfin.library.tracks[60]
    async with vibe_env.client.ws_connect("/api/ws") as ws:
        assert (await ws.receive_json())["type"] == "auth_required"
        await ws.send_json({"type": "auth", "access_token": token})
        assert (await ws.receive_json())["type"] == "auth_ok"
        await ws.send_json({"id": 1, "type": "subscribe_events", "event_type": "vibe.queue"})
        assert (await ws.receive_json())["success"] is True
        await ws.send_json(
            {
                "id": 2,
                "type": "vibe/start",
                "mode": "similar",
                "ref": f"jellyfin:{seed.id}",
                "limit": 8,
            }
        )
        got: dict[int, Any] = {}
        async with asyncio.timeout(30):
            while 2 not in got or 1 not in got:
                message = json.loads((await ws.receive()).data)
                got[message["id"]] = message
        result = got[2]
        assert result["type"] == "result" and result["success"] is True
        queue = result["result"]
        assert queue["engine"] == "audiomuse" and len(queue["items"]) == 8
        event = got[1]["event"]
        assert event["type"] == "vibe.queue" and event["user_id"] == vibe_env.user_id
        assert event["data"] == {
            "queue_id": queue["id"],
            "mode": "similar",
            "engine": "audiomuse",
            "item_count": 8,
            "added": [i["ref"] for i in queue["items"]],
            "reason": "created",
        }
        await ws.send_json({"id": 3, "type": "vibe/start", "mode": "nope"})
        async with asyncio.timeout(30):
            while True:
                message = json.loads((await ws.receive()).data)
                if message["id"] == 3:
                    break
        assert message["success"] is False and message["error"]["code"] == "invalid_input"
