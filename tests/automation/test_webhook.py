"""Inbound automation webhooks: hooks API, token checks, validation, every action end to end."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp.test_utils import TestClient

from companion import keys
from companion.automation.hooks import RateLimiter
from companion.automation.models import AutomationHook
from companion.crypto import hash_token
from companion.history.models import Play
from companion.library.models import Favorite
from companion.ratelimit import FailureLimiter
from companion.vibe.models import VibeQueue
from tests.automation.conftest import AutoEnv, until


async def _hook(
    client: TestClient[Any, Any], headers: dict[str, str], **body: Any
) -> dict[str, Any]:
    resp = await client.post(
        "/api/automation/hooks", json={"name": "kitchen", **body}, headers=headers
    )
    assert resp.status == 201, await resp.text()
    data: dict[str, Any] = await resp.json()
    return data


async def _call(
    client: TestClient[Any, Any], hook: dict[str, Any], body: Any, token: str | None = None
) -> tuple[int, dict[str, Any]]:
    headers = {"Authorization": f"Bearer {token or hook['token']}"}
    kwargs: dict[str, Any] = {"data": body} if isinstance(body, str | bytes) else {"json": body}
    resp = await client.post(f"/webhooks/automation/{hook['id']}", headers=headers, **kwargs)
    data: dict[str, Any] = await resp.json()
    return resp.status, data


async def test_hooks_api_shows_token_once_and_stores_it_hashed(
    client: TestClient[Any, Any], make_user: Any
) -> None:
    _, headers = await make_user("alice")
    hook = await _hook(client, headers, actions=["favorite.current"])
    assert hook["url"].endswith(f"/webhooks/automation/{hook['id']}")
    assert hook["actions"] == ["favorite.current"] and len(hook["token"]) > 30
    row = await AutomationHook.get(hook_id=hook["id"])
    assert row.token_hash == hash_token(hook["token"]) and hook["token"] not in str(row.__dict__)
    resp = await client.get("/api/automation/hooks", headers=headers)
    (listed,) = (await resp.json())["items"]
    assert "token" not in listed and listed["prefix"] == hook["token"][:8]
    # Another user neither sees nor deletes it.
    _, other = await make_user("bob")
    assert (await (await client.get("/api/automation/hooks", headers=other)).json())["items"] == []
    resp = await client.delete(f"/api/automation/hooks/{hook['id']}", headers=other)
    assert resp.status == 404
    # Rotating replaces the token at once.
    resp = await client.post(f"/api/automation/hooks/{hook['id']}/rotate", headers=headers)
    rotated = await resp.json()
    status, body = await _call(client, hook, {"action": "favorite.current"})
    assert status == 401 and body["error"]["code"] == "invalid_hook_token"
    status, body = await _call(client, hook, {"action": "favorite.current"}, rotated["token"])
    assert status == 409 and body["error"]["code"] == "nothing_playing"
    resp = await client.delete(f"/api/automation/hooks/{hook['id']}", headers=headers)
    assert resp.status == 204
    status, body = await _call(client, hook, {"action": "favorite.current"}, rotated["token"])
    assert status == 404 and body["error"]["code"] == "hook_not_found"


async def test_hook_input_errors_are_clear_4xx(
    client: TestClient[Any, Any], make_user: Any
) -> None:
    _, headers = await make_user("alice")
    resp = await client.post("/api/automation/hooks", json={"name": ""}, headers=headers)
    assert resp.status == 400
    resp = await client.post(
        "/api/automation/hooks", json={"name": "x", "actions": ["rm -rf"]}, headers=headers
    )
    assert (await resp.json())["error"]["details"]["field"] == "actions"
    hook = await _hook(client, headers, actions=["favorite.current"])

    resp = await client.post(f"/webhooks/automation/{hook['id']}", json={"action": "vibe.start"})
    assert resp.status == 401
    status, body = await _call(client, hook, "{not json")
    assert status == 400 and body["error"]["code"] == "invalid_json"
    status, body = await _call(client, hook, {"no": "action"})
    assert status == 400 and body["error"]["details"]["field"] == "action"
    status, body = await _call(client, hook, {"action": "vibe.start"})
    assert status == 403 and body["error"]["code"] == "action_not_allowed"

    open_hook = await _hook(client, headers)
    status, body = await _call(client, open_hook, {"action": "reboot"})
    assert status == 400 and body["error"]["code"] == "unknown_action"
    for bad_id in ("1", 0, 2**31, 2**63):  # past 2^31: no PostgreSQL row; past 2^63: no SQLite
        status, body = await _call(
            client, open_hook, {"action": "playlist.add", "playlist_id": bad_id}
        )
        assert status == 400 and body["error"]["details"]["field"] == "playlist_id"
    status, body = await _call(
        client, open_hook, {"action": "playlist.add", "playlist_id": 1, "refs": ["nope"]}
    )
    assert status == 400 and body["error"]["details"]["field"] == "refs"
    status, body = await _call(client, open_hook, {"action": "library.refresh"})
    assert status == 403  # alice is no administrator


async def test_hooks_are_rate_limited(client: TestClient[Any, Any], make_user: Any) -> None:
    client.app[keys.AUTOMATION].hooks.limiter = RateLimiter(limit=3, window=60)
    _, headers = await make_user("alice")
    hook = await _hook(client, headers)
    statuses = [(await _call(client, hook, {"action": "favorite.current"}))[0] for _ in range(4)]
    assert statuses == [409, 409, 409, 429]
    status, body = await _call(client, hook, {"action": "favorite.current"})
    assert (
        status == 429
        and body["error"]["code"] == "rate_limited"
        and body["error"]["details"]["retry_after"] > 0
    )


async def test_favorite_current_favorites_what_is_playing(auto_env: AutoEnv) -> None:
    client = auto_env.client
    hook = await _hook(client, auto_env.headers)
    track = auto_env.jellyfin.library.tracks[7]
    session = await auto_env.play(track.id)
    await auto_env.playing(session)
    status, body = await _call(client, hook, {"action": "favorite.current"})
    assert status == 200, body
    assert body["result"] == {
        "ref": f"jellyfin:{track.id}",
        "favorite": True,
        "session_id": session,
    }
    # Jellyfin got the write as demo, and the overlay mirrors it.
    writes = [
        r for r in auto_env.requests() if r["method"] == "POST" and "FavoriteItems" in r["path"]
    ]
    assert [track.id in r["path"] for r in writes] == [True]
    assert await Favorite.exists(user_id=auto_env.user_id, item_id=track.id)


async def test_library_refresh_asks_jellyfin_to_scan(auto_env: AutoEnv) -> None:
    hook = await _hook(auto_env.client, auto_env.headers, actions=["library.refresh"])
    status, body = await _call(auto_env.client, hook, {"action": "library.refresh"})
    assert status == 200 and body["result"] == {"refreshing": True}
    assert [r["method"] for r in auto_env.requests("/Library/Refresh")] == ["POST"]


async def test_vibe_start_and_play_on_the_session(auto_env: AutoEnv) -> None:
    client = auto_env.client
    hook = await _hook(client, auto_env.headers)
    lib = auto_env.jellyfin.library
    status, body = await _call(client, hook, {"action": "vibe.start"})
    assert status == 409 and body["error"]["code"] == "vibe_no_recent_plays"
    for t in (lib.tracks[3], lib.tracks[40]):
        session = await auto_env.play(t.id, "start", position_ticks=0)
        await asyncio.sleep(0.05)
        await auto_env.play(t.id, "stop", position_ticks=t.runtime_ticks)

    async def both_counted() -> bool:
        return await Play.filter(user_id=auto_env.user_id, counted=True).count() == 2

    await until(both_counted)
    # Every session stopped: nowhere to play (a stopped session is not "current").
    status, body = await _call(client, hook, {"action": "vibe.start", "recent": 2, "play": True})
    assert status == 409 and body["error"]["code"] == "no_active_session", body
    session = await auto_env.play(lib.tracks[50].id, "start", position_ticks=0)
    await auto_env.playing(session)
    status, body = await _call(client, hook, {"action": "vibe.start", "recent": 2, "play": True})
    assert status == 200, body
    result = body["result"]
    assert result["item_count"] > 0 and result["played"] == session
    queue = await VibeQueue.get(id=result["queue_id"])
    assert queue.session_id == session
    assert any("/Playing" in r["path"] for r in auto_env.requests(f"/Sessions/{session}"))

    status, body = await _call(
        client, hook, {"action": "vibe.play", "queue_id": result["queue_id"], "session_id": session}
    )
    assert status == 200 and body["result"]["count"] == result["item_count"]
    status, body = await _call(client, hook, {"action": "vibe.play", "queue_id": "0" * 32})
    assert status == 404


async def test_playlist_add_appends_refs_or_the_current_track(auto_env: AutoEnv) -> None:
    client = auto_env.client
    lib = auto_env.jellyfin.library
    resp = await client.post("/api/playlists", json={"name": "Kitchen"}, headers=auto_env.headers)
    assert resp.status == 201, await resp.text()
    playlist = await resp.json()
    hook = await _hook(client, auto_env.headers, actions=["playlist.add"])
    refs = [f"jellyfin:{lib.tracks[1].id}", f"jellyfin:{lib.tracks[2].id}"]
    status, body = await _call(
        client, hook, {"action": "playlist.add", "playlist_id": playlist["id"], "refs": refs}
    )
    assert status == 200, body
    assert body["result"]["item_count"] == 2 and body["result"]["added"] == refs
    session = await auto_env.play(lib.tracks[9].id)
    await auto_env.playing(session)
    status, body = await _call(
        client, hook, {"action": "playlist.add", "playlist_id": playlist["id"]}
    )
    assert status == 200 and body["result"]["added"] == [f"jellyfin:{lib.tracks[9].id}"]
    resp = await client.get(f"/api/playlists/{playlist['id']}", headers=auto_env.headers)
    items = (await resp.json())["items"]
    assert [i["ref"] for i in items] == [*refs, f"jellyfin:{lib.tracks[9].id}"]
    status, body = await _call(
        client, hook, {"action": "playlist.add", "playlist_id": 999999, "refs": refs}
    )
    assert status == 404


async def test_guessing_tokens_gets_refused(client: TestClient[Any, Any], make_user: Any) -> None:
    client.app[keys.AUTOMATION].hooks.failures = FailureLimiter(max_failures=3, window_seconds=60)
    _, headers = await make_user("alice")
    hook = await _hook(client, headers)
    statuses = [
        (await _call(client, hook, {"action": "favorite.current"}, f"guess-{i}"))[0]
        for i in range(3)
    ]
    assert statuses == [401, 401, 401]
    # Now even the right token waits: the address guessed too often.
    status, body = await _call(client, hook, {"action": "favorite.current"})
    assert status == 429 and body["error"]["code"] == "rate_limited"
