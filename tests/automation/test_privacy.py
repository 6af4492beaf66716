"""Automation internals (snapshots of every user, MQTT commands) reach administrators only."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import websockets
from aiohttp.test_utils import TestClient

from companion import keys
from companion.events import Event


async def _subscribed(client: TestClient[Any, Any], headers: dict[str, str]) -> Any:
    url = str(client.make_url("/api/ws")).replace("http://", "ws://")
    conn = await websockets.connect(url)
    assert json.loads(await conn.recv())["type"] == "auth_required"
    token = headers["Authorization"].removeprefix("Bearer ")
    await conn.send(json.dumps({"type": "auth", "access_token": token}))
    assert json.loads(await conn.recv())["type"] == "auth_ok"
    await conn.send(json.dumps({"id": 1, "type": "subscribe_events"}))
    assert json.loads(await conn.recv())["success"] is True
    return conn


async def _types(conn: Any, *until: str) -> list[str]:
    seen: list[str] = []
    async with asyncio.timeout(30):
        while not set(until) <= set(seen):
            seen.append(json.loads(await conn.recv())["event"]["type"])
    return seen


async def test_snapshot_and_commands_are_admin_only(
    client: TestClient[Any, Any], make_user: Any, admin_headers: dict[str, str]
) -> None:
    _, user_headers = await make_user("alice")
    admin = await _subscribed(client, admin_headers)
    user = await _subscribed(client, user_headers)
    try:
        bus = client.app[keys.BUS]
        bus.publish(Event("automation.sync_request", {}))
        bus.publish(Event("automation.command", {"action": "favorite.current", "user": "bob"}))
        await _types(admin, "automation.snapshot", "automation.result")
        bus.publish(Event("test.done", {}))
        user_types = await _types(user, "test.done")
        assert not [t for t in user_types if t.startswith("automation.")], user_types
    finally:
        await admin.close()
        await user.close()
